"""HTTP_PROXY and HTTP (non-proxy) integrations against a local upstream."""
import base64
import time

import pytest
import requests
from botocore.exceptions import ClientError

from helpers import assert_aws_error


# --- HTTP_PROXY ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def proxied(invokable, upstream):
    """ANY /{proxy+} -> ANY {upstream}/{proxy} (mapped through requestParameters), deployed on dev."""
    invokable.http_proxy("/{proxy+}", f"{upstream.url}/{{proxy}}",
                         request_parameters={"integration.request.path.proxy": "method.request.path.proxy"},
                         method_parameters={"method.request.path.proxy": True})
    invokable.deploy("dev")
    return invokable


def test_http_proxy_forwards_method_path_query_headers_and_body(proxied):
    body = b'{"name": "rex", "kind": "dog"}'
    response = proxied.invoke("dev", "echo/a/b%20c/d.txt", method="POST", params=[("a", "1"), ("a", "2"), ("b", "x y")],
                              data=body, headers={"Content-Type": "application/json", "X-Custom": "custom value"})
    assert response.status_code == 200, response.text
    assert response.headers["X-Upstream"] == "yes"
    echo = response.json()
    assert echo["method"] == "POST"
    assert echo["path"] in ("/echo/a/b%20c/d.txt", "/echo/a/b c/d.txt")
    assert echo["query"] == {"a": ["1", "2"], "b": ["x y"]}
    assert echo["headers"]["x-custom"] == "custom value"
    assert echo["headers"]["content-type"] == "application/json"
    assert base64.b64decode(echo["body_b64"]) == body
    assert "127.0.0.1" in echo["headers"].get("x-forwarded-for", "")


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_http_proxy_any_uses_the_request_method(proxied, method):
    response = proxied.invoke("dev", "echo", method=method)
    assert response.status_code == 200
    assert response.json()["method"] == method


def test_http_proxy_appends_to_an_existing_x_forwarded_for(proxied):
    response = proxied.invoke("dev", "echo", headers={"X-Forwarded-For": "203.0.113.7"})
    forwarded = [part.strip() for part in response.json()["headers"]["x-forwarded-for"].split(",")]
    assert forwarded[0] == "203.0.113.7"
    assert "127.0.0.1" in forwarded[1:]


def test_http_proxy_drops_hop_by_hop_headers(proxied):
    response = proxied.invoke("dev", "echo", headers={"Keep-Alive": "timeout=5", "Proxy-Authorization": "Basic eDp5",
                                                      "TE": "trailers", "X-Kept": "kept"})
    headers = response.json()["headers"]
    assert headers.get("x-kept") == "kept"
    assert "keep-alive" not in headers
    assert "proxy-authorization" not in headers
    assert "te" not in headers


def test_http_proxy_passes_upstream_status_and_headers_back(proxied):
    for code in (201, 404, 418, 503):
        response = proxied.invoke("dev", f"status/{code}", method="POST", data=b"{}")
        assert response.status_code == code
        assert response.headers.get("X-Status-Echo") == str(code)
        assert response.headers.get("X-Upstream") == "yes"
        assert response.json()["path"] == f"/status/{code}"
        assert response.headers.get("x-amzn-RequestId")


def test_http_proxy_binary_response_body_is_byte_exact(proxied, upstream):
    response = proxied.invoke("dev", "binary")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.content == upstream.binary_payload


def test_http_proxy_binary_request_body_is_byte_exact(proxied, upstream):
    response = proxied.invoke("dev", "echo", method="PUT", data=upstream.binary_payload,
                              headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 200
    assert base64.b64decode(response.json()["body_b64"]) == upstream.binary_payload


def test_http_proxy_fills_named_path_parameters(invokable, upstream):
    invokable.http_proxy("/users/{user}/posts/{post}", f"{upstream.url}/u/{{user}}/p/{{post}}", http_method="GET",
                         integration_method="GET")
    invokable.deploy("dev")
    response = invokable.invoke("dev", "users/42/posts/7")
    assert response.status_code == 200
    assert response.json()["path"] == "/u/42/p/7"


def test_http_proxy_integration_method_overrides_the_request_method(invokable, upstream):
    invokable.http_proxy("/submit", f"{upstream.url}/echo", http_method="GET", integration_method="POST")
    invokable.deploy("dev")
    assert invokable.invoke("dev", "submit").json()["method"] == "POST"


def test_stage_variables_in_the_http_proxy_uri(apigw, invokable, upstream):
    invokable.http_proxy("/where", "http://${stageVariables.host}/${stageVariables.base}/where", http_method="GET",
                         integration_method="GET")
    invokable.deploy("alpha", variables={"host": upstream.authority, "base": "alpha-base"})
    invokable.deploy("beta", variables={"host": upstream.authority, "base": "beta-base"})
    assert invokable.invoke("alpha", "where").json()["path"] == "/alpha-base/where"
    assert invokable.invoke("beta", "where", form="host").json()["path"] == "/beta-base/where"

    # Stage variables are read per request: no redeployment needed.
    apigw.update_stage(restApiId=invokable.id, stageName="beta",
                       patchOperations=[{"op": "replace", "path": "/variables/base", "value": "changed"}])
    assert invokable.invoke("beta", "where").json()["path"] == "/changed/where"


def test_upstream_timeout_answers_504(invokable, upstream):
    invokable.http_proxy("/slow", f"{upstream.url}/slow", http_method="GET", integration_method="GET", timeout=200)
    invokable.deploy("dev")
    fast = invokable.invoke("dev", "slow", params={"ms": "10"})
    assert fast.status_code == 200
    started = time.monotonic()
    response = invokable.invoke("dev", "slow", params={"ms": "2500"})
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert response.json() == {"message": "Endpoint request timed out"}
    assert response.headers.get("x-amzn-RequestId")
    assert elapsed < 2.0, f"took {elapsed:.2f}s for a 200 ms timeout"


@pytest.mark.parametrize("timeout", [49, 29001])
def test_timeout_outside_50_to_29000_ms_is_rejected(apigw, invokable, upstream, timeout):
    resource = invokable.method("/slow", "GET")
    with pytest.raises(ClientError) as error:
        apigw.put_integration(restApiId=invokable.id, resourceId=resource, httpMethod="GET", type="HTTP_PROXY",
                              integrationHttpMethod="GET", uri=f"{upstream.url}/slow", timeoutInMillis=timeout)
    assert_aws_error(error, 400, "BadRequestException")


def test_changed_timeout_applies_after_redeployment(apigw, invokable, upstream):
    resource = invokable.http_proxy("/slow", f"{upstream.url}/slow", http_method="GET", integration_method="GET")
    invokable.deploy("dev")
    assert invokable.invoke("dev", "slow", params={"ms": "400"}).status_code == 200
    apigw.update_integration(restApiId=invokable.id, resourceId=resource, httpMethod="GET",
                             patchOperations=[{"op": "replace", "path": "/timeoutInMillis", "value": "50"}])
    assert invokable.invoke("dev", "slow", params={"ms": "400"}).status_code == 200
    invokable.deploy("dev")
    response = invokable.invoke("dev", "slow", params={"ms": "400"})
    assert response.status_code == 504
    assert response.json() == {"message": "Endpoint request timed out"}


def test_request_over_10_mb_is_not_forwarded(proxied, upstream):
    before = len(upstream.requests)
    response = proxied.invoke("dev", "echo", method="POST", data=b"x" * (10 * 1024 * 1024 + 1),
                              headers={"Content-Type": "application/octet-stream"})
    # AWS's front door answers in plain text, not through gateway responses (docs/aws/limits.md).
    assert response.status_code == 413
    assert response.text == "HTTP content length exceeded 10485760 bytes."
    assert len(upstream.requests) == before


def test_upstream_not_listening_answers_500_quickly(invokable, closed_port):
    invokable.http_proxy("/down", f"http://127.0.0.1:{closed_port}/x", http_method="GET", integration_method="GET")
    invokable.deploy("dev")
    started = time.monotonic()
    try:
        response = invokable.invoke("dev", "down", timeout=5)
    except requests.Timeout:
        response = None
    assert response is not None, "no answer within 5 s although the upstream refuses connections"
    elapsed = time.monotonic() - started
    assert response.status_code == 500
    assert response.json() == {"message": "Internal server error"}
    assert elapsed < 3.0, f"took {elapsed:.2f}s"


# --- HTTP (non-proxy) ---------------------------------------------------------------------------------------------------


@pytest.fixture
def mapped(invokable, upstream):
    """GET /items/{id} -> HTTP GET {upstream}/items/{pid} with request parameter mapping, and
    GET /status/{code} -> HTTP GET {upstream}/status/{code}; integration responses: default 200
    (passthrough), 4\\d{2} -> 400 template, 5\\d{2} -> 502 template with a header."""
    api = invokable
    for path, uri, params in [
        ("/items/{id}", f"{upstream.url}/items/{{pid}}", {
            "integration.request.path.pid": "method.request.path.id",
            "integration.request.querystring.qq": "method.request.querystring.q",
            "integration.request.querystring.lit": "'fixed value'",
            "integration.request.querystring.fromstage": "stageVariables.flavour",
            "integration.request.header.X-Out": "method.request.header.X-In",
            "integration.request.header.X-Stage": "stageVariables.flavour",
            "integration.request.header.X-Literal": "'lit'",
        }),
        ("/status/{code}", f"{upstream.url}/status/{{code}}", {"integration.request.path.code": "method.request.path.code"}),
        ("/decode/{id}", f"{upstream.url}/decode", {"integration.request.querystring.got": "method.request.path.id"}),
    ]:
        resource = api.method(path, "GET", request_parameters={
            f"method.request.path.{path.split('{')[1].rstrip('}')}": True,
            "method.request.querystring.q": False, "method.request.header.X-In": False})
        api.apigw.put_integration(restApiId=api.id, resourceId=resource, httpMethod="GET", type="HTTP",
                                  integrationHttpMethod="GET", uri=uri, requestParameters=params)
        api.method_response(path, "GET", 200)
        api.method_response(path, "GET", 400)
        api.method_response(path, "GET", 502, headers=["X-Why"])
        api.integration_response(path, "GET", 200)
        api.integration_response(path, "GET", 400, pattern="4\\d{2}", template='{"error": "client"}')
        api.integration_response(path, "GET", 502, pattern="5\\d{2}", template='{"error": "upstream"}',
                                 parameters={"method.response.header.X-Why": "'upstream failed'"})
    api.deploy("dev", variables={"flavour": "vanilla"})
    return api


def test_http_request_parameter_mapping(mapped):
    response = mapped.invoke("dev", "items/42", params={"q": "hello", "extra": "dropped"}, headers={"X-In": "in-value"})
    assert response.status_code == 200, response.text
    echo = response.json()
    assert echo["method"] == "GET"
    assert echo["path"] == "/items/42"
    assert echo["query"] == {"qq": ["hello"], "lit": ["fixed value"], "fromstage": ["vanilla"]}
    assert echo["headers"]["x-out"] == "in-value"
    assert echo["headers"]["x-stage"] == "vanilla"
    assert echo["headers"]["x-literal"] == "lit"


def test_http_path_parameters_are_percent_decoded(mapped):
    # The decoded value is re-encoded when it becomes a query-string parameter of the integration request.
    cases = [("a%20b", "a b"), ("caf%C3%A9", "café"), ("x%2By", "x+y"), ("a+b", "a+b"), ("a%26b%3Dc", "a&b=c")]
    got = []
    for raw, _ in cases:
        response = mapped.invoke("dev", f"decode/{raw}")
        assert response.status_code == 200, (raw, response.text)
        got.append((raw, response.json()["query"], response.json()["raw_query"]))
    assert [(raw, query) for raw, query, _ in got] == [(raw, {"got": [value]}) for raw, value in cases], got


def test_http_mapped_query_string_values_keep_reserved_characters(mapped):
    response = mapped.invoke("dev", "items/1", params={"q": "a+b&c=d é"})
    assert response.status_code == 200, response.text
    echo = response.json()
    assert echo["query"] == {"qq": ["a+b&c=d é"], "lit": ["fixed value"], "fromstage": ["vanilla"]}, echo["raw_query"]


@pytest.mark.parametrize("code,status,body,why", [
    ("200", 200, None, None),
    ("201", 200, None, None),                 # no pattern matches -> default, passthrough body
    ("404", 400, {"error": "client"}, None),  # upstream 404 -> 4\d{2} -> method status 400
    ("429", 400, {"error": "client"}, None),
    ("503", 502, {"error": "upstream"}, "upstream failed"),
])
def test_http_integration_response_selection_by_upstream_status(mapped, code, status, body, why):
    response = mapped.invoke("dev", f"status/{code}")
    assert response.status_code == status, response.text
    if body is None:
        assert response.json()["path"] == f"/status/{code}"   # passthrough of the upstream body
    else:
        assert response.json() == body
    assert response.headers.get("X-Why") == why
