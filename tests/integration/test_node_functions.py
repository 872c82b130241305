"""Node.js functions (nodejs18.x–22.x) under Gatehouse's own runtime client: async and callback
handlers, ES modules and CommonJS, `context`, console logs as AWS writes them, errors as AWS
reports them, warm workers, and a Node function behind an API Gateway route."""
import base64
import re

import pytest

from helpers import ACCOUNT_ID, REGION, invoke_json

pytestmark = pytest.mark.usefixtures("gatehouse")

ASYNC_ESM = """
export const handler = async (event, context) => {
  console.log("event", JSON.stringify(event));
  console.warn("two\\nlines");
  return {
    event,
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    invokedFunctionArn: context.invokedFunctionArn,
    memoryLimitInMB: context.memoryLimitInMB,
    awsRequestId: context.awsRequestId,
    logGroupName: context.logGroupName,
    remaining: context.getRemainingTimeInMillis(),
    region: process.env.AWS_REGION,
    taskRoot: process.env.LAMBDA_TASK_ROOT,
  };
};
"""

CALLBACK_CJS = """
let count = 0;
exports.handler = function (event, context, callback) {
  count += 1;
  setTimeout(() => callback(null, { count, callback: true }), 5);
};
exports.fails = async () => { throw new TypeError("bad input"); };
exports.rejectsWithText = async () => { throw "plain text"; };
exports.callbackError = (event, context, callback) => callback(new RangeError("out of range"));
"""

PROXY = """
exports.handler = async (event) => ({
  statusCode: 201,
  headers: { "X-Runtime": "node" },
  body: JSON.stringify({ path: event.path, method: event.httpMethod, query: event.queryStringParameters }),
});
"""


def node(make_function, files, handler, runtime="nodejs20.x"):
    return make_function(files=files, runtime=runtime, handler=handler, Timeout=10)["FunctionName"]


def tail(response):
    return base64.b64decode(response["LogResult"]).decode()


def test_an_async_es_module_handler_gets_the_event_and_aws_context(make_function, lambda_client):
    name = node(make_function, {"index.mjs": ASYNC_ESM}, "index.handler")
    response, body = invoke_json(lambda_client, name, {"a": 1}, LogType="Tail")
    assert "FunctionError" not in response
    assert body["event"] == {"a": 1}
    assert (body["functionName"], body["functionVersion"], body["memoryLimitInMB"]) == (name, "$LATEST", "128")
    assert body["invokedFunctionArn"] == f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
    assert body["logGroupName"] == f"/aws/lambda/{name}"
    assert 0 < body["remaining"] <= 10_000
    assert body["region"] == REGION and body["taskRoot"]
    log = tail(response)
    request_id = body["awsRequestId"]
    assert re.search(rf"^\d{{4}}-\d\d-\d\dT[\d:.]+Z\t{request_id}\tINFO\tevent {{\"a\":1}}$", log, re.M), log
    # A message over several lines stays one log event (the runtime client writes its newlines
    # as \r, and the event keeps them as newlines), with one prefix.
    assert f"\t{request_id}\tWARN\ttwo\nlines\n" in log, log


@pytest.mark.parametrize("runtime", ["nodejs18.x", "nodejs22.x"])
def test_every_node_runtime_runs_under_the_node_on_the_path(make_function, lambda_client, runtime):
    name = node(make_function, {"index.mjs": ASYNC_ESM}, "index.handler", runtime=runtime)
    assert invoke_json(lambda_client, name, {"r": runtime})[1]["event"] == {"r": runtime}


def test_a_commonjs_callback_handler_answers_through_its_callback_and_stays_warm(make_function, lambda_client):
    name = node(make_function, {"app.js": CALLBACK_CJS}, "app.handler")
    first, second = (invoke_json(lambda_client, name, {}, LogType="Tail") for _ in range(2))
    assert first[1] == {"count": 1, "callback": True}
    assert second[1] == {"count": 2, "callback": True}
    assert "Init Duration" in tail(first[0]) and "Init Duration" not in tail(second[0])


@pytest.mark.parametrize("handler, error_type, message", [
    ("app.fails", "TypeError", "bad input"),
    ("app.callbackError", "RangeError", "out of range"),
    ("app.rejectsWithText", "string", "plain text"),
])
def test_a_failing_handler_is_an_unhandled_error_with_aws_fields(make_function, lambda_client, handler, error_type, message):
    name = node(make_function, {"app.js": CALLBACK_CJS}, handler)
    response, body = invoke_json(lambda_client, name, {})
    assert response["FunctionError"] == "Unhandled"
    assert (body["errorType"], body["errorMessage"]) == (error_type, message)
    assert isinstance(body["trace"], list)


def test_a_missing_module_or_export_fails_at_init_as_aws_reports_it(make_function, lambda_client):
    missing = node(make_function, {"app.js": CALLBACK_CJS}, "nothere.handler")
    response, body = invoke_json(lambda_client, missing, {})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"].startswith("Error: Cannot find module 'nothere'")
    unexported = node(make_function, {"app.js": CALLBACK_CJS}, "app.nothere")
    response, body = invoke_json(lambda_client, unexported, {})
    assert (body["errorType"], body["errorMessage"]) == ("Runtime.HandlerNotFound", "app.nothere is undefined or not exported")


def test_a_node_function_answers_an_api_gateway_proxy_route(make_function, lambda_client, invokable):
    name = node(make_function, {"index.js": PROXY}, "index.handler")
    lambda_client.add_permission(FunctionName=name, StatementId="apigateway", Action="lambda:InvokeFunction",
                                 Principal="apigateway.amazonaws.com")
    resource = invokable.method("/hello", "GET")
    invokable.apigw.put_integration(
        restApiId=invokable.id, resourceId=resource, httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}/invocations")
    invokable.deploy("dev")
    response = invokable.invoke("dev", "hello?x=1")
    assert response.status_code == 201, response.text
    assert response.headers["X-Runtime"] == "node"
    assert response.json() == {"path": "/hello", "method": "GET", "query": {"x": "1"}}


def test_an_unknown_node_runtime_is_refused(lambda_client):
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException):
        lambda_client.create_function(FunctionName="never", Runtime="nodejs16.x", Role=f"arn:aws:iam::{ACCOUNT_ID}:role/x",
                                      Handler="index.handler", Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})
