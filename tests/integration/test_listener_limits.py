"""How the listener protects itself from hostile or careless clients.

- Sizes decided from the request head alone, answered at once without reading the body:
  an invoke URL's declared body over 10 MB (413, AWS's plain text), a control-plane body over
  70167211 bytes (413, JSON), an invoke URL's request line and headers over 10240 bytes (431,
  plain text), and any request's headers over the listener's own 16384-byte cap (431, JSON).
  Each refusal is the connection's last answer: the server closes it afterwards, keeps earlier
  pipelined answers in order, and goes on serving other connections.
- A chunked body to an invoke URL is cut off at 10 MB.
- Timeouts (GATEHOUSE_IDLE_TIMEOUT_SECONDS, GATEHOUSE_BODY_TIMEOUT_SECONDS) close connections
  that sit idle or stall in the middle of a body, never one whose request is being answered.
- GATEHOUSE_MAX_CONNECTIONS: past it, a new connection gets 503 and is closed while the others
  keep working.
- Control-plane strings are bounded: an over-long name, description, stage variable or tag key
  is refused with 400 and nothing is written.

The hostile cases use raw sockets, so that what goes over the wire (and what does not) is exact.
"""
import gc
import json
import socket
import time

import pytest
import requests
from botocore.exceptions import ClientError

from conftest import InvokableApi, _served, make_client
from helpers import LAMBDA_ROLE, REGION, assert_aws_error, make_zip, unique_name

MAX_INVOKE_BODY = 10_485_760
MAX_CONTROL_PLANE_BODY = 70_167_211
MAX_INVOKE_HEAD = 10_240
LISTENER_HEADER_CAP = 16_384

INVOKE_413_BODY = b"HTTP content length exceeded 10485760 bytes."
INVOKE_431_BODY = b"HTTP header is larger than 10240 bytes."
TEXT_PLAIN = "text/plain; charset=utf-8"

# Generous: a socket that should be closed (or answered) and is not fails the test after this.
SOCKET_TIMEOUT = 10.0
# "At once": the answer must not wait for the body, which is never sent.
AT_ONCE = 1.0


# ---------------------------------------------------------------------------------------------
# Raw HTTP over a socket


def connect(server, timeout=SOCKET_TIMEOUT):
    return socket.create_connection(("127.0.0.1", server.port), timeout=timeout)


def request_head(method, path, host, headers=()):
    """The bytes of a request line and headers (a list of pairs or a dict), ending in the blank line."""
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"] + [f"{name}: {value}" for name, value in pairs]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def read_until_closed(sock, timeout=SOCKET_TIMEOUT):
    """Everything the server sends until it closes the connection; fails if it is still open
    after `timeout` seconds."""
    sock.settimeout(timeout)
    received = b""
    deadline = time.monotonic() + timeout
    while True:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            pytest.fail(f"the server did not close the connection within {timeout}s; received {received[:300]!r}")
        if not chunk:
            return received
        received += chunk
        if time.monotonic() > deadline:
            pytest.fail(f"the server kept sending for {timeout}s without closing; received {received[:300]!r}")


def split_response(data):
    """(status line, headers with lower-case names, body, the bytes after it) of the first
    response in `data`; the body is sized by Content-Length (or is the rest)."""
    head, blank, rest = data.partition(b"\r\n\r\n")
    assert blank, f"no complete response head in {data[:300]!r}"
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", len(rest)))
    return lines[0], headers, rest[:length], rest[length:]


def read_response(sock, timeout=SOCKET_TIMEOUT):
    """One Content-Length-sized response from a connection that stays open:
    (status line, headers, body)."""
    sock.settimeout(timeout)
    received = b""
    while True:
        if b"\r\n\r\n" in received:
            status, headers, body, _ = split_response(received)
            if len(body) >= int(headers.get("content-length", 0)):
                return status, headers, body
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection mid-response; received {received[:300]!r}"
        received += chunk


def raw(server, data, timeout=SOCKET_TIMEOUT):
    """Sends `data` on a new connection and reads until the server closes it:
    (status line, headers, body) of the first response."""
    with connect(server, timeout) as sock:
        sock.sendall(data)
        received = read_until_closed(sock, timeout)
    status, headers, body, _ = split_response(received)
    return status, headers, body


def timed_raw(server, data, timeout=SOCKET_TIMEOUT):
    """`raw` plus the seconds from sending to the server's close."""
    started = time.monotonic()
    answer = raw(server, data, timeout)
    return (*answer, time.monotonic() - started)


def health_request(server):
    return request_head("GET", "/_gatehouse/health", f"127.0.0.1:{server.port}")


def invoke_target(api_id, port, form="path", stage="dev", path="x"):
    """(request target, Host header) of an invoke URL in the path form or the host form."""
    if form == "host":
        return f"/{stage}/{path}", f"{api_id}.execute-api.localhost:{port}"
    return f"/restapis/{api_id}/{stage}/_user_request_/{path}", f"127.0.0.1:{port}"


def head_bytes(method, path, host, headers):
    """What AWS's 10240-byte quota counts: method, path, " HTTP/1.1", every header name and value."""
    return (len(method) + len(path) + len(" HTTP/1.1") + len("host") + len(host)
            + sum(len(name) + len(value) for name, value in headers))


def assert_closing_text(status, headers, body, code, text):
    assert status.startswith(f"HTTP/1.1 {code} "), status
    assert headers.get("content-type") == TEXT_PLAIN, headers
    assert headers.get("connection") == "close", headers
    assert body == text


def assert_closing_json(status, headers, body, code, error_type, message):
    assert status.startswith(f"HTTP/1.1 {code} "), status
    assert headers.get("x-amzn-errortype") == error_type, headers
    assert headers.get("connection") == "close", headers
    assert json.loads(body) == {"message": message}


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def mock_api(apigw, gatehouse):
    """A deployed API (stage dev) whose GET /x is a MOCK answering {"ok": true}; its id."""
    api = apigw.create_rest_api(name=unique_name("limits"))
    invokable = InvokableApi(apigw, gatehouse, api)
    invokable.mock("/x", "GET", body='{"ok": true}')
    invokable.deploy("dev")
    yield api["id"]
    apigw.delete_rest_api(restApiId=api["id"])


@pytest.fixture(scope="module")
def impatient():
    """A private server that closes idle connections after 2 s and stalled bodies after 1 s."""
    yield from _served({"GATEHOUSE_IDLE_TIMEOUT_SECONDS": "2", "GATEHOUSE_BODY_TIMEOUT_SECONDS": "1"})


@pytest.fixture(scope="module")
def capped():
    """A private server that takes at most 5 connections at once.

    The startup health probe (conftest) can leave its keep-alive connection open until the
    garbage collector closes it; it would count against the cap, so it is collected first."""
    for server in _served({"GATEHOUSE_MAX_CONNECTIONS": "5"}):
        gc.collect()
        yield server


# ---------------------------------------------------------------------------------------------
# 1. Declared bodies over an invoke URL's 10 MB


@pytest.mark.parametrize("form", ["path", "host"])
def test_declared_body_over_10_mb_to_an_invoke_url_is_answered_413_at_once(gatehouse, mock_api, form):
    path, host = invoke_target(mock_api, gatehouse.port, form)
    head = request_head("POST", path, host, {"Content-Type": "application/octet-stream",
                                             "Content-Length": str(MAX_INVOKE_BODY + 1)})
    status, headers, body, seconds = timed_raw(gatehouse, head + b"abcd")
    assert_closing_text(status, headers, body, 413, INVOKE_413_BODY)
    assert seconds < AT_ONCE, f"answered (and closed) after {seconds:.2f}s"


def test_declared_10_gb_body_is_answered_413_at_once(gatehouse, mock_api):
    path, host = invoke_target(mock_api, gatehouse.port)
    head = request_head("PUT", path, host, {"Content-Length": str(10 * 1024 ** 3)})
    status, headers, body, seconds = timed_raw(gatehouse, head + b"abcd")
    assert_closing_text(status, headers, body, 413, INVOKE_413_BODY)
    assert seconds < AT_ONCE, f"answered (and closed) after {seconds:.2f}s"


def test_a_body_of_exactly_10_mb_is_not_refused_by_the_length_check(gatehouse):
    url = f"{gatehouse.url}/restapis/{unique_name('none')[-10:]}/dev/_user_request_/x"
    response = requests.post(url, data=b"z" * MAX_INVOKE_BODY, timeout=30)
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


# ---------------------------------------------------------------------------------------------
# 2. Declared bodies over the control plane's 70167211 bytes


def test_declared_control_plane_body_over_70167211_bytes_is_answered_413_at_once(gatehouse):
    head = request_head("POST", "/2015-03-31/functions", f"127.0.0.1:{gatehouse.port}",
                        {"Content-Type": "application/json", "Content-Length": str(MAX_CONTROL_PLANE_BODY + 1)})
    status, headers, body, seconds = timed_raw(gatehouse, head + b'{"Fu')
    assert_closing_json(status, headers, body, 413, "RequestEntityTooLargeException",
                        "Request must be smaller than 70167211 bytes.")
    assert seconds < AT_ONCE, f"answered (and closed) after {seconds:.2f}s"


# ---------------------------------------------------------------------------------------------
# 3. An invoke URL's request line and headers over 10240 bytes


@pytest.mark.parametrize("form", ["path", "host"])
def test_invoke_url_head_over_10240_bytes_is_answered_431(gatehouse, mock_api, form):
    path, host = invoke_target(mock_api, gatehouse.port, form)
    status, headers, body, seconds = timed_raw(gatehouse, request_head("GET", path, host, {"X-Padding": "p" * 11_000}))
    assert_closing_text(status, headers, body, 431, INVOKE_431_BODY)
    assert seconds < AT_ONCE, f"answered (and closed) after {seconds:.2f}s"


def test_invoke_url_head_just_under_10240_bytes_is_served(gatehouse, mock_api):
    response = requests.get(f"{gatehouse.url}/restapis/{mock_api}/dev/_user_request_/x",
                            headers={"X-Padding": "p" * 9000}, timeout=30)
    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_invoke_url_head_quota_counts_request_line_and_every_header_name_and_value(gatehouse, mock_api):
    path, host = invoke_target(mock_api, gatehouse.port)
    padding = MAX_INVOKE_HEAD - head_bytes("GET", path, host, [("X-Padding", "")])
    at_quota = [("X-Padding", "p" * padding)]
    assert head_bytes("GET", path, host, at_quota) == MAX_INVOKE_HEAD
    with connect(gatehouse) as sock:
        sock.sendall(request_head("GET", path, host, at_quota))
        status, _, body = read_response(sock)
    assert status == "HTTP/1.1 200 OK", (status, body)

    one_over = [("X-Padding", "p" * (padding + 1))]
    status, headers, body = raw(gatehouse, request_head("GET", path, host, one_over))
    assert_closing_text(status, headers, body, 431, INVOKE_431_BODY)


# ---------------------------------------------------------------------------------------------
# 4. Headers over the listener's own cap, on any path


def _many_headers(count=1000, size=100):
    return [(name, "v" * (size - len(name))) for name in (f"X-Header-{i:04d}" for i in range(count))]


@pytest.mark.parametrize("path, headers", [
    ("/2015-03-31/functions", [("X-Padding", "p" * 17_000)]),
    ("/restapis", _many_headers()),
    ("/_gatehouse/health", _many_headers()),
    ("/restapis/abcdefghij/dev/_user_request_/x", [("X-Padding", "p" * 17_000)]),
], ids=["control-plane-one-big-header", "control-plane-1000-headers", "gatehouse-1000-headers",
        "invoke-url-one-big-header"])
def test_headers_over_the_listener_cap_are_answered_431_on_any_path(gatehouse, path, headers):
    assert sum(len(name) + len(value) for name, value in headers) > LISTENER_HEADER_CAP
    status, response_headers, body = raw(gatehouse, request_head("GET", path, f"127.0.0.1:{gatehouse.port}", headers))
    assert_closing_json(status, response_headers, body, 431, "RequestHeaderFieldsTooLargeException",
                        "Request Header Fields Too Large")
    assert requests.get(f"{gatehouse.url}/_gatehouse/health", timeout=10).status_code == 200


# ---------------------------------------------------------------------------------------------
# 5. Chunked bodies to an invoke URL are cut off at 10 MB


def test_chunked_body_over_10_mb_to_an_invoke_url_is_answered_413(gatehouse, mock_api):
    def eleven_megabytes():
        for _ in range(11):
            yield b"c" * (1024 * 1024)

    response = requests.post(f"{gatehouse.url}/restapis/{mock_api}/dev/_user_request_/x", data=eleven_megabytes(),
                             headers={"Content-Type": "application/octet-stream"}, timeout=30)
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 413
    assert response.headers["Content-Type"] == TEXT_PLAIN
    assert response.content == INVOKE_413_BODY


# ---------------------------------------------------------------------------------------------
# 6. Idle and body timeouts (private server: idle 2 s, body 1 s)


def test_a_connection_that_sends_nothing_is_closed_after_the_idle_timeout(impatient):
    with connect(impatient) as sock:
        started = time.monotonic()
        assert read_until_closed(sock) == b""
    assert time.monotonic() - started > 1.5


@pytest.mark.parametrize("path", ["/restapis/abcdefghij/dev/_user_request_/x", "/2015-03-31/functions"],
                         ids=["invoke-url", "control-plane"])
def test_a_body_that_stalls_midway_is_closed_after_the_body_timeout_without_an_answer(impatient, path):
    head = request_head("POST", path, f"127.0.0.1:{impatient.port}",
                        {"Content-Type": "application/json", "Content-Length": "100"})
    with connect(impatient) as sock:
        sock.sendall(head + b'{"a":')
        assert read_until_closed(sock) == b""


def test_a_keep_alive_connection_idle_after_a_request_is_closed_after_the_idle_timeout(impatient):
    with connect(impatient) as sock:
        sock.sendall(health_request(impatient))
        status, _, body = read_response(sock)
        assert status == "HTTP/1.1 200 OK"
        assert json.loads(body)["status"] == "ok"
        started = time.monotonic()
        assert read_until_closed(sock) == b""
    assert time.monotonic() - started > 1.5


def test_a_request_still_being_answered_is_not_timed_out(impatient, upstream):
    apigw = make_client(impatient)
    api = InvokableApi(apigw, impatient, apigw.create_rest_api(name=unique_name("slow")))
    api.http_proxy("/slow", f"{upstream.url}/slow", http_method="GET", integration_method="GET")
    api.deploy("dev")
    try:
        path, host = invoke_target(api.id, impatient.port, path="slow?ms=3500")
        with connect(impatient) as sock:
            started = time.monotonic()
            sock.sendall(request_head("GET", path, host))
            status, _, body = read_response(sock)
            elapsed = time.monotonic() - started
        assert status == "HTTP/1.1 200 OK", (status, body)
        assert json.loads(body)["path"] == "/slow"
        assert elapsed > 3.0, f"answered after {elapsed:.2f}s: the request did not outlast the idle timeout"
    finally:
        apigw.delete_rest_api(restApiId=api.id)


# ---------------------------------------------------------------------------------------------
# 7. The connection cap (private server: 5 connections)


def open_admitted(server, within=5.0):
    """A connection the server admitted (its health request answered 200), retried while the
    server has not yet noticed earlier connections closing."""
    deadline = time.monotonic() + within
    while True:
        sock = connect(server)
        sock.sendall(health_request(server))
        status, _, _ = read_response(sock)
        if status == "HTTP/1.1 200 OK":
            return sock
        sock.close()
        assert status.startswith("HTTP/1.1 503 ") and time.monotonic() < deadline, status
        time.sleep(0.1)


def test_past_max_connections_a_new_connection_gets_503_while_the_others_keep_working(capped):
    admitted = [open_admitted(capped) for _ in range(5)]
    try:
        with connect(capped) as sixth:
            received = read_until_closed(sixth)
        status, headers, body, _ = split_response(received)
        assert status == "HTTP/1.1 503 Service Unavailable"
        assert headers.get("x-amzn-errortype") == "ServiceUnavailableException"
        assert json.loads(body) == {"message": "Service Unavailable"}
        assert body == b'{"message":"Service Unavailable"}'

        admitted[0].sendall(health_request(capped))
        assert read_response(admitted[0])[0] == "HTTP/1.1 200 OK"

        for sock in admitted[3:]:
            sock.close()
        admitted[3:] = [open_admitted(capped), open_admitted(capped)]
    finally:
        for sock in admitted:
            sock.close()


# ---------------------------------------------------------------------------------------------
# 8. Pipelining: a refusal waits for the answers before it


def test_a_pipelined_refusal_comes_after_the_answer_to_the_request_before_it(gatehouse, mock_api):
    path, host = invoke_target(mock_api, gatehouse.port)
    oversized = request_head("POST", path, host, {"Content-Length": str(MAX_INVOKE_BODY + 1)})
    with connect(gatehouse) as sock:
        sock.sendall(health_request(gatehouse) + oversized + b"abcd")
        received = read_until_closed(sock)
    status, _, body, rest = split_response(received)
    assert status == "HTTP/1.1 200 OK"
    assert json.loads(body)["status"] == "ok"
    status, headers, body, rest = split_response(rest)
    assert_closing_text(status, headers, body, 413, INVOKE_413_BODY)
    assert rest == b""


# ---------------------------------------------------------------------------------------------
# 9. Control-plane strings are bounded; nothing is written for a refused request


# Each test checks that nothing was written before it checks the error's code.


def _rest_api_names(apigw):
    return [api["name"] for page in apigw.get_paginator("get_rest_apis").paginate() for api in page["items"]]


def test_a_one_megabyte_rest_api_name_is_refused_and_nothing_is_created(apigw):
    with pytest.raises(ClientError) as error:
        apigw.create_rest_api(name="x" * 1_000_000)
    assert all(len(name) <= 1024 for name in _rest_api_names(apigw))
    assert_aws_error(error, 400, "BadRequestException")


def test_a_rest_api_name_may_have_1024_characters_but_not_1025(apigw):
    api = apigw.create_rest_api(name="n" * 1024)
    try:
        assert apigw.get_rest_api(restApiId=api["id"])["name"] == "n" * 1024
    finally:
        apigw.delete_rest_api(restApiId=api["id"])
    with pytest.raises(ClientError) as error:
        apigw.create_rest_api(name="n" * 1025)
    assert "n" * 1025 not in _rest_api_names(apigw)
    assert_aws_error(error, 400, "BadRequestException")


def test_renaming_a_rest_api_to_2000_characters_is_refused_and_the_name_is_unchanged(apigw, rest_api):
    with pytest.raises(ClientError) as error:
        apigw.update_rest_api(restApiId=rest_api["id"],
                              patchOperations=[{"op": "replace", "path": "/name", "value": "y" * 2000}])
    assert apigw.get_rest_api(restApiId=rest_api["id"])["name"] == rest_api["name"]
    assert_aws_error(error, 400, "BadRequestException")


def test_a_description_of_4097_characters_is_refused(apigw):
    name = unique_name("described")
    with pytest.raises(ClientError) as error:
        apigw.create_rest_api(name=name, description="d" * 4097)
    assert name not in _rest_api_names(apigw)
    assert_aws_error(error, 400, "BadRequestException")


@pytest.mark.parametrize("operation", ["create_stage", "create_deployment"])
@pytest.mark.parametrize("variables", [{"v" * 65: "value"}, {"name": "v" * 513}], ids=["65-char-name", "513-char-value"])
def test_over_long_stage_variables_are_refused(apigw, invokable, operation, variables):
    invokable.mock("/", "GET", body="{}")
    deployment = invokable.deploy("dev")
    stage = unique_name("s").replace("-", "_")
    with pytest.raises(ClientError) as error:
        if operation == "create_stage":
            apigw.create_stage(restApiId=invokable.id, stageName=stage, deploymentId=deployment, variables=variables)
        else:
            apigw.create_deployment(restApiId=invokable.id, stageName=stage, variables=variables)
    assert stage not in [item["stageName"] for item in apigw.get_stages(restApiId=invokable.id)["item"]]
    assert_aws_error(error, 400, "BadRequestException")


def test_a_tag_key_of_129_characters_is_refused(apigw, rest_api):
    arn = f"arn:aws:apigateway:{REGION}::/restapis/{rest_api['id']}"
    with pytest.raises(ClientError) as error:
        apigw.tag_resource(resourceArn=arn, tags={"k" * 129: "value"})
    assert "k" * 129 not in apigw.get_tags(resourceArn=arn).get("tags", {})
    assert_aws_error(error, 400, "BadRequestException")


def test_a_lambda_description_over_the_models_256_characters_is_a_validation_exception(lambda_client):
    name = unique_name("fn")
    with pytest.raises(ClientError) as error:
        lambda_client.create_function(
            FunctionName=name, Runtime="python3.12", Role=LAMBDA_ROLE, Handler="app.handler",
            Code={"ZipFile": make_zip({"app.py": "def handler(event, context):\n    return event\n"})},
            Description="d" * 257)
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException):
        lambda_client.get_function(FunctionName=name)
    assert_aws_error(error, 400, "ValidationException")
