"""CloudWatch Logs (json protocol): the log groups/streams/events Lambda writes, FilterLogEvents
patterns and paging, and the plain log group / stream / PutLogEvents API with AWS's errors."""
import datetime
import json
import re
import time

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from helpers import ACCESS_KEY, ACCOUNT_ID, REGION, SECRET_KEY, assert_aws_error, invoke_json, status_of, unique_name

STREAM = re.compile(r"^(?P<date>\d{4}/\d{2}/\d{2})/\[\$LATEST\][0-9a-f]{32}$")
REPORT = re.compile(
    r"^REPORT RequestId: (?P<id>[0-9a-f-]{36})\tDuration: \d+\.\d{2} ms\tBilled Duration: \d+ ms\t"
    r"Memory Size: 128 MB\tMax Memory Used: \d+ MB\t(?P<init>Init Duration: \d+\.\d{2} ms\t)?\n?$")
FORWARD_TOKEN = re.compile(r"^f/\d{56}(/s)?$")
BACKWARD_TOKEN = re.compile(r"^b/\d{56}(/s)?$")

PRINTER = """
def handler(event, context):
    for line in event.get("lines", []):
        print(line)
    return context.aws_request_id
"""


def _wait_for(fetch, condition, timeout=5.0):
    """Polls fetch() until condition(result) or the timeout; returns the last result."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = fetch()
        except ClientError:
            result = None
        if (result is not None and condition(result)) or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def _group_events(logs_client, group, **kwargs):
    events = []
    token = None
    while True:
        page = logs_client.filter_log_events(logGroupName=group, **kwargs, **({"nextToken": token} if token else {}))
        events.extend(page["events"])
        token = page.get("nextToken")
        if not token:
            return events


@pytest.fixture
def printed(lambda_client, logs_client, make_function):
    """A function invoked twice (cold, then warm) printing lines; returns (name, group, [request ids])."""
    name = make_function(PRINTER)["FunctionName"]
    ids = []
    for run in ("one", "two"):
        _, request_id = invoke_json(lambda_client, name, {"lines": [f"hello {run}", f"second line {run}"]})
        ids.append(request_id)
    group = f"/aws/lambda/{name}"
    _wait_for(lambda: _group_events(logs_client, group),
              lambda events: sum(e["message"].startswith("REPORT") for e in events) >= 2)
    return name, group, ids


def test_describe_log_groups_lists_the_function_group(logs_client, printed):
    _, group, _ = printed
    answer = logs_client.describe_log_groups(logGroupNamePrefix=group)
    assert status_of(answer) == 200
    groups = [g for g in answer["logGroups"] if g["logGroupName"] == group]
    assert len(groups) == 1
    item = groups[0]
    assert item["arn"] == f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{group}:*"
    assert item["logGroupArn"] == f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{group}"
    assert isinstance(item["creationTime"], int) and abs(item["creationTime"] / 1000 - time.time()) < 120
    assert item["storedBytes"] >= 0
    assert item["metricFilterCount"] == 0


def test_describe_log_streams_names_and_timestamps(logs_client, printed):
    _, group, _ = printed
    answer = logs_client.describe_log_streams(logGroupName=group)
    assert status_of(answer) == 200
    streams = answer["logStreams"]
    assert len(streams) == 1, "a warm worker writes to the same stream"
    stream = streams[0]
    match = STREAM.match(stream["logStreamName"])
    assert match, stream["logStreamName"]
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y/%m/%d")
    assert match["date"] == today
    assert stream["arn"] == f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{group}:log-stream:{stream['logStreamName']}"
    assert stream["creationTime"] <= stream["firstEventTimestamp"] + 1000
    assert stream["firstEventTimestamp"] <= stream["lastEventTimestamp"]
    assert abs(stream["lastEventTimestamp"] / 1000 - time.time()) < 120
    assert "lastIngestionTime" in stream


def test_get_log_events_from_head_in_order(logs_client, printed):
    _, group, ids = printed
    stream = logs_client.describe_log_streams(logGroupName=group)["logStreams"][0]["logStreamName"]
    answer = logs_client.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)
    assert status_of(answer) == 200
    events = answer["events"]
    messages = [e["message"] for e in events]
    if messages and messages[0].startswith("INIT_START"):
        messages = messages[1:]
    stripped = [m.rstrip("\n") for m in messages]
    assert stripped[:4] == [f"START RequestId: {ids[0]} Version: $LATEST", "hello one", "second line one",
                            f"END RequestId: {ids[0]}"], stripped
    first_report = REPORT.match(messages[4])
    assert first_report and first_report["id"] == ids[0] and first_report["init"], messages[4]
    assert stripped[5:9] == [f"START RequestId: {ids[1]} Version: $LATEST", "hello two", "second line two",
                             f"END RequestId: {ids[1]}"], stripped
    second_report = REPORT.match(messages[9])
    assert second_report and second_report["id"] == ids[1] and not second_report["init"], messages[9]
    assert len(messages) == 10

    timestamps = [e["timestamp"] for e in events]
    assert timestamps == sorted(timestamps)
    for event in events:
        assert set(event) == {"timestamp", "message", "ingestionTime"}
        assert event["ingestionTime"] >= event["timestamp"]
    assert FORWARD_TOKEN.match(answer["nextForwardToken"]), answer["nextForwardToken"]
    assert BACKWARD_TOKEN.match(answer["nextBackwardToken"]), answer["nextBackwardToken"]

    again = logs_client.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True,
                                       nextToken=answer["nextForwardToken"])
    assert again["events"] == []
    assert again["nextForwardToken"] == answer["nextForwardToken"]


def test_platform_lines_end_with_newline(logs_client, printed):
    _, group, ids = printed
    events = _group_events(logs_client, group)
    platform = [e["message"] for e in events if e["message"].startswith(("START ", "END ", "REPORT "))]
    assert len(platform) == 6
    assert all(m.endswith("\n") for m in platform), platform



def test_cold_start_stream_begins_with_init_start(logs_client, printed):
    _, group, _ = printed
    stream = logs_client.describe_log_streams(logGroupName=group)["logStreams"][0]["logStreamName"]
    first = logs_client.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)["events"][0]
    assert re.match(r"^INIT_START Runtime Version: python:3\.12\.v\d+\tRuntime Version ARN: "
                    r"arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}\n$", first["message"]), first["message"]


def test_get_log_events_pages_with_limit(logs_client, printed):
    _, group, _ = printed
    stream = logs_client.describe_log_streams(logGroupName=group)["logStreams"][0]["logStreamName"]
    everything = logs_client.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)["events"]
    collected = []
    token = None
    for _ in range(50):
        kwargs = {"nextToken": token} if token else {}
        page = logs_client.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True, limit=3,
                                          **kwargs)
        assert len(page["events"]) <= 3
        collected.extend(page["events"])
        if page["nextForwardToken"] == token:
            break
        token = page["nextForwardToken"]
    assert [e["message"] for e in collected] == [e["message"] for e in everything]


def test_filter_log_events_patterns(lambda_client, logs_client, make_function):
    name = make_function(PRINTER)["FunctionName"]
    group = f"/aws/lambda/{name}"
    lines = ["alpha one", "beta two", "gamma alpha three", "ERROR disk full", "WARN slow disk", "Alpha capital"]
    invoke_json(lambda_client, name, {"lines": lines})
    _wait_for(lambda: _group_events(logs_client, group),
              lambda events: any(e["message"].startswith("REPORT") for e in events))

    def matching(pattern):
        answer = logs_client.filter_log_events(logGroupName=group, filterPattern=pattern)
        assert status_of(answer) == 200
        assert "nextToken" not in answer
        return [e["message"].rstrip("\n") for e in answer["events"]]

    assert matching("alpha") == ["alpha one", "gamma alpha three"]
    assert matching('"alpha three"') == ["gamma alpha three"]
    assert matching("alpha three") == ["gamma alpha three"]
    assert matching("?ERROR ?WARN") == ["ERROR disk full", "WARN slow disk"]
    assert matching("disk") == ["ERROR disk full", "WARN slow disk"]
    assert matching("Alpha") == ["Alpha capital"]
    assert matching("nothing-matches-this") == []

    events = logs_client.filter_log_events(logGroupName=group, filterPattern="alpha")["events"]
    stream = logs_client.describe_log_streams(logGroupName=group)["logStreams"][0]["logStreamName"]
    for event in events:
        assert event["logStreamName"] == stream
        assert re.match(r"^\d+$", event["eventId"]), event["eventId"]
        assert isinstance(event["timestamp"], int) and event["ingestionTime"] >= event["timestamp"]
    assert len({e["eventId"] for e in events}) == len(events)

    everything = [e["message"] for e in logs_client.filter_log_events(logGroupName=group)["events"]]
    assert any(m.startswith("START RequestId:") for m in everything)
    assert everything[-1].startswith("REPORT RequestId:")


def test_unhandled_exception_is_one_error_event(lambda_client, logs_client, make_function):
    source = ("class CustomError(Exception):\n    pass\n\n"
              "def handler(event, context):\n    raise CustomError('some error occurred')\n")
    name = make_function(source)["FunctionName"]
    response, _ = invoke_json(lambda_client, name, {})
    assert response["FunctionError"] == "Unhandled"
    group = f"/aws/lambda/{name}"
    events = _wait_for(lambda: _group_events(logs_client, group),
                       lambda found: any(e["message"].startswith("REPORT") for e in found))
    errors = [e["message"] for e in events if "CustomError" in e["message"]]
    assert len(errors) == 1, [e["message"] for e in events]
    assert errors[0].startswith("[ERROR] CustomError: some error occurred\nTraceback (most recent call last):\n"), errors[0]
    assert "\r" not in errors[0]
    assert 'raise CustomError(\'some error occurred\')' in errors[0]


def test_filter_log_events_pages_until_no_token(lambda_client, logs_client, make_function):
    name = make_function(PRINTER)["FunctionName"]
    group = f"/aws/lambda/{name}"
    invoke_json(lambda_client, name, {"lines": [f"line {i:02d}" for i in range(12)]})
    everything = _wait_for(lambda: logs_client.filter_log_events(logGroupName=group)["events"],
                           lambda events: any(e["message"].startswith("REPORT") for e in events))
    pages = []
    token = None
    for _ in range(50):
        kwargs = {"nextToken": token} if token else {}
        page = logs_client.filter_log_events(logGroupName=group, limit=5, **kwargs)
        assert len(page["events"]) <= 5
        pages.append(page)
        token = page.get("nextToken")
        if not token:
            break
    assert not token, "FilterLogEvents kept answering a nextToken"
    assert len(pages) >= 3
    paged = [e["eventId"] for page in pages for e in page["events"]]
    assert paged == [e["eventId"] for e in everything]

    by_paginator = [e["eventId"] for page in logs_client.get_paginator("filter_log_events").paginate(
        logGroupName=group, PaginationConfig={"PageSize": 4}) for e in page["events"]]
    assert by_paginator == paged


def test_filter_log_events_time_window(lambda_client, logs_client, make_function):
    name = make_function(PRINTER)["FunctionName"]
    group = f"/aws/lambda/{name}"
    invoke_json(lambda_client, name, {"lines": ["early"]})
    _wait_for(lambda: _group_events(logs_client, group),
              lambda events: any(e["message"].startswith("REPORT") for e in events))
    time.sleep(0.05)
    boundary = int(time.time() * 1000)
    time.sleep(0.05)
    invoke_json(lambda_client, name, {"lines": ["late"]})
    _wait_for(lambda: _group_events(logs_client, group, startTime=boundary),
              lambda events: any(e["message"].startswith("REPORT") for e in events))
    late = [e["message"].rstrip("\n") for e in _group_events(logs_client, group, startTime=boundary)]
    assert "late" in late and "early" not in late
    early = [e["message"].rstrip("\n") for e in _group_events(logs_client, group, endTime=boundary)]
    assert "early" in early and "late" not in early


def test_filter_log_events_unknown_group(logs_client):
    with pytest.raises(ClientError) as error:
        logs_client.filter_log_events(logGroupName=f"/aws/lambda/{unique_name('missing')}")
    assert_aws_error(error, 400, "ResourceNotFoundException", "The specified log group does not exist.")


# ---------------------------------------------------------------------------------------------
# Plain groups, streams and events


def test_log_group_stream_and_events_lifecycle(logs_client):
    group = f"/it/{unique_name('group')}"
    created = logs_client.create_log_group(logGroupName=group)
    assert status_of(created) == 200
    with pytest.raises(ClientError) as error:
        logs_client.create_log_group(logGroupName=group)
    assert_aws_error(error, 400, "ResourceAlreadyExistsException", "The specified log group already exists")

    logs_client.create_log_stream(logGroupName=group, logStreamName="app")
    with pytest.raises(ClientError) as error:
        logs_client.create_log_stream(logGroupName=group, logStreamName="app")
    assert_aws_error(error, 400, "ResourceAlreadyExistsException", "The specified log stream already exists")

    now = int(time.time() * 1000)
    put = logs_client.put_log_events(logGroupName=group, logStreamName="app", logEvents=[
        {"timestamp": now - 2, "message": "first event"},
        {"timestamp": now - 1, "message": "second ERROR event"},
        {"timestamp": now, "message": "third event"},
    ])
    assert status_of(put) == 200

    got = logs_client.get_log_events(logGroupName=group, logStreamName="app", startFromHead=True)
    assert [(e["timestamp"], e["message"]) for e in got["events"]] == [
        (now - 2, "first event"), (now - 1, "second ERROR event"), (now, "third event")]
    latest = logs_client.get_log_events(logGroupName=group, logStreamName="app")
    assert [e["message"] for e in latest["events"]] == ["first event", "second ERROR event", "third event"]

    filtered = logs_client.filter_log_events(logGroupName=group, filterPattern="ERROR")["events"]
    assert [(e["logStreamName"], e["message"]) for e in filtered] == [("app", "second ERROR event")]

    streams = logs_client.describe_log_streams(logGroupName=group)["logStreams"]
    assert [s["logStreamName"] for s in streams] == ["app"]
    assert streams[0]["firstEventTimestamp"] == now - 2
    assert streams[0]["lastEventTimestamp"] == now
    assert [g["logGroupName"] for g in logs_client.describe_log_groups(logGroupNamePrefix=group)["logGroups"]] == [group]

    deleted = logs_client.delete_log_group(logGroupName=group)
    assert status_of(deleted) == 200
    assert logs_client.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []
    with pytest.raises(ClientError) as error:
        logs_client.describe_log_streams(logGroupName=group)
    assert_aws_error(error, 400, "ResourceNotFoundException", "The specified log group does not exist.")
    with pytest.raises(ClientError) as error:
        logs_client.delete_log_group(logGroupName=group)
    assert_aws_error(error, 400, "ResourceNotFoundException", "The specified log group does not exist.")


def test_stream_and_event_errors(logs_client):
    missing_group = f"/it/{unique_name('missing')}"
    with pytest.raises(ClientError) as error:
        logs_client.create_log_stream(logGroupName=missing_group, logStreamName="s")
    assert_aws_error(error, 400, "ResourceNotFoundException", "The specified log group does not exist.")
    with pytest.raises(ClientError) as error:
        logs_client.get_log_events(logGroupName=missing_group, logStreamName="s")
    assert_aws_error(error, 400, "ResourceNotFoundException", "The specified log group does not exist.")

    group = f"/it/{unique_name('group')}"
    logs_client.create_log_group(logGroupName=group)
    try:
        with pytest.raises(ClientError) as error:
            logs_client.put_log_events(logGroupName=group, logStreamName="nope",
                                       logEvents=[{"timestamp": int(time.time() * 1000), "message": "x"}])
        assert_aws_error(error, 400, "ResourceNotFoundException", "The specified log stream does not exist.")
        with pytest.raises(ClientError) as error:
            logs_client.get_log_events(logGroupName=group, logStreamName="nope")
        assert_aws_error(error, 400, "ResourceNotFoundException", "The specified log stream does not exist.")
    finally:
        logs_client.delete_log_group(logGroupName=group)


def test_describe_log_groups_pages(logs_client):
    prefix = f"/it/{unique_name('paged')}/"
    groups = [f"{prefix}{i}" for i in range(3)]
    for group in groups:
        logs_client.create_log_group(logGroupName=group)
    try:
        first = logs_client.describe_log_groups(logGroupNamePrefix=prefix, limit=2)
        assert [g["logGroupName"] for g in first["logGroups"]] == groups[:2]
        assert first.get("nextToken")
        second = logs_client.describe_log_groups(logGroupNamePrefix=prefix, limit=2, nextToken=first["nextToken"])
        assert [g["logGroupName"] for g in second["logGroups"]] == groups[2:]
        assert "nextToken" not in second
    finally:
        for group in groups:
            logs_client.delete_log_group(logGroupName=group)


def test_logs_json_protocol_error_body(gatehouse):
    """Raw json-protocol request: the error body carries `__type` and `message`."""
    body = json.dumps({"logGroupName": f"/it/{unique_name('missing')}"}).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Logs_20140328.DescribeLogStreams"}
    request = AWSRequest(method="POST", url=f"{gatehouse.url}/", data=body, headers=headers)
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "logs", REGION).add_auth(request)
    response = requests.post(f"{gatehouse.url}/", data=body, headers=dict(request.headers.items()), timeout=10)
    assert response.status_code == 400
    parsed = response.json()
    assert parsed["__type"].split("#")[-1] == "ResourceNotFoundException"
    assert parsed["message"] == "The specified log group does not exist."
