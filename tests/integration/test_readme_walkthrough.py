"""The README's classic walkthrough, run as written (only the endpoint changes), so it never rots."""
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def walkthrough_script():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- walkthrough:start -->\n```sh\n(.*?)```\n<!-- walkthrough:end -->", text, re.S)
    assert block, "README has no walkthrough block"
    return block.group(1)


def test_readme_walkthrough_runs_and_answers_like_aws(gatehouse, tmp_path):
    script = walkthrough_script().replace("GW=http://localhost:4566", f"GW={gatehouse.url}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    # The README calls `aws`; make sure it is the awscli of this Python.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "aws").write_text(f"#!/bin/sh\nexec {sys.executable} -m awscli \"$@\"\n")
    (bin_dir / "aws").chmod(0o755)
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr + result.stdout
    out = result.stdout
    assert '["CA", "OR", "WA"]\n' in out  # test-invoke-method body, and the deployed /states
    assert out.count('["CA", "OR", "WA"]') >= 2
    assert '{"message": "Hello from Gatehouse", "path": "/"}' in out
    assert '{"message":"Missing Authentication Token"}' in out
    assert ".execute-api.localhost:4566/dev/states in a browser" in out
