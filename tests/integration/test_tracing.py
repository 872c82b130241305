"""X-Ray trace headers: a request's `X-Amzn-Trace-Id` (or one Gatehouse starts, sampled when
the stage has `tracingEnabled`) reaches the Lambda proxy event, the function's
`_X_AMZN_TRACE_ID` and an HTTP backend, with the same root."""
import http.server
import re
import threading

import pytest

from conftest import InvokableApi
from helpers import create_python_function, function_arn, REGION

ROOT = "1-5759e988-bd862e3fe1be46a994272793"
TRACE = re.compile(r"^Root=(1-[0-9a-f]{8}-[0-9a-f]{24});Parent=([0-9a-f]{16});Sampled=([01])$")

REPORTER = """
import os

def handler(event, context):
    body = {"env": os.environ.get("_X_AMZN_TRACE_ID"), "header": event["headers"].get("X-Amzn-Trace-Id")}
    return {"statusCode": 200, "body": __import__("json").dumps(body)}
"""


@pytest.fixture(scope="module")
def traced(apigw, gatehouse, lambda_client):
    name = create_python_function(lambda_client, REPORTER, prefix="traced", apigateway_may_invoke=True)
    api = InvokableApi(apigw, gatehouse, apigw.create_rest_api(name="traced"))
    resource = api.method("/trace", "GET")
    apigw.put_integration(
        restApiId=api.id, resourceId=resource, httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn(name)}/invocations")
    api.deploy("plain")
    api.deploy("xray")
    apigw.update_stage(restApiId=api.id, stageName="xray", patchOperations=[{"op": "replace", "path": "/tracingEnabled", "value": "true"}])
    yield api
    apigw.delete_rest_api(restApiId=api.id)
    lambda_client.delete_function(FunctionName=name)


def traces(api, stage, headers=None):
    response = api.invoke(stage, "trace", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    return TRACE.match(body["header"]), TRACE.match(body["env"])


def test_a_callers_trace_reaches_the_event_and_the_function(traced):
    header, env = traces(traced, "plain", {"X-Amzn-Trace-Id": f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1"})
    assert header and env
    assert header.group(1) == env.group(1) == ROOT
    assert header.group(3) == env.group(3) == "1"
    assert header.group(2) != "53995c3f42cd8ad8" and env.group(2) != header.group(2)  # each hop its own segment


def test_without_a_trace_one_is_started_sampled_as_the_stage_says(traced):
    header, env = traces(traced, "plain")
    assert header and env and header.group(1) == env.group(1) != ROOT
    assert header.group(3) == "0"
    header, _ = traces(traced, "xray")
    assert header.group(3) == "1"


def test_an_http_backend_gets_the_trace(apigw, gatehouse):
    seen = []

    class Backend(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.headers.get("X-Amzn-Trace-Id"))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Backend)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api = InvokableApi(apigw, gatehouse, apigw.create_rest_api(name="traced-http"))
    try:
        api.http_proxy("/up", f"http://127.0.0.1:{server.server_address[1]}/", http_method="GET", integration_method="GET")
        api.deploy("dev")
        assert api.invoke("dev", "up", headers={"X-Amzn-Trace-Id": f"Root={ROOT}"}).status_code == 200
        match = TRACE.match(seen[0])
        assert match and match.group(1) == ROOT
    finally:
        server.shutdown()
        apigw.delete_rest_api(restApiId=api.id)
