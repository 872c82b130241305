"""Asynchronous (`InvocationType=Event`) Lambda invocations: durable events (answered 202 only once
stored, run again after the server is killed with SIGKILL), retries after function errors, the
EventInvokeConfig API (put/get/update/delete/list), destinations and the invocation record they
receive, the 1 MB async payload limit, and API Gateway non-proxy integrations that invoke with
`X-Amz-Invocation-Type: 'Event'`.

Handlers run in the function sandbox, so they report what they did by leaving records on the
test's notice board (board.py), on the channel in their `MARKS` environment variable; tests poll
it with a deadline. The module runs its own server with GATEHOUSE_ASYNC_RETRY_DELAYS=1,1 (AWS waits 60 s
and 120 s) so that retries take seconds."""
import datetime
import json
import re
import time

import pytest
from botocore.exceptions import ClientError

from conftest import InvokableApi, _served, make_client
from board import CLIENT as BOARD_CLIENT
from helpers import (ACCOUNT_ID, REGION, assert_aws_error, body_of, create_python_function, function_arn, status_of,
                     unique_name)

RETRY_DELAY = 1.0  # seconds, both retries (GATEHOUSE_ASYNC_RETRY_DELAYS below)
WAIT = 15.0  # how long a test waits for a background side effect

# Leaves {"requestId", "event"} on $MARKS, then fails when the event asks for it.
MARK = """
import json
import os
import time

def handler(event, context):
    time.sleep(event.get("sleep", 0))
    leave(os.environ["MARKS"], {"requestId": context.aws_request_id, "event": event})
    if event.get("fail"):
        raise RuntimeError("asked to fail " + str(event.get("n")))
    return {"handled": event.get("n")}
"""

# A destination: leaves the whole event (the invocation record) on $MARKS.
SINK = """
import json
import os

def handler(event, context):
    leave(os.environ["MARKS"], event)
"""

# Marks "started", then waits up to 20 s for a record on the $GATE channel before marking "done".
GATED = """
import json
import os
import time

def mark(what, context):
    leave(os.environ["MARKS"], {"mark": what, "pid": os.getpid(), "requestId": context.aws_request_id})

def handler(event, context):
    mark("started", context)
    deadline = time.monotonic() + 20
    while not records(os.environ["GATE"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    mark("done", context)
    return "done"
"""

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


# ---------------------------------------------------------------------------------------------
# Helpers


def wait_for(predicate, timeout=WAIT, interval=0.1, message="condition"):
    """Polls `predicate` until it returns something truthy (returned) or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{message} not met within {timeout} s (last value: {value!r})")
        time.sleep(interval)


def read_marks(channel):
    """The records handlers left on `channel` of the board."""
    return channel.records()


def request_id(response):
    """The x-amzn-RequestId of a boto3 response."""
    return response["ResponseMetadata"]["RequestId"]


def create_function(lambda_client, source, marks=None, timeout=10, environment=None, **kwargs):
    """A python3.12 function with `source` (and the board's client) as app.py and MARKS=<marks>,
    a channel of the board; returns its name."""
    variables = dict(environment or {})
    if marks is not None:
        variables["MARKS"] = str(marks)
    return create_python_function(lambda_client, BOARD_CLIENT + source, Timeout=timeout, Environment={"Variables": variables}, **kwargs)


def invoke_event(lambda_client, name, event):
    """An Event invocation; asserts AWS's 202 with an empty body and returns the response."""
    response = lambda_client.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps(event).encode())
    assert status_of(response) == 202
    assert response["StatusCode"] == 202
    assert response["Payload"].read() == b""
    assert "FunctionError" not in response
    return response


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def server():
    """The module's server: retries wait 1 s instead of AWS's 60 s and 120 s."""
    yield from _served({"GATEHOUSE_ASYNC_RETRY_DELAYS": "1,1"})


@pytest.fixture(scope="module")
def lam(server):
    return make_client(server, "lambda")


@pytest.fixture
def killable_server():
    """A private server (same retry delays) that a test may SIGKILL and start again."""
    yield from _served({"GATEHOUSE_ASYNC_RETRY_DELAYS": "1,1"})


def kill_and_restart(server, while_down=None):
    """SIGKILL the server, call `while_down()` if given, then start the server again on the same
    port and data directory."""
    server.process.kill()
    server.process.wait()
    server.stop()  # the process is gone: this only releases the log file
    if while_down:
        while_down()
    server.start()


# ---------------------------------------------------------------------------------------------
# Event invocations run in the background


def test_event_invoke_answers_202_and_the_handler_runs_in_the_background(lam, board):
    marks = board.channel()
    name = create_function(lam, MARK, marks)
    response = invoke_event(lam, name, {"n": 1})
    ran = wait_for(lambda: read_marks(marks), message="the event ran")
    assert ran[0]["event"] == {"n": 1}
    assert ran[0]["requestId"] == request_id(response)


def test_event_stored_before_the_202_runs_after_the_server_is_killed(killable_server, board):
    marks = board.channel()
    lam = make_client(killable_server, "lambda")
    name = create_function(lam, MARK, marks)
    invoke_event(lam, name, {"n": "durable"})
    kill_and_restart(killable_server)

    ran = wait_for(lambda: [m for m in read_marks(marks) if m["event"] == {"n": "durable"}],
                   message="the event ran after the restart")
    assert len(ran) >= 1  # at least once


def test_event_killed_mid_run_runs_again_after_the_restart(killable_server, board):
    marks, gate = board.channel(), board.channel()
    lam = make_client(killable_server, "lambda")
    name = create_function(lam, GATED, marks, timeout=60, environment={"GATE": str(gate)})
    invoke_event(lam, name, {})
    wait_for(lambda: [m for m in read_marks(marks) if m["mark"] == "started"], message="the first attempt started")

    kill_and_restart(killable_server, while_down=lambda: gate.leave("open"))  # the next attempt won't wait

    # The event was mid-run when the server died: it runs again (a second "started") and completes.
    wait_for(lambda: len([m for m in read_marks(marks) if m["mark"] == "started"]) >= 2,
             message="the event started again after the restart")
    done = wait_for(lambda: [m for m in read_marks(marks) if m["mark"] == "done"], message="the event completed")
    assert len(done) >= 1, read_marks(marks)


# ---------------------------------------------------------------------------------------------
# Retries after function errors


def test_failing_event_is_attempted_three_times_by_default(lam, board):
    marks = board.channel()
    name = create_function(lam, MARK, marks)
    invoke_event(lam, name, {"fail": True, "n": 3})
    wait_for(lambda: len(read_marks(marks)) >= 3, message="three attempts")
    time.sleep(RETRY_DELAY + 2)  # no fourth attempt comes
    attempts = read_marks(marks)
    assert len(attempts) == 3, attempts
    assert all(attempt["event"] == {"fail": True, "n": 3} for attempt in attempts)


def test_maximum_retry_attempts_zero_attempts_once(lam, board):
    marks = board.channel()
    name = create_function(lam, MARK, marks)
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    invoke_event(lam, name, {"fail": True, "n": 0})
    wait_for(lambda: read_marks(marks), message="the first attempt")
    time.sleep(RETRY_DELAY + 3)  # a retry would have come by now
    assert len(read_marks(marks)) == 1, read_marks(marks)


# ---------------------------------------------------------------------------------------------
# Destinations


def test_destinations_receive_the_invocation_record_on_success_and_after_retries(lam, board):
    source_marks, sink_marks = board.channel(), board.channel()
    source = create_function(lam, MARK, source_marks)
    sink = create_function(lam, SINK, sink_marks)
    sink_arn = function_arn(sink)
    lam.put_function_event_invoke_config(
        FunctionName=source, MaximumRetryAttempts=1,
        DestinationConfig={"OnSuccess": {"Destination": sink_arn}, "OnFailure": {"Destination": sink_arn}})

    before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
    ok_id = request_id(invoke_event(lam, source, {"n": "good"}))
    failed_id = request_id(invoke_event(lam, source, {"n": "bad", "fail": True}))

    def records():
        by_id = {r["requestContext"]["requestId"]: r for r in read_marks(sink_marks)}
        return by_id if ok_id in by_id and failed_id in by_id else None

    by_id = wait_for(records, message="both invocation records reached the destination")
    after = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=5)
    assert len(read_marks(sink_marks)) == 2, read_marks(sink_marks)

    success = by_id[ok_id]
    assert set(success) == {"version", "timestamp", "requestContext", "requestPayload", "responseContext",
                            "responsePayload"}, success
    assert success["version"] == "1.0"
    assert TIMESTAMP.match(success["timestamp"]), success["timestamp"]
    stamp = datetime.datetime.strptime(success["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)
    assert before <= stamp <= after, success["timestamp"]
    assert success["requestContext"] == {
        "requestId": ok_id, "functionArn": f"{function_arn(source)}:$LATEST", "condition": "Success",
        "approximateInvokeCount": 1}
    assert success["requestPayload"] == {"n": "good"}
    assert success["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert success["responsePayload"] == {"handled": "good"}

    failure = by_id[failed_id]
    assert set(failure) == set(success), failure
    assert failure["version"] == "1.0"
    assert TIMESTAMP.match(failure["timestamp"]), failure["timestamp"]
    assert failure["requestContext"] == {
        "requestId": failed_id, "functionArn": f"{function_arn(source)}:$LATEST", "condition": "RetriesExhausted",
        "approximateInvokeCount": 2}
    assert failure["requestPayload"] == {"n": "bad", "fail": True}
    assert failure["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST",
                                          "functionError": "Unhandled"}
    error = failure["responsePayload"]
    assert isinstance(error, dict), error
    assert error["errorMessage"] == "asked to fail bad"
    assert error["errorType"] == "RuntimeError"

    # The source really ran once for the success and twice (1 + MaximumRetryAttempts 1) for the failure.
    attempts = [m["requestId"] for m in read_marks(source_marks)]
    assert attempts.count(ok_id) == 1 and attempts.count(failed_id) == 2, attempts


# ---------------------------------------------------------------------------------------------
# Payload limit


def test_event_payload_over_1_mb_is_request_entity_too_large(lam, board):
    name = create_function(lam, MARK, board.channel())
    payload = b'"' + b"a" * (1048577 - 2) + b'"'
    assert len(payload) == 1048577
    with pytest.raises(ClientError) as error:
        lam.invoke(FunctionName=name, InvocationType="Event", Payload=payload)
    assert_aws_error(error, 413, "RequestEntityTooLargeException")


def test_event_payload_of_exactly_1_mb_is_accepted(lam, board):
    name = create_function(lam, "def handler(event, context):\n    return None\n")
    payload = b'"' + b"a" * (1048576 - 2) + b'"'
    assert len(payload) == 1048576
    response = lam.invoke(FunctionName=name, InvocationType="Event", Payload=payload)
    assert response["StatusCode"] == 202


# ---------------------------------------------------------------------------------------------
# The EventInvokeConfig API


def latest_arn(name):
    return f"{function_arn(name)}:$LATEST"


def no_config_message(name, qualifier="$LATEST"):
    return f"The function {function_arn(name)}:{qualifier} doesn't have an EventInvokeConfig"


def test_put_and_get_event_invoke_config(lam):
    name = create_function(lam, MARK)
    put = lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
    assert status_of(put) == 200
    config = body_of(put)
    assert isinstance(config.pop("LastModified"), datetime.datetime)
    assert config == {"FunctionArn": latest_arn(name), "MaximumRetryAttempts": 1,
                      "DestinationConfig": {"OnSuccess": {}, "OnFailure": {}}}

    got = body_of(lam.get_function_event_invoke_config(FunctionName=name))
    assert isinstance(got.pop("LastModified"), datetime.datetime)
    assert got == config


def test_put_event_invoke_config_with_every_setting(lam):
    name = create_function(lam, MARK)
    sink = create_function(lam, SINK)
    put = body_of(lam.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=2, MaximumEventAgeInSeconds=3600,
        DestinationConfig={"OnFailure": {"Destination": function_arn(sink)}}))
    put.pop("LastModified")
    assert put == {"FunctionArn": latest_arn(name), "MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600,
                   "DestinationConfig": {"OnSuccess": {}, "OnFailure": {"Destination": function_arn(sink)}}}


def test_put_replaces_the_whole_config(lam):
    name = create_function(lam, MARK)
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=2, MaximumEventAgeInSeconds=60)
    replaced = body_of(lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0))
    replaced.pop("LastModified")
    assert replaced == {"FunctionArn": latest_arn(name), "MaximumRetryAttempts": 0,
                        "DestinationConfig": {"OnSuccess": {}, "OnFailure": {}}}
    got = body_of(lam.get_function_event_invoke_config(FunctionName=name))
    assert "MaximumEventAgeInSeconds" not in got and got["MaximumRetryAttempts"] == 0


def test_update_merges_into_the_existing_config(lam):
    name = create_function(lam, MARK)
    sink = create_function(lam, SINK)
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=2, MaximumEventAgeInSeconds=60)
    updated = body_of(lam.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0))
    assert isinstance(updated.pop("LastModified"), datetime.datetime)
    assert updated == {"FunctionArn": latest_arn(name), "MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60,
                       "DestinationConfig": {"OnSuccess": {}, "OnFailure": {}}}

    updated = body_of(lam.update_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": function_arn(sink)}}))
    updated.pop("LastModified")
    assert updated == {"FunctionArn": latest_arn(name), "MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60,
                       "DestinationConfig": {"OnSuccess": {"Destination": function_arn(sink)}, "OnFailure": {}}}


def test_update_without_a_config_is_not_found(lam):
    name = create_function(lam, MARK)
    with pytest.raises(ClientError) as error:
        lam.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
    assert_aws_error(error, 404, "ResourceNotFoundException", no_config_message(name))


def test_put_without_any_setting_is_invalid(lam):
    name = create_function(lam, MARK)
    with pytest.raises(ClientError) as error:
        lam.put_function_event_invoke_config(FunctionName=name)
    assert_aws_error(error, 400, "InvalidParameterValueException",
                     "You must specify at least one of error handling or destination setting.")


@pytest.mark.parametrize("operation", ["get", "delete"])
def test_get_or_delete_without_a_config_is_not_found(lam, operation):
    name = create_function(lam, MARK)
    call = getattr(lam, f"{operation}_function_event_invoke_config")
    with pytest.raises(ClientError) as error:
        call(FunctionName=name)
    assert_aws_error(error, 404, "ResourceNotFoundException", no_config_message(name))


def test_put_on_a_missing_function_is_not_found(lam):
    with pytest.raises(ClientError) as error:
        lam.put_function_event_invoke_config(FunctionName=unique_name("missing"), MaximumRetryAttempts=1)
    assert_aws_error(error, 404, "ResourceNotFoundException", "The function doesn't exist.")


def test_destination_function_that_does_not_exist_is_invalid(lam):
    name = create_function(lam, MARK)
    missing = function_arn(unique_name("missing"))
    with pytest.raises(ClientError) as error:
        lam.put_function_event_invoke_config(FunctionName=name,
                                             DestinationConfig={"OnFailure": {"Destination": missing}})
    assert_aws_error(error, 400, "InvalidParameterValueException", f"The destination ARN {missing} is invalid.")


def test_function_cannot_be_its_own_destination(lam):
    name = create_function(lam, MARK)
    with pytest.raises(ClientError) as error:
        lam.put_function_event_invoke_config(FunctionName=name,
                                             DestinationConfig={"OnSuccess": {"Destination": function_arn(name)}})
    assert_aws_error(error, 400, "InvalidParameterValueException",
                     "You can't specify the function as a destination for itself.")


def test_maximum_retry_attempts_above_two_is_a_validation_error(lam):
    # botocore only checks the minimum of an integer client-side, so 3 reaches the server.
    name = create_function(lam, MARK)
    with pytest.raises(ClientError) as error:
        lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=3)
    assert_aws_error(error, 400, "ValidationException",
                     "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy "
                     "constraint: Member must have value less than or equal to 2")


def test_configs_per_qualifier_are_listed_and_deleted(lam):
    name = create_function(lam, MARK)
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)

    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    on_version = body_of(lam.put_function_event_invoke_config(FunctionName=name, Qualifier=version,
                                                              MaximumRetryAttempts=1))
    on_alias = body_of(lam.put_function_event_invoke_config(FunctionName=name, Qualifier="live",
                                                            MaximumEventAgeInSeconds=120))
    assert on_version["FunctionArn"] == function_arn(name, version)
    assert on_alias["FunctionArn"] == function_arn(name, "live")
    got = lam.get_function_event_invoke_config(FunctionName=name, Qualifier="live")
    assert got["FunctionArn"] == function_arn(name, "live") and got["MaximumEventAgeInSeconds"] == 120

    listed = lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]
    assert sorted(entry["FunctionArn"] for entry in listed) == sorted(
        [latest_arn(name), function_arn(name, version), function_arn(name, "live")])
    for entry in listed:
        assert isinstance(entry["LastModified"], datetime.datetime)
        assert entry["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}
    by_arn = {entry["FunctionArn"]: entry for entry in listed}
    assert by_arn[latest_arn(name)]["MaximumRetryAttempts"] == 0
    assert by_arn[function_arn(name, version)]["MaximumRetryAttempts"] == 1
    assert "MaximumRetryAttempts" not in by_arn[function_arn(name, "live")]

    deleted = lam.delete_function_event_invoke_config(FunctionName=name, Qualifier=version)
    assert status_of(deleted) == 204
    with pytest.raises(ClientError) as error:
        lam.get_function_event_invoke_config(FunctionName=name, Qualifier=version)
    assert_aws_error(error, 404, "ResourceNotFoundException", no_config_message(name, version))
    listed = lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]
    assert sorted(entry["FunctionArn"] for entry in listed) == sorted([latest_arn(name), function_arn(name, "live")])

    lam.delete_function(FunctionName=name)
    with pytest.raises(ClientError) as error:
        lam.list_function_event_invoke_configs(FunctionName=name)
    assert_aws_error(error, 404, "ResourceNotFoundException", "The function doesn't exist.")


# ---------------------------------------------------------------------------------------------
# API Gateway: non-proxy Lambda integration invoked with X-Amz-Invocation-Type 'Event'


def test_api_gateway_event_integration_answers_200_at_once_and_the_function_runs_later(server, lam, board):
    marks = board.channel()
    name = create_function(lam, MARK, marks)
    apigw = make_client(server)
    api = InvokableApi(apigw, server, apigw.create_rest_api(name=unique_name("async")))
    lam.add_permission(FunctionName=name, StatementId="apigateway", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api.id}/*/*/*")
    resource = api.method("/jobs", "POST")
    apigw.put_integration(
        restApiId=api.id, resourceId=resource, httpMethod="POST", type="AWS", integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn(name)}/invocations",
        requestParameters={"integration.request.header.X-Amz-Invocation-Type": "'Event'"})
    api.method_response("/jobs", "POST", 200)
    api.integration_response("/jobs", "POST", 200)
    api.deploy("dev")

    sleep = 3
    started = time.monotonic()
    response = api.invoke("dev", "jobs", method="POST", data=json.dumps({"n": "job", "sleep": sleep}),
                          headers={"Content-Type": "application/json"})
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    assert elapsed < sleep, f"waited {elapsed:.2f} s for an Event invocation"

    ran = wait_for(lambda: read_marks(marks), message="the function ran")
    assert ran[0]["event"] == {"n": "job", "sleep": sleep}
