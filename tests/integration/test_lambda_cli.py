"""The aws CLI (v1) drives Lambda and Logs: create-function from a zip file, wait, invoke into an
output file, read the logs back."""
import base64
import json
import re
import time

import pytest

from helpers import LAMBDA_ROLE, AwsCliError, function_arn, make_zip, unique_name

SOURCE = """
def handler(event, context):
    print("cli says", event.get("a"))
    return {"got": event, "name": context.function_name}
"""


def test_cli_create_invoke_logs_delete(aws_service_cli, tmp_path):
    name = unique_name("cli")
    zip_path = tmp_path / "function.zip"
    zip_path.write_bytes(make_zip({"app.py": SOURCE}))
    created = aws_service_cli("lambda", "create-function", "--function-name", name, "--runtime", "python3.12",
                              "--role", LAMBDA_ROLE, "--handler", "app.handler", "--zip-file", f"fileb://{zip_path}")
    try:
        assert created["FunctionName"] == name
        assert created["FunctionArn"] == function_arn(name)
        assert created["State"] == "Pending"
        assert created["CodeSize"] == zip_path.stat().st_size

        assert aws_service_cli("lambda", "wait", "function-active", "--function-name", name) is None
        config = aws_service_cli("lambda", "get-function-configuration", "--function-name", name)
        assert config["State"] == "Active"

        out = tmp_path / "out.json"
        result = aws_service_cli("lambda", "invoke", "--function-name", name, "--payload", '{"a":1}',
                                 "--log-type", "Tail", str(out), cwd=str(tmp_path))
        assert result["StatusCode"] == 200
        assert result["ExecutedVersion"] == "$LATEST"
        assert "FunctionError" not in result
        assert json.loads(out.read_text()) == {"got": {"a": 1}, "name": name}
        tail = base64.b64decode(result["LogResult"]).decode()
        assert "cli says 1" in tail
        assert re.search(r"^REPORT RequestId: ", tail, re.M)

        relative = aws_service_cli("lambda", "invoke", "--function-name", name, "--payload", '{"a":2}',
                                   "relative-out.json", cwd=str(tmp_path))
        assert relative["StatusCode"] == 200
        assert json.loads((tmp_path / "relative-out.json").read_text())["got"] == {"a": 2}

        messages = []
        deadline = time.monotonic() + 5  # log delivery is asynchronous, as on AWS
        while len(messages) < 2 and time.monotonic() < deadline:
            try:
                events = aws_service_cli("logs", "filter-log-events", "--log-group-name", f"/aws/lambda/{name}",
                                         "--filter-pattern", '"cli says"')["events"]
                messages = [e["message"].rstrip("\n") for e in events]
            except AwsCliError:
                pass
            if len(messages) < 2:
                time.sleep(0.2)
        assert messages == ["cli says 1", "cli says 2"]

        listed = aws_service_cli("lambda", "list-functions")
        assert name in [f["FunctionName"] for f in listed["Functions"]]
    finally:
        aws_service_cli("lambda", "delete-function", "--function-name", name)
    with pytest.raises(AwsCliError) as error:
        aws_service_cli("lambda", "get-function", "--function-name", name)
    assert "ResourceNotFoundException" in error.value.stderr
    assert f"Function not found: {function_arn(name)}" in error.value.stderr


def test_cli_invoke_function_error_and_event(aws_service_cli, tmp_path):
    name = unique_name("cli")
    zip_path = tmp_path / "function.zip"
    zip_path.write_bytes(make_zip({"app.py": "def handler(event, context):\n    raise RuntimeError('cli boom')\n"}))
    aws_service_cli("lambda", "create-function", "--function-name", name, "--runtime", "python3.11",
                    "--role", LAMBDA_ROLE, "--handler", "app.handler", "--zip-file", f"fileb://{zip_path}")
    try:
        aws_service_cli("lambda", "wait", "function-active-v2", "--function-name", name)
        out = tmp_path / "error.json"
        result = aws_service_cli("lambda", "invoke", "--function-name", name, "--payload", "{}", str(out))
        assert result["StatusCode"] == 200
        assert result["FunctionError"] == "Unhandled"
        body = json.loads(out.read_text())
        assert body["errorType"] == "RuntimeError" and body["errorMessage"] == "cli boom"

        queued = aws_service_cli("lambda", "invoke", "--function-name", name, "--invocation-type", "Event",
                                 str(tmp_path / "event.json"))
        assert queued["StatusCode"] == 202
        assert (tmp_path / "event.json").read_bytes() == b""
    finally:
        aws_service_cli("lambda", "delete-function", "--function-name", name)
