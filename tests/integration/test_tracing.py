"""X-Ray trace headers: a request's `X-Amzn-Trace-Id` (or one Gatehouse starts, sampled when
the stage has `tracingEnabled`) reaches the Lambda proxy event, the function's
`_X_AMZN_TRACE_ID` and an HTTP backend, with the same root; and a sampled request's spans
(gateway, integration, function) reach the OTLP collector `OTEL_EXPORTER_OTLP_ENDPOINT` names."""
import http.server
import json
import re
import threading
import time

import pytest

from conftest import InvokableApi, _served, make_client
from helpers import create_python_function, function_arn, REGION

ROOT = "1-5759e988-bd862e3fe1be46a994272793"
TRACE = re.compile(r"^Root=(1-[0-9a-f]{8}-[0-9a-f]{24});Parent=([0-9a-f]{16});Sampled=([01])$")

REPORTER = """
import os

def handler(event, context):
    body = {"env": os.environ.get("_X_AMZN_TRACE_ID"), "header": event["headers"].get("X-Amzn-Trace-Id")}
    return {"statusCode": 200, "body": __import__("json").dumps(body)}
"""


def reporting_api(server, apigw, lambda_client, prefix):
    """A REST API whose GET /trace is a Lambda proxy to a REPORTER function, deployed on plain; (api, function name)."""
    name = create_python_function(lambda_client, REPORTER, prefix=prefix, apigateway_may_invoke=True)
    api = InvokableApi(apigw, server, apigw.create_rest_api(name=prefix))
    resource = api.method("/trace", "GET")
    apigw.put_integration(
        restApiId=api.id, resourceId=resource, httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn(name)}/invocations")
    api.deploy("plain")
    return api, name


@pytest.fixture(scope="module")
def traced(apigw, gatehouse, lambda_client):
    api, name = reporting_api(gatehouse, apigw, lambda_client, "traced")
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


class Collector:
    """A small OTLP/HTTP receiver: the spans posted to /v1/traces, flattened."""

    def __init__(self):
        self.spans = []
        collector = self

        class Receiver(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                assert self.path == "/v1/traces" and self.headers["Content-Type"] == "application/json"
                for resource in body["resourceSpans"]:
                    service = {a["key"]: a["value"] for a in resource["resource"]["attributes"]}["service.name"]["stringValue"]
                    for scope in resource["scopeSpans"]:
                        for span in scope["spans"]:
                            collector.spans.append({**span, "service": service, "attributes": {
                                a["key"]: next(iter(a["value"].values())) for a in span["attributes"]}})
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def collector():
    made = Collector()
    yield made
    made.server.shutdown()


@pytest.fixture(scope="module")
def exporting(collector):
    yield from _served({"OTEL_EXPORTER_OTLP_ENDPOINT": collector.url, "OTEL_SERVICE_NAME": "edge-gateway"})


def test_a_sampled_requests_spans_reach_the_collector(exporting, collector):
    api, name = reporting_api(exporting, make_client(exporting, "apigateway"), make_client(exporting, "lambda"), "spanned")
    assert api.invoke("plain", "trace").status_code == 200  # not sampled: no spans
    response = api.invoke("plain", "trace", headers={"X-Amzn-Trace-Id": f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1"})
    env = TRACE.match(response.json()["env"])
    deadline = time.monotonic() + 10
    while len(collector.spans) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    trace_id = ROOT.replace("1-", "", 1).replace("-", "")
    assert {span["traceId"] for span in collector.spans} == {trace_id}
    by_name = {span["name"]: span for span in collector.spans}
    gateway, integration, function = by_name["GET /trace"], by_name["integration AWS_PROXY"], by_name[f"invoke {name}"]
    assert (gateway["kind"], gateway["parentSpanId"], gateway["service"]) == (2, "53995c3f42cd8ad8", "edge-gateway")
    assert gateway["attributes"]["http.response.status_code"] == "200"
    assert gateway["attributes"]["aws.api_gateway.stage"] == "plain"
    assert integration["parentSpanId"] == gateway["spanId"] and function["parentSpanId"] == gateway["spanId"]
    assert function["spanId"] == env.group(2)  # the function's segment is the one its trace header names
    assert function["attributes"]["faas.name"] == name
    assert function["attributes"]["faas.coldstart"] is False  # the unsampled request started the worker
    assert int(gateway["startTimeUnixNano"]) <= int(integration["startTimeUnixNano"]) <= int(integration["endTimeUnixNano"]) <= int(gateway["endTimeUnixNano"])


def test_an_authorizers_span_and_its_functions_join_the_trace(exporting, collector):
    apigw, lam = make_client(exporting, "apigateway"), make_client(exporting, "lambda")
    api, _ = reporting_api(exporting, apigw, lam, "authspans")
    authorizer_name = create_python_function(lam, """
def handler(event, context):
    return {"principalId": "u", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": event["methodArn"]}]}}
""", prefix="spanauth", apigateway_may_invoke=True)
    authorizer = apigw.create_authorizer(
        restApiId=api.id, name="tok", type="TOKEN", identitySource="method.request.header.Authorization", authorizerResultTtlInSeconds=0,
        authorizerUri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn(authorizer_name)}/invocations")["id"]
    apigw.update_method(restApiId=api.id, resourceId=api.resource("/trace"), httpMethod="GET", patchOperations=[
        {"op": "replace", "path": "/authorizationType", "value": "CUSTOM"}, {"op": "replace", "path": "/authorizerId", "value": authorizer}])
    api.deploy("plain")
    root = "1-5759e988-00000000000000000000abcd"
    response = api.invoke("plain", "trace", headers={"Authorization": "token", "X-Amzn-Trace-Id": f"Root={root};Sampled=1"})
    assert response.status_code == 200, response.text
    trace_id = root.replace("1-", "", 1).replace("-", "")
    deadline = time.monotonic() + 10
    while len([s for s in collector.spans if s["traceId"] == trace_id]) < 5 and time.monotonic() < deadline:
        time.sleep(0.2)
    spans = {span["name"]: span for span in collector.spans if span["traceId"] == trace_id}
    gateway = spans["GET /trace"]
    assert spans["authorizer TOKEN"]["parentSpanId"] == gateway["spanId"]
    assert spans[f"invoke {authorizer_name}"]["parentSpanId"] == gateway["spanId"]
    assert "integration AWS_PROXY" in spans
