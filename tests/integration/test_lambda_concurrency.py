"""Reserved concurrency is enforced on Invoke: extra parallel invokes get 429 TooManyRequestsException."""
import json
import threading
import time

import pytest
from botocore.exceptions import ClientError

from helpers import assert_aws_error, invoke_json

SLEEPER = """
import time
def handler(event, context):
    start = time.time()
    time.sleep(event.get("sleep", 1))
    return {"start": start, "end": time.time()}
"""


def _parallel_invokes(lambda_client, name, count, event):
    """Starts `count` invokes at once; returns a list of ("ok", payload) or ("error", ClientError)."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        barrier.wait()
        try:
            response = lambda_client.invoke(FunctionName=name, Payload=json.dumps(event).encode())
            results[index] = ("ok", response, json.loads(response["Payload"].read()))
        except ClientError as error:
            results[index] = ("error", error, None)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def _assert_throttled(error):
    assert_aws_error(error, 429, "TooManyRequestsException", "Rate Exceeded.")
    assert error.response.get("Type") == "User"


def test_reserved_concurrency_one_throttles_the_second_parallel_invoke(lambda_client, make_function):
    name = make_function(SLEEPER, Timeout=5)["FunctionName"]
    lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    results = _parallel_invokes(lambda_client, name, 2, {"sleep": 1})
    ok = [r for r in results if r[0] == "ok"]
    throttled = [r for r in results if r[0] == "error"]
    assert len(ok) == 1 and len(throttled) == 1, results
    assert "FunctionError" not in ok[0][1], ok[0][2]
    _assert_throttled(throttled[0][1])

    # Once the running invoke is done the slot is free again.
    response, body = invoke_json(lambda_client, name, {"sleep": 0})
    assert response["StatusCode"] == 200 and "FunctionError" not in response, body


def test_reserved_concurrency_two_never_runs_more_than_two(lambda_client, make_function):
    name = make_function(SLEEPER, Timeout=5)["FunctionName"]
    lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
    results = _parallel_invokes(lambda_client, name, 4, {"sleep": 1})
    ok = [r for r in results if r[0] == "ok"]
    throttled = [r for r in results if r[0] == "error"]
    assert len(ok) + len(throttled) == 4
    assert len(ok) == 2, results
    for _, error, _ in throttled:
        _assert_throttled(error)
    # The handlers that ran: never more than two at the same moment.
    spans = [(body["start"], body["end"]) for _, _, body in ok]
    for start, _ in spans:
        assert sum(1 for s, e in spans if s <= start < e) <= 2


def test_reserved_concurrency_zero_throttles_every_invoke(lambda_client, make_function):
    name = make_function(SLEEPER)["FunctionName"]
    lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as error:
        lambda_client.invoke(FunctionName=name, Payload=b'{"sleep": 0}')
    _assert_throttled(error.value)
    lambda_client.delete_function_concurrency(FunctionName=name)
    response, _ = invoke_json(lambda_client, name, {"sleep": 0})
    assert response["StatusCode"] == 200


def test_without_reserved_concurrency_parallel_invokes_all_run(lambda_client, make_function):
    name = make_function(SLEEPER, Timeout=5)["FunctionName"]
    started = time.monotonic()
    results = _parallel_invokes(lambda_client, name, 3, {"sleep": 1})
    assert [r[0] for r in results] == ["ok"] * 3, results
    spans = [(body["start"], body["end"]) for _, _, body in results]
    assert max(s for s, _ in spans) < min(e for _, e in spans), "the three invokes did not overlap"
    assert time.monotonic() - started < 2.9


def test_throttle_answer_names_the_reason(lambda_client, make_function):
    """AWS's body: {"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}."""
    name = make_function(SLEEPER)["FunctionName"]
    lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as error:
        lambda_client.invoke(FunctionName=name, Payload=b'{"sleep": 0}')
    _assert_throttled(error.value)
    assert error.value.response.get("message") == "Rate Exceeded."
    assert error.value.response.get("Reason") == "ReservedFunctionConcurrentInvocationLimitExceeded"
