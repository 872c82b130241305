"""Lambda Invoke: results, function errors, timeouts, crashes, log tails, invocation types, the
handler's context and environment, warm state and custom (provided.*) runtimes."""
import base64
import json
import os
import re
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from helpers import (ACCOUNT_ID, BASH_BOOTSTRAP, REGION, assert_aws_error, function_arn, invoke_json, make_zip, status_of,
                     unique_name)

REPORT = re.compile(
    r"^REPORT RequestId: (?P<id>[0-9a-f-]{36})\tDuration: \d+\.\d{2} ms\tBilled Duration: \d+ ms\t"
    r"Memory Size: (?P<memory>\d+) MB\tMax Memory Used: \d+ MB\t(?P<init>Init Duration: \d+\.\d{2} ms\t)?$")
STREAM = re.compile(r"^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$")

ECHO = """
def handler(event, context):
    return {"event": event}
"""

FAILING = """
class CustomError(Exception):
    pass

def handler(event, context):
    print("about to fail")
    raise CustomError("something broke")
"""

COUNTER = """
import time
count = 0

def handler(event, context):
    global count
    count += 1
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("exit") is not None:
        import sys
        sys.exit(event["exit"])
    return {"count": count}
"""


def _header_request_id(response):
    return response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]


def _request_id(response):
    """The invocation's request id, from the START line of the log tail (invoke with LogType=Tail)."""
    tail = base64.b64decode(response["LogResult"]).decode()
    match = re.search(r"START RequestId: ([0-9a-f-]{36}) ", tail)
    assert match, tail
    return match[1]


def _is_uuid(value):
    try:
        return str(uuid.UUID(value)) == value
    except (TypeError, ValueError):
        return False


def test_invoke_returns_the_handler_result(lambda_client, make_function):
    name = make_function(ECHO)["FunctionName"]
    response, body = invoke_json(lambda_client, name, {"a": 1, "nested": {"list": [1, "two", None]}})
    assert status_of(response) == 200
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response
    assert _is_uuid(_header_request_id(response))
    assert body == {"event": {"a": 1, "nested": {"list": [1, "two", None]}}}


@pytest.mark.parametrize("runtime", ["python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13"])
def test_every_python_runtime_invokes(lambda_client, make_function, runtime):
    name = make_function(ECHO, runtime=runtime)["FunctionName"]
    response, body = invoke_json(lambda_client, name, {"runtime": runtime})
    assert response["StatusCode"] == 200 and "FunctionError" not in response, body
    assert body == {"event": {"runtime": runtime}}


def test_invoke_response_request_id_is_the_invocation_request_id(lambda_client, make_function):
    name = make_function("def handler(event, context):\n    return context.aws_request_id\n")["FunctionName"]
    response, body = invoke_json(lambda_client, name, {}, LogType="Tail")
    assert body == _request_id(response)
    assert _header_request_id(response) == body


def test_invoke_handler_returning_none_gives_null(lambda_client, make_function):
    name = make_function("def handler(event, context):\n    return None\n")["FunctionName"]
    response = lambda_client.invoke(FunctionName=name, Payload=b"{}")
    assert response["StatusCode"] == 200
    assert response["Payload"].read() == b"null"


def test_invoke_without_payload(lambda_client, make_function):
    name = make_function(ECHO)["FunctionName"]
    response = lambda_client.invoke(FunctionName=name)
    assert response["StatusCode"] == 200
    assert json.loads(response["Payload"].read()) == {"event": {}}


def test_invoke_unknown_function_is_not_found(lambda_client):
    name = unique_name("missing")
    with pytest.raises(ClientError) as error:
        lambda_client.invoke(FunctionName=name, Payload=b"{}")
    assert_aws_error(error, 404, "ResourceNotFoundException", f"Function not found: {function_arn(name)}:$LATEST")


def test_handler_exception_is_an_unhandled_function_error(lambda_client, make_function):
    name = make_function(FAILING)["FunctionName"]
    response, body = invoke_json(lambda_client, name, {}, LogType="Tail")
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert list(body) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert body["errorMessage"] == "something broke"
    assert body["errorType"] == "CustomError"
    assert body["requestId"] == _request_id(response)
    assert isinstance(body["stackTrace"], list) and body["stackTrace"]
    last = body["stackTrace"][-1]
    assert "app.py" in last and "in handler" in last and 'raise CustomError("something broke")' in last
    assert not any("awslambdaric" in frame for frame in body["stackTrace"]), body["stackTrace"]


def test_timeout_is_sandbox_timedout_and_the_next_invoke_runs_in_a_fresh_worker(lambda_client, make_function):
    name = make_function(COUNTER, Timeout=1)["FunctionName"]
    _, body = invoke_json(lambda_client, name, {})
    assert body == {"count": 1}
    _, body = invoke_json(lambda_client, name, {})
    assert body == {"count": 2}

    started = time.monotonic()
    response, body = invoke_json(lambda_client, name, {"sleep": 2}, LogType="Tail")
    elapsed = time.monotonic() - started
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    request_id = _request_id(response)
    assert body == {"errorType": "Sandbox.Timedout",
                    "errorMessage": f"RequestId: {request_id} Error: Task timed out after 1.00 seconds"}
    assert 0.9 <= elapsed < 1.9, elapsed

    # Module globals start over after a timeout (the runtime is re-initialised).
    response, body = invoke_json(lambda_client, name, {})
    assert "FunctionError" not in response
    assert body == {"count": 1}


def test_timeout_is_reported_in_the_log_tail(lambda_client, make_function):
    name = make_function(COUNTER, Timeout=1)["FunctionName"]
    response, _ = invoke_json(lambda_client, name, {"sleep": 2}, LogType="Tail")
    request_id = _request_id(response)
    tail = base64.b64decode(response["LogResult"]).decode()
    assert f"START RequestId: {request_id} Version: $LATEST" in tail
    assert f"END RequestId: {request_id}" in tail
    assert f"REPORT RequestId: {request_id}" in tail


@pytest.mark.parametrize("code, message", [
    (1, "Runtime exited with error: exit status 1"),
    (0, "Runtime exited without providing a reason"),
])
def test_sys_exit_in_handler_is_runtime_exit_error(lambda_client, make_function, code, message):
    name = make_function(COUNTER)["FunctionName"]
    response, body = invoke_json(lambda_client, name, {"exit": code}, LogType="Tail")
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert body == {"errorType": "Runtime.ExitError",
                    "errorMessage": f"RequestId: {_request_id(response)} Error: {message}"}
    response, body = invoke_json(lambda_client, name, {})
    assert "FunctionError" not in response
    assert body == {"count": 1}


def test_missing_module_is_runtime_import_module_error(lambda_client, make_function):
    name = make_function(ECHO, handler="missing.handler")["FunctionName"]
    for _ in range(2):  # every attempt re-initialises and fails the same way
        response, body = invoke_json(lambda_client, name, {})
        assert response["StatusCode"] == 200
        assert response["FunctionError"] == "Unhandled"
        assert body["errorType"] == "Runtime.ImportModuleError"
        assert body["errorMessage"] == "Unable to import module 'missing': No module named 'missing'"
        assert body["stackTrace"] == []


def test_import_time_exception_is_reported_with_its_type(lambda_client, make_function):
    name = make_function("raise ValueError('bad config at import')\n\ndef handler(e, c):\n    return 1\n")["FunctionName"]
    response, body = invoke_json(lambda_client, name, {})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "ValueError"
    assert body["errorMessage"] == "bad config at import"


def test_missing_handler_attribute_is_runtime_handler_not_found(lambda_client, make_function):
    name = make_function(ECHO, handler="app.nothere")["FunctionName"]
    response, body = invoke_json(lambda_client, name, {})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.HandlerNotFound"
    assert body["errorMessage"] == "Handler 'nothere' missing on module 'app'"


def test_function_recovers_after_a_fixed_import_error(lambda_client, make_function):
    name = make_function(ECHO, handler="missing.handler")["FunctionName"]
    response, _ = invoke_json(lambda_client, name, {})
    assert response["FunctionError"] == "Unhandled"
    lambda_client.update_function_configuration(FunctionName=name, Handler="app.handler")
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    response, body = invoke_json(lambda_client, name, {"x": 1})
    assert "FunctionError" not in response
    assert body == {"event": {"x": 1}}


def test_log_type_tail_returns_start_prints_end_report(lambda_client, make_function):
    source = "def handler(event, context):\n    print('first line')\n    print('second line')\n    return 'ok'\n"
    name = make_function(source)["FunctionName"]
    for attempt in range(2):
        response = lambda_client.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
        assert response["Payload"].read() == b'"ok"'
        request_id = _request_id(response)
        tail = base64.b64decode(response["LogResult"]).decode()
        lines = tail.rstrip("\n").split("\n")
        assert lines[0] == f"START RequestId: {request_id} Version: $LATEST", tail
        assert lines[1:3] == ["first line", "second line"], tail
        assert lines[3] == f"END RequestId: {request_id}", tail
        report = REPORT.match(lines[4])
        assert report, lines[4]
        assert report["id"] == request_id and report["memory"] == "128"
        assert bool(report["init"]) == (attempt == 0), lines[4]
        assert len(lines) == 5, tail
        assert not tail.startswith("INIT_START")


def test_log_type_tail_keeps_the_last_4kb(lambda_client, make_function):
    source = "def handler(event, context):\n    for i in range(200):\n        print('line %03d ' % i + 'x' * 60)\n    return 1\n"
    name = make_function(source)["FunctionName"]
    response = lambda_client.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
    tail = base64.b64decode(response["LogResult"])
    assert len(tail) <= 4096
    assert tail.decode(errors="replace").rstrip("\n").split("\n")[-1].startswith("REPORT RequestId: ")
    assert b"line 199 " in tail


def test_without_log_type_there_is_no_log_result(lambda_client, make_function):
    name = make_function(ECHO)["FunctionName"]
    response = lambda_client.invoke(FunctionName=name, Payload=b"{}")
    assert "LogResult" not in response


def test_event_invocation_answers_202_and_runs_later(lambda_client, logs_client, make_function):
    marker = uuid.uuid4().hex
    source = "def handler(event, context):\n    print('async-run', event['marker'])\n    return None\n"
    name = make_function(source)["FunctionName"]
    response = lambda_client.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"marker": marker}))
    assert status_of(response) == 202
    assert response["StatusCode"] == 202
    assert response["Payload"].read() == b""
    assert "FunctionError" not in response

    deadline = time.monotonic() + 5
    found = []
    while time.monotonic() < deadline and not found:
        try:
            found = logs_client.filter_log_events(logGroupName=f"/aws/lambda/{name}",
                                                  filterPattern=f'"async-run {marker}"')["events"]
        except logs_client.exceptions.ResourceNotFoundException:
            pass
        if not found:
            time.sleep(0.2)
    assert found, "the Event invocation did not run within 5 s"
    assert found[0]["message"].rstrip("\n") == f"async-run {marker}"


def test_dry_run_answers_204_without_running(lambda_client, make_function):
    name = make_function(COUNTER)["FunctionName"]
    response = lambda_client.invoke(FunctionName=name, InvocationType="DryRun", Payload=b"{}")
    assert status_of(response) == 204
    assert response["StatusCode"] == 204
    assert response["Payload"].read() == b""
    _, body = invoke_json(lambda_client, name, {})
    assert body == {"count": 1}


def test_dry_run_on_unknown_function_is_not_found(lambda_client):
    with pytest.raises(ClientError) as error:
        lambda_client.invoke(FunctionName=unique_name("missing"), InvocationType="DryRun")
    assert_aws_error(error, 404, "ResourceNotFoundException")


def test_payload_over_6_mb_is_request_entity_too_large(lambda_client, make_function):
    name = make_function(ECHO)["FunctionName"]
    payload = b'"' + b"a" * (6291457 - 2) + b'"'
    assert len(payload) == 6291457
    with pytest.raises(ClientError) as error:
        lambda_client.invoke(FunctionName=name, Payload=payload)
    assert_aws_error(error, 413, "RequestEntityTooLargeException",
                     "Request must be smaller than 6291456 bytes for the InvokeFunction operation")


def test_payload_that_is_not_json_is_invalid_request_content(lambda_client, make_function):
    name = make_function(ECHO)["FunctionName"]
    with pytest.raises(ClientError) as error:
        lambda_client.invoke(FunctionName=name, Payload=b"{not json")
    assert_aws_error(error, 400, "InvalidRequestContentException",
                     startswith="Could not parse request body into json: Could not parse payload into json")


# ---------------------------------------------------------------------------------------------
# Context and environment

CONTEXT = """
import os

def handler(event, context):
    env = dict(os.environ)
    return {
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "invoked_function_arn": context.invoked_function_arn,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "cwd": os.getcwd(),
        "task_files": sorted(os.listdir(os.environ.get("LAMBDA_TASK_ROOT", "."))),
        "env": env,
    }
"""


def test_context_and_environment_seen_by_the_handler(lambda_client, logs_client, make_function):
    created = make_function(CONTEXT, Timeout=5, Environment={"Variables": {"MY_SETTING": "on", "OTHER": "x=y"}})
    name = created["FunctionName"]
    response, body = invoke_json(lambda_client, name, {}, LogType="Tail")
    assert "FunctionError" not in response, body
    request_id = _request_id(response)

    assert body["function_name"] == name
    assert body["function_version"] == "$LATEST"
    assert body["memory_limit_in_mb"] == "128"
    assert body["aws_request_id"] == request_id
    assert body["invoked_function_arn"] == function_arn(name)
    assert body["log_group_name"] == f"/aws/lambda/{name}"
    assert STREAM.match(body["log_stream_name"]), body["log_stream_name"]
    assert 0 < body["remaining"] <= 5000
    assert body["remaining"] > 3000

    env = body["env"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["AWS_REGION"] == REGION
    assert env["AWS_DEFAULT_REGION"] == REGION
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{name}"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"] == body["log_stream_name"]
    assert env["_HANDLER"] == "app.handler"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert env["MY_SETTING"] == "on"
    assert env["OTHER"] == "x=y"
    assert env["AWS_ENDPOINT_URL"].rstrip("/").startswith("http://127.0.0.1:")
    assert env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"]
    assert env["AWS_LAMBDA_RUNTIME_API"]
    task_root = env["LAMBDA_TASK_ROOT"]
    assert os.path.isabs(task_root)
    assert body["cwd"] == task_root
    assert "app.py" in body["task_files"]

    # Log delivery is asynchronous (as on AWS): poll for the stream.
    names = []
    deadline = time.monotonic() + 5
    while body["log_stream_name"] not in names and time.monotonic() < deadline:
        try:
            streams = logs_client.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"]
            names = [s["logStreamName"] for s in streams]
        except logs_client.exceptions.ResourceNotFoundException:
            time.sleep(0.1)
    assert body["log_stream_name"] in names


def test_aws_endpoint_url_points_at_gatehouse(lambda_client, make_function, gatehouse, apigw):
    assert_port = f":{gatehouse.port}"
    api_name = unique_name("from-lambda")
    api = apigw.create_rest_api(name=api_name)
    try:
        source = (
            "import os, boto3\n"
            "def handler(event, context):\n"
            "    client = boto3.client('apigateway')\n"
            "    names = [item['name'] for item in client.get_rest_apis(limit=500)['items']]\n"
            "    return {'endpoint': os.environ['AWS_ENDPOINT_URL'], 'names': names}\n")
        name = make_function(source, Timeout=15)["FunctionName"]
        response, body = invoke_json(lambda_client, name, {})
        assert "FunctionError" not in response, body
        assert body["endpoint"].rstrip("/").endswith(assert_port)
        assert api_name in body["names"]
    finally:
        apigw.delete_rest_api(restApiId=api["id"])


def test_module_state_persists_across_warm_invokes(lambda_client, make_function):
    name = make_function(COUNTER)["FunctionName"]
    counts = [invoke_json(lambda_client, name, {})[1]["count"] for _ in range(4)]
    assert counts == [1, 2, 3, 4]


def test_update_function_code_takes_effect_on_the_next_invoke(lambda_client, make_function):
    name = make_function("def handler(e, c):\n    return 'old'\n")["FunctionName"]
    assert invoke_json(lambda_client, name)[1] == "old"
    lambda_client.update_function_code(FunctionName=name,
                                       ZipFile=make_zip({"app.py": "def handler(e, c):\n    return 'new'\n"}))
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    assert invoke_json(lambda_client, name)[1] == "new"


def test_update_function_configuration_takes_effect(lambda_client, make_function):
    source = ("import os\n"
              "def handler(e, c):\n    return {'h': 'one', 'v': os.environ.get('V'), 't': c.get_remaining_time_in_millis()}\n"
              "def other(e, c):\n    return {'h': 'two', 'v': os.environ.get('V'), 't': c.get_remaining_time_in_millis()}\n")
    name = make_function(source, Environment={"Variables": {"V": "a"}})["FunctionName"]
    first = invoke_json(lambda_client, name)[1]
    assert first["h"] == "one" and first["v"] == "a" and first["t"] <= 3000

    lambda_client.update_function_configuration(FunctionName=name, Handler="app.other", Timeout=20,
                                                Environment={"Variables": {"V": "b"}})
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    second = invoke_json(lambda_client, name)[1]
    assert second["h"] == "two" and second["v"] == "b"
    assert 3000 < second["t"] <= 20000


# ---------------------------------------------------------------------------------------------
# Custom runtimes: the zip's `bootstrap` implements the Runtime API itself


PYTHON_BOOTSTRAP = r"""#!/usr/bin/env python3
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
calls = 0
while True:
    with urllib.request.urlopen(api + "/invocation/next") as answer:
        request_id = answer.headers["Lambda-Runtime-Aws-Request-Id"]
        deadline = int(answer.headers["Lambda-Runtime-Deadline-Ms"])
        arn = answer.headers["Lambda-Runtime-Invoked-Function-Arn"]
        event = json.loads(answer.read())
    calls += 1
    print("python bootstrap call", calls, flush=True)
    body = json.dumps({"runtime": "python", "calls": calls, "event": event, "arn": arn, "deadline": deadline,
                       "request_id": request_id, "task_root": os.environ.get("LAMBDA_TASK_ROOT"),
                       "cwd": os.getcwd()}).encode()
    urllib.request.urlopen(urllib.request.Request(api + "/invocation/" + request_id + "/response", data=body,
                                                  method="POST")).read()
"""


@pytest.mark.parametrize("runtime", ["provided.al2023", "provided"])
def test_provided_runtime_with_a_bash_bootstrap(lambda_client, make_function, runtime):
    name = make_function(files={"bootstrap": BASH_BOOTSTRAP}, runtime=runtime, handler="my.handler")["FunctionName"]
    response, body = invoke_json(lambda_client, name, {"hello": "world"}, LogType="Tail")
    assert response["StatusCode"] == 200 and "FunctionError" not in response, body
    assert body == {"runtime": "bash", "handler": "my.handler", "event": {"hello": "world"}}
    request_id = _request_id(response)
    tail = base64.b64decode(response["LogResult"]).decode()
    assert f"bash runtime handling {request_id}" in tail

    response, body = invoke_json(lambda_client, name, {"fail": True})
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert body == {"errorMessage": "asked to fail", "errorType": "Custom.Failure"}


def test_provided_al2_runtime_with_a_python_bootstrap(lambda_client, make_function):
    name = make_function(files={"bootstrap": PYTHON_BOOTSTRAP}, runtime="provided.al2", handler="bootstrap",
                         Timeout=4)["FunctionName"]
    before_ms = time.time() * 1000
    response, body = invoke_json(lambda_client, name, {"n": 1}, LogType="Tail")
    assert "FunctionError" not in response, body
    assert body["runtime"] == "python" and body["event"] == {"n": 1} and body["calls"] == 1
    assert body["request_id"] == _request_id(response)
    assert body["arn"] == function_arn(name)
    assert before_ms + 3000 <= body["deadline"] <= before_ms + 4000 + 1000
    assert body["cwd"] == body["task_root"]
    _, body = invoke_json(lambda_client, name, {"n": 2})
    assert body["calls"] == 2 and body["event"] == {"n": 2}


def test_provided_runtime_without_bootstrap_fails_the_invoke(lambda_client, make_function):
    name = make_function(files={"readme.txt": "no bootstrap here"}, runtime="provided.al2023",
                         handler="bootstrap")["FunctionName"]
    try:
        response, body = invoke_json(lambda_client, name, {})
    except ClientError as error:
        pytest.fail(f"Invoke failed with {error.response['ResponseMetadata']['HTTPStatusCode']} "
                    f"{error.response['Error']}; AWS answers 200 + FunctionError with Runtime.InvalidEntrypoint")
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.InvalidEntrypoint", body
