"""Memory limits: every worker is confined to its function's MemorySize. Where the server can use a
memory cgroup (it logs "memory limits: cgroup v1 under …" or "cgroup v2 …" at start) a handler
that allocates past the limit is killed and the invoke reports Runtime.OutOfMemory as AWS does
(200 + FunctionError Unhandled, a REPORT line with `Status: error\tError Type: Runtime.OutOfMemory`),
and the next invoke runs in a fresh worker. Without a cgroup the fallback is RLIMIT_DATA: the
handler's allocation raises MemoryError instead. A handler well inside its limit succeeds and its
REPORT line counts what it used."""
import base64
import json
import re
import time

import pytest

from helpers import invoke_json

# Allocates `mb` blocks of 1 MB (every page written), keeps them and returns how many it made.
ALLOCATE = """
def handler(event, context):
    blocks = []
    try:
        for _ in range(int(event.get("mb", 400))):
            blocks.append(bytearray(b"\\x01") * (1024 * 1024))
    except MemoryError:
        raise MemoryError("allocation failed after %d MB" % len(blocks))
    return {"allocated": len(blocks)}
"""

REPORT = re.compile(
    r"^REPORT RequestId: (?P<id>[0-9a-f-]{36})\tDuration: \d+\.\d{2} ms\tBilled Duration: \d+ ms\t"
    r"Memory Size: (?P<memory>\d+) MB\tMax Memory Used: (?P<used>\d+) MB\t(?P<init>Init Duration: \d+\.\d{2} ms\t)?"
    r"(?P<status>Status: .*)?$")
OOM_STATUS = "Status: error\tError Type: Runtime.OutOfMemory\t"


# ---------------------------------------------------------------------------------------------
# Helpers


def wait_for(predicate, timeout=15.0, interval=0.2, message="condition"):
    """Polls `predicate` until it returns something truthy (returned) or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{message} not met within {timeout} s (last value: {value!r})")
        time.sleep(interval)


def memory_limit_mode(server):
    """What the server said at start about memory limits ("cgroup v1", "cgroup v2", "RLIMIT_DATA")."""
    match = re.search(r"memory limits: (cgroup v1|cgroup v2|RLIMIT_DATA)", server.log())
    return match[1] if match else None


def require_cgroup(server):
    mode = memory_limit_mode(server)
    if not (mode or "").startswith("cgroup"):
        pytest.skip(f"no memory cgroup here (server reported {mode!r}): workers are not OOM-killed")


def request_id(response):
    """The invocation's id: the response's x-amzn-RequestId."""
    return response["ResponseMetadata"]["RequestId"]


def tail_of(response):
    return base64.b64decode(response["LogResult"]).decode(errors="replace")


def report_line(text, invocation):
    """The REPORT line of `invocation` in a log tail or message list, without its newline."""
    for line in text.splitlines():
        if line.startswith(f"REPORT RequestId: {invocation}"):
            return line
    return None


def logged_report(logs_client, name, invocation):
    """The REPORT line of `invocation` in /aws/lambda/NAME (log delivery is asynchronous)."""
    def find():
        try:
            events = logs_client.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        except logs_client.exceptions.ResourceNotFoundException:
            return None
        return report_line("\n".join(event["message"].rstrip("\n") for event in events), invocation)

    return wait_for(find, message=f"a REPORT line for {invocation} in /aws/lambda/{name}")


# ---------------------------------------------------------------------------------------------
# Out of memory (cgroup)


def test_allocating_past_memory_size_is_runtime_out_of_memory(gatehouse, lambda_client, logs_client, make_function):
    require_cgroup(gatehouse)
    name = make_function(ALLOCATE, MemorySize=128, Timeout=30)["FunctionName"]
    response, body = invoke_json(lambda_client, name, {"mb": 400})
    invocation = request_id(response)
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled", body
    assert body == {"errorType": "Runtime.OutOfMemory",
                    "errorMessage": f"RequestId: {invocation} Error: Runtime exited with error: signal: killed"}

    report = logged_report(logs_client, name, invocation)
    assert REPORT.match(report), report
    assert "\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t" in report, report
    assert report.endswith(OOM_STATUS), repr(report)


def test_the_invoke_after_an_out_of_memory_kill_runs_in_a_fresh_worker(gatehouse, lambda_client, make_function):
    require_cgroup(gatehouse)
    name = make_function(ALLOCATE, MemorySize=128, Timeout=30)["FunctionName"]
    response, body = invoke_json(lambda_client, name, {"mb": 400})
    assert response.get("FunctionError") == "Unhandled" and body["errorType"] == "Runtime.OutOfMemory", body

    response, body = invoke_json(lambda_client, name, {"mb": 1}, LogType="Tail")
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response, body
    assert body == {"allocated": 1}
    report = report_line(tail_of(response), request_id(response))
    match = REPORT.match(report or "")
    assert match, tail_of(response)
    assert match["init"], f"no Init Duration (not a fresh worker): {report!r}"
    assert not match["status"], report


def test_log_tail_of_an_out_of_memory_invoke_reports_the_status(gatehouse, lambda_client, make_function):
    require_cgroup(gatehouse)
    name = make_function(ALLOCATE, MemorySize=128, Timeout=30)["FunctionName"]
    response, body = invoke_json(lambda_client, name, {"mb": 400}, LogType="Tail")
    assert body["errorType"] == "Runtime.OutOfMemory", body
    tail = tail_of(response)
    report = report_line(tail, request_id(response))
    assert report, tail
    assert "Status: error\tError Type: Runtime.OutOfMemory" in report, repr(report)


# ---------------------------------------------------------------------------------------------
# Inside the limit


def test_handler_inside_its_memory_size_succeeds_and_reports_what_it_used(gatehouse, lambda_client, make_function):
    name = make_function(ALLOCATE, MemorySize=256, Timeout=30)["FunctionName"]
    response, body = invoke_json(lambda_client, name, {"mb": 60}, LogType="Tail")
    assert response["StatusCode"] == 200
    assert "FunctionError" not in response, body
    assert body == {"allocated": 60}
    report = report_line(tail_of(response), request_id(response))
    match = REPORT.match(report or "")
    assert match, tail_of(response)
    assert match["memory"] == "256"
    assert 60 <= int(match["used"]) <= 256, report
    assert not match["status"], report


# ---------------------------------------------------------------------------------------------
# Fallback without a cgroup (RLIMIT_DATA)


def test_without_a_cgroup_the_allocation_raises_memory_error(gatehouse, lambda_client, make_function):
    mode = memory_limit_mode(gatehouse)
    if mode != "RLIMIT_DATA":
        pytest.skip(f"the server limits memory with {mode!r}, not RLIMIT_DATA")
    name = make_function(ALLOCATE, MemorySize=128, Timeout=30)["FunctionName"]
    response, body = invoke_json(lambda_client, name, {"mb": 400})
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled", body
    assert body["errorType"] == "MemoryError", body
    assert body["errorMessage"].startswith("allocation failed after "), body
