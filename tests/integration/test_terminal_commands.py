"""`gatehouse logs tail` and `gatehouse metrics`, the commands for a person at a terminal, run
against a server as a user would (their output piped, so without colour)."""
import os
import queue
import subprocess
import threading
import time

from conftest import _binary, make_client
from helpers import create_python_function, invoke_json
from test_cloudwatch import loaded_api, metered, ops_channel  # noqa: F401  (fixtures)


def gatehouse(server, *args, **kwargs):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("GATEHOUSE_", "AWS_"))}
    return subprocess.run([str(_binary()), *args, "--endpoint-url", server.url], capture_output=True, text=True, timeout=60,
                          env=environment, **kwargs)


def test_logs_tail_prints_a_functions_events(metered):
    lam = make_client(metered, "lambda")
    name = create_python_function(lam, "def handler(event, context):\n    print('tailing', event['n'])\n    return 1\n", prefix="tailed")
    invoke_json(lam, name, {"n": 7})
    deadline = time.monotonic() + 10
    while "tailing 7" not in (result := gatehouse(metered, "logs", "tail", f"/aws/lambda/{name}", "--since", "5m")).stdout:
        # The group appears once the first invocation's lines are written.
        assert result.returncode == 0 or "does not exist" in result.stderr, result.stderr
        assert time.monotonic() < deadline, result.stdout
        time.sleep(0.3)
    lines = result.stdout.splitlines()
    assert any(line.split(" ", 2)[2].startswith("START RequestId:") for line in lines)
    assert any("REPORT RequestId:" in line for line in lines)
    assert "\x1b[" not in result.stdout  # no colour into a pipe
    assert lines[0][:4].isdigit() and "+00:00 " in lines[0]


def test_logs_tail_follow_prints_new_events_as_they_come(metered):
    lam = make_client(metered, "lambda")
    name = create_python_function(lam, "def handler(event, context):\n    print('followed', event['n'])\n    return 1\n", prefix="followed")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("GATEHOUSE_", "AWS_"))}
    follower = subprocess.Popen([str(_binary()), "logs", "tail", f"/aws/lambda/{name}", "--follow", "--endpoint-url", metered.url],
                                stdout=subprocess.PIPE, text=True, env=environment)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in follower.stdout], daemon=True).start()
    try:
        time.sleep(1.5)
        invoke_json(lam, name, {"n": 42})
        deadline = time.monotonic() + 15
        while "followed 42" not in lines.get(timeout=max(0.1, deadline - time.monotonic())):
            pass
    finally:
        follower.terminate()
        follower.wait(timeout=10)


def test_metrics_prints_the_last_minutes(metered):
    name, _ = loaded_api(metered, ["ok"] * 4 + ["broken"])
    deadline = time.monotonic() + 10
    while f"ApiName={name} Stage=prod" not in (result := gatehouse(metered, "metrics", "--minutes", "5")).stdout:
        assert result.returncode == 0, result.stderr
        assert time.monotonic() < deadline, result.stdout
        time.sleep(0.3)
    rows = [line.split() for line in result.stdout.splitlines() if f"ApiName={name}" in line]
    by_metric = {row[1]: row for row in rows}
    assert by_metric["Count"][-1] == "5" and by_metric["5XXError"][-1] == "1"
    assert by_metric["Latency"][-3] == "p99" and by_metric["Latency"][-1] == "ms"
    assert result.stdout.splitlines()[0].split() == ["NAMESPACE", "METRIC", "DIMENSIONS", "LAST", "5", "MIN"]
