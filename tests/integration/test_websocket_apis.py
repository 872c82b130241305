"""WebSocket APIs (apigatewayv2, protocol type WEBSOCKET): the control plane — what AWS checks of
APIs, routes, route and integration responses, integrations, authorizers and stages, and the
defaults it fills in — and the data plane behind `ws://` and `wss://`: `$connect` while the
upgrade waits (its status, its headers, a REQUEST or IAM authorizer), routing messages by the
API's selection expression, two-way and one-way routes, AWS's error frames, the Lambda proxy
events of the three event types, `$disconnect`, the `@connections` management API (path form,
host form, TLS, from inside handlers), the frame, message, idle, duration and connection-rate
limits, and execution and access logs.

Connect URLs come in two forms: the path form (`ws://127.0.0.1:{port}/{apiId}/{stage}`) and the
host form (`Host: {apiId}.execute-api.localhost:{port}`, path `/{stage}`)."""
import datetime
import json
import os
import re
import time
import uuid
from urllib.parse import quote

import boto3
import pytest
import requests
import websocket
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from board import CLIENT as BOARD_CLIENT
from conftest import _served, make_client
from helpers import (ACCESS_KEY, ACCOUNT_ID, ID10, REGION, SECRET_KEY, assert_aws_error, assert_request_id,
                     create_python_function, delete_role, deleted_after, function_arn, presigned_url, status_of, unique_name)

# Leaves every event it gets on the board's EVENTS channel. $connect answers by the query string
# (?status=N refuses with N, ?raise=1 fails, ?protocol=P returns Sec-WebSocket-Protocol P,
# ?selfpost=1 posts to its own connection first and records what @connections answered);
# messages answer 200 with the whole event as the body, unless the message says "do": "raise"
# (the function fails), "do": "fail" (statusCode 500 with a body) or "do": "sleep" (1.5 s first).
# An event that is not a proxy event (an AWS integration's request) comes back as {"got": event}.
RECORDER = """
import json
import os
import time


def record(entry):
    leave(os.environ["EVENTS"], entry)


def handler(event, context):
    record(event)
    if "requestContext" not in event:
        return {"got": event}
    ctx = event["requestContext"]
    if ctx["eventType"] == "CONNECT":
        query = event.get("queryStringParameters") or {}
        if query.get("raise"):
            raise RuntimeError("connect failed")
        if "status" in query:
            return {"statusCode": int(query["status"]), "body": "refused"}
        if query.get("selfpost"):
            import boto3
            from botocore.exceptions import ClientError
            client = boto3.client("apigatewaymanagementapi", endpoint_url=f"https://{ctx['domainName']}/{ctx['stage']}")
            try:
                client.post_to_connection(ConnectionId=ctx["connectionId"], Data=b"too early")
                outcome = {"code": "sent", "status": 200}
            except ClientError as error:
                outcome = {"code": error.response["Error"]["Code"],
                           "status": error.response["ResponseMetadata"]["HTTPStatusCode"]}
            record({"selfpost": outcome, "connectionId": ctx["connectionId"]})
        headers = {"Sec-WebSocket-Protocol": query["protocol"]} if query.get("protocol") else {}
        return {"statusCode": 200, "headers": headers}
    if ctx["eventType"] == "MESSAGE":
        try:
            message = json.loads(event["body"])
        except ValueError:
            message = None
        do = message.get("do") if isinstance(message, dict) else None
        if do == "raise":
            raise RuntimeError("message failed")
        if do == "fail":
            return {"statusCode": 500, "body": "failed but answered"}
        if do == "sleep":
            time.sleep(1.5)
        return {"statusCode": 200, "body": json.dumps(event)}
    return {"statusCode": 200}
"""

# A REQUEST authorizer deciding by the Auth header: allow (with a context), deny, or
# "unauthorized" (fails with AWS's magic error message). Records each event it gets.
AUTHORIZER = """
import json
import os


def handler(event, context):
    leave(os.environ["EVENTS"], {"authorizerEvent": event})
    auth = {k.lower(): v for k, v in (event.get("headers") or {}).items()}.get("auth", "")
    verb = auth.partition(":")[0]
    if verb == "unauthorized":
        raise Exception("Unauthorized")
    effect = "Allow" if verb == "allow" else "Deny"
    return {"principalId": "user-1",
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": effect, "Action": "execute-api:Invoke", "Resource": event["methodArn"]}]},
            "context": {"user": "ann", "tier": 3}}
"""

# A chat room: $connect stores the connection id on the CONNECTIONS channel, $disconnect marks it gone, and
# a message {"action": "broadcast", "text": ...} posts the text to every stored connection through
# @connections at https://{domainName}/{stage}, as a handler on AWS would.
BROADCASTER = """
import json
import os

CHANNEL = os.environ["CONNECTIONS"]


def stored():
    marks = records(CHANNEL)
    gone = {mark["gone"] for mark in marks if "gone" in mark}
    return [mark["connected"] for mark in marks if "connected" in mark and mark["connected"] not in gone]


def handler(event, context):
    ctx = event["requestContext"]
    connection_id = ctx["connectionId"]
    if ctx["eventType"] == "CONNECT":
        leave(CHANNEL, {"connected": connection_id})
    elif ctx["eventType"] == "DISCONNECT":
        leave(CHANNEL, {"gone": connection_id})
    else:
        import boto3
        text = json.loads(event["body"])["text"]
        client = boto3.client("apigatewaymanagementapi", endpoint_url=f"https://{ctx['domainName']}/{ctx['stage']}")
        for other in stored():
            try:
                client.post_to_connection(ConnectionId=other, Data=text.encode())
            except client.exceptions.GoneException:
                pass
    return {"statusCode": 200}
"""

MOCK_TEMPLATE = '{"echo": "$context.routeKey", "id": "$context.connectionId"}'
USER_AGENT = "gatehouse-ws-tests/1.0"
AWS_ID = re.compile(r"^[A-Za-z0-9+/_-]{15}=$")
ID6 = re.compile(r"^[a-z0-9]{6}$")
ID7 = re.compile(r"^[a-z0-9]{7}$")
REQUEST_TIME = re.compile(r"^\d{2}/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/\d{4}:\d{2}:\d{2}:\d{2} \+0000$")
FORBIDDEN_FRAME = re.compile(r'^\{"message": "Forbidden", "connectionId":"([^"]+)", "requestId":"([^"]+)"\}$')
ERROR_FRAME = re.compile(r'^\{"message": "Internal server error", "connectionId":"([^"]+)", "requestId":"([^"]+)"\}$')
TIMEOUT_FRAME = re.compile(
    r'^\{"message": "Endpoint request timed out", "connectionId":"([^"]+)", "requestId":"([^"]+)"\}$')
FRAME_LIMIT = 32 * 1024
MESSAGE_LIMIT = 128 * 1024
ACCESS_GROUP = "ws-access"
ACCESS_FORMAT = "$context.eventType $context.routeKey $context.connectionId $context.status"


# ---------------------------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture(scope="module")
def v2(gatehouse):
    return make_client(gatehouse, "apigatewayv2")


def lambda_uri(function):
    """The integration URI of a function, as WebSocket APIs name it."""
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function}/invocations"


def _function(lambda_client, source, **variables):
    """A function API Gateway may invoke (a policy statement without a source ARN); returns its ARN."""
    return function_arn(create_python_function(lambda_client, BOARD_CLIENT + source, prefix="ws", apigateway_may_invoke=True, Timeout=10,
                                               Environment={"Variables": variables}))


class Recorder:
    """A recording function (RECORDER) and the events it left on its channel of the board."""

    def __init__(self, arn, channel):
        self.arn = arn
        self.channel = channel

    def entries(self):
        return self.channel.records()

    def wait(self, condition, timeout=5.0):
        """The first recorded entry `condition` accepts, polling up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            found = [entry for entry in self.entries() if condition(entry)]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"no recorded entry matched within {timeout}s; entries: {self.entries()[-5:]}")
            time.sleep(0.05)

    def event(self, connection_id, event_type, timeout=5.0):
        return self.wait(lambda e: "requestContext" in e and e["requestContext"]["connectionId"] == connection_id
                         and e["requestContext"]["eventType"] == event_type, timeout)

    def connect_event(self, tag, timeout=5.0):
        """The $connect event of the connection opened with X-Tag: tag."""
        return self.wait(lambda e: "requestContext" in e and e["requestContext"]["eventType"] == "CONNECT"
                         and (e.get("headers") or {}).get("X-Tag") == tag, timeout)


def _recorder(lambda_client, board):
    """A RECORDER function leaving events on a channel of its own."""
    channel = board.channel()
    return Recorder(_function(lambda_client, RECORDER, EVENTS=channel.url), channel)


def _drop(lambda_client, recorder):
    lambda_client.delete_function(FunctionName=recorder.arn)


@pytest.fixture(scope="module")
def recorder(lambda_client, board):
    """The recording function (see RECORDER) on the shared server."""
    made = _recorder(lambda_client, board)
    yield made
    _drop(lambda_client, made)


def create_ws_api(v2, **kwargs):
    kwargs.setdefault("RouteSelectionExpression", "$request.body.action")
    return v2.create_api(Name=kwargs.pop("Name", unique_name("ws")), ProtocolType="WEBSOCKET", **kwargs)


@pytest.fixture
def apis(v2):
    """`apis(**create_api_kwargs)` creates a WebSocket API (selecting routes by
    `$request.body.action` unless told) and returns its CreateApi response; every API made is
    deleted after the test."""
    yield from deleted_after(lambda **kwargs: create_ws_api(v2, **kwargs), lambda api: api["ApiId"],
                             lambda api_id: v2.delete_api(ApiId=api_id), v2.exceptions.NotFoundException)


@pytest.fixture
def api_id(apis):
    """A fresh WebSocket API's id."""
    return apis()["ApiId"]


def lambda_integration(v2, api_id, function, **kwargs):
    """An AWS_PROXY integration calling `function`; returns its id."""
    return v2.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=lambda_uri(function),
                                 **kwargs)["IntegrationId"]


def mock_integration(v2, api_id, template=MOCK_TEMPLATE):
    """A MOCK integration answering 200 with `template` rendered; returns its id."""
    integration = v2.create_integration(ApiId=api_id, IntegrationType="MOCK", TemplateSelectionExpression="\\$default",
                                        RequestTemplates={"$default": '{"statusCode": 200}'})["IntegrationId"]
    v2.create_integration_response(ApiId=api_id, IntegrationId=integration, IntegrationResponseKey="$default",
                                   TemplateSelectionExpression="\\$default", ResponseTemplates={"$default": template})
    return integration


def route(v2, api_id, key, integration, two_way=False, **kwargs):
    """A route `key` targeting the integration, two-way with a `$default` route response; returns its id."""
    route_id = v2.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integration}", **kwargs)["RouteId"]
    if two_way:
        v2.create_route_response(ApiId=api_id, RouteId=route_id, RouteResponseKey="$default")
    return route_id


def deploy(v2, api_id, stage="dev", **stage_kwargs):
    v2.create_stage(ApiId=api_id, StageName=stage, **stage_kwargs)
    return v2.create_deployment(ApiId=api_id, StageName=stage)["DeploymentId"]


def chat_routes(v2, api_id, function):
    """$connect, $disconnect and one-way `oneway` to `function`; two-way `$default` and `echo`."""
    integration = lambda_integration(v2, api_id, function)
    for key, two_way in (("$connect", False), ("$disconnect", False), ("$default", True), ("echo", True),
                         ("oneway", False)):
        route(v2, api_id, key, integration, two_way=two_way)
    return integration


class Sockets:
    """Opens WebSocket connections to the server and closes those left open after the test."""

    def __init__(self, server):
        self.server = server
        self.opened = []

    def url(self, api_id, stage="dev", query="", form="path", scheme="ws"):
        suffix = f"?{query}" if query else ""
        if form == "host":
            return f"{scheme}://127.0.0.1:{self.server.port}/{stage}{suffix}"
        return f"{scheme}://127.0.0.1:{self.server.port}/{api_id}/{stage}{suffix}"

    def open(self, api_id, stage="dev", query="", form="path", headers=(), scheme="ws", timeout=5, **options):
        """A connection (websocket.WebSocket) carrying `X-Tag: ws.tag` and a User-Agent."""
        tag = uuid.uuid4().hex
        header = [f"User-Agent: {USER_AGENT}", f"X-Tag: {tag}", *headers]
        if form == "host":
            options["host"] = f"{api_id}.execute-api.localhost:{self.server.port}"
        ws = websocket.create_connection(self.url(api_id, stage, query, form, scheme), timeout=timeout, header=header,
                                         **options)
        ws.tag = tag
        self.opened.append(ws)
        return ws

    def refusal(self, api_id, stage="dev", query="", headers=()):
        """The status code of an upgrade the server refuses."""
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            self.open(api_id, stage, query=query, headers=headers)
        return refused.value.status_code

    def close_all(self):
        for ws in self.opened:
            try:
                ws.close(timeout=1)
            except Exception:
                pass


@pytest.fixture
def sockets(gatehouse):
    opened = Sockets(gatehouse)
    yield opened
    opened.close_all()


def ask(ws, message):
    """Sends a message (a dict is sent as JSON) and answers the next text frame."""
    ws.send(json.dumps(message) if isinstance(message, dict) else message)
    return ws.recv()


def ask_json(ws, message):
    return json.loads(ask(ws, message))


def close_of(ws, timeout=5.0):
    """The (code, reason) of the next close frame the server sends, skipping text frames; the
    client then answers the close with the same code, as browsers do."""
    ws.settimeout(timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            frame = ws.recv_frame()
        except (ConnectionResetError, BrokenPipeError, websocket.WebSocketConnectionClosedException) as error:
            raise AssertionError(f"the connection ended without a close frame: {error!r}")
        if frame.opcode == websocket.ABNF.OPCODE_CLOSE:
            data = frame.data or b""
            code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
            send_quietly(lambda: ws.send_close(code or 1000))
            return code, data[2:].decode("utf-8", errors="replace")
    raise AssertionError("no close frame arrived")


def sized(length, action="ping"):
    """A JSON message for `action` of exactly `length` bytes."""
    head, tail = f'{{"action":"{action}","pad":"', '"}'
    return head + "x" * (length - len(head) - len(tail)) + tail


def send_fragmented(ws, text, size=FRAME_LIMIT):
    """Sends one text message in continuation frames of `size` bytes."""
    data = text.encode()
    chunks = [data[i:i + size] for i in range(0, len(data), size)]
    for index, chunk in enumerate(chunks):
        opcode = websocket.ABNF.OPCODE_TEXT if index == 0 else websocket.ABNF.OPCODE_CONT
        ws.send_frame(websocket.ABNF.create_frame(chunk, opcode, fin=int(index == len(chunks) - 1)))


def send_quietly(send):
    """Runs a send the server may cut short by closing the connection."""
    try:
        send()
    except (BrokenPipeError, ConnectionResetError, websocket.WebSocketConnectionClosedException):
        pass


def management(server, api_id, stage="dev"):
    """boto3's apigatewaymanagementapi client for the path-form endpoint of the stage."""
    return boto3.session.Session().client(
        "apigatewaymanagementapi", endpoint_url=f"{server.url}/{api_id}/{stage}", region_name=REGION,
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30))


def host_form_request(server, api_id, stage, method, connection_id, data=b""):
    """An @connections request to `http://{api}.execute-api.localhost:{port}/{stage}/...`,
    signed by botocore (service execute-api) and sent to 127.0.0.1 with that Host header."""
    host = f"{api_id}.execute-api.localhost:{server.port}"
    path = f"/{stage}/%40connections/{quote(connection_id, safe='')}"
    signed = AWSRequest(method=method, url=f"http://{host}{path}", data=data)
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "execute-api", REGION).add_auth(signed)
    headers = dict(signed.headers.items())
    headers["Host"] = host
    return requests.request(method, f"{server.url}{path}", data=data, headers=headers, timeout=10)


def logged_lines(logs_client, group, condition, count, timeout=5.0):
    """The messages of `group` that satisfy `condition`, once there are `count` (or the timeout)."""
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        try:
            events = logs_client.filter_log_events(logGroupName=group)["events"]
        except logs_client.exceptions.ResourceNotFoundException:
            events = []
        lines = [event["message"] for event in events if condition(event["message"])]
        if len(lines) >= count:
            break
        time.sleep(0.2)
    return lines


@pytest.fixture(scope="module")
def chat(v2, recorder):
    """A WebSocket API on the recorder (see chat_routes), deployed on stage dev; its id."""
    api_id = create_ws_api(v2)["ApiId"]
    chat_routes(v2, api_id, recorder.arn)
    deploy(v2, api_id)
    yield api_id
    v2.delete_api(ApiId=api_id)


@pytest.fixture(scope="module")
def mock_api(v2):
    """A WebSocket API with one two-way MOCK route, `ping` (no $connect, no $default), on stage dev."""
    api_id = create_ws_api(v2)["ApiId"]
    route(v2, api_id, "ping", mock_integration(v2, api_id), two_way=True)
    deploy(v2, api_id)
    yield api_id
    v2.delete_api(ApiId=api_id)


def connection_id(recorder, ws):
    return recorder.connect_event(ws.tag)["requestContext"]["connectionId"]


# ---------------------------------------------------------------------------------------------
# Control plane: APIs


def test_create_api_answers_the_websocket_api_with_its_defaults(gatehouse, apis):
    api = apis(Name="chat")
    assert ID10.match(api["ApiId"]), api["ApiId"]
    assert api["ApiEndpoint"] == f"ws://{api['ApiId']}.execute-api.localhost:{gatehouse.port}"
    assert api["Name"] == "chat"
    assert api["ProtocolType"] == "WEBSOCKET"
    assert api["RouteSelectionExpression"] == "$request.body.action"
    assert api["ApiKeySelectionExpression"] == "$request.header.x-api-key"
    assert api["DisableExecuteApiEndpoint"] is False
    assert api["Tags"] == {}
    assert isinstance(api["CreatedDate"], datetime.datetime)


def test_a_websocket_api_needs_a_route_selection_expression(v2):
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        v2.create_api(Name=unique_name("ws"), ProtocolType="WEBSOCKET")
    assert_aws_error(error, 400, "BadRequestException", "RouteSelectionExpression is required for WEBSOCKET APIs")


@pytest.mark.parametrize("expression", ["$request.method", "action", "$request.header.action", "$request.body."])
def test_the_route_selection_expression_must_read_the_message_body(v2, expression):
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        create_ws_api(v2, RouteSelectionExpression=expression)
    assert_aws_error(error, 400, "BadRequestException", startswith="Invalid route selection expression specified")


def test_the_api_key_selection_expression_is_one_of_two(v2, apis):
    api = apis(ApiKeySelectionExpression="$context.authorizer.usageIdentifierKey")
    assert api["ApiKeySelectionExpression"] == "$context.authorizer.usageIdentifierKey"
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        apis(ApiKeySelectionExpression="$request.header.x-other-key")
    assert_aws_error(error, 400, "BadRequestException")


# ---------------------------------------------------------------------------------------------
# Control plane: routes and route responses


def test_route_keys_are_the_predefined_three_or_custom_ones(v2, api_id):
    for key in ("$connect", "$disconnect", "$default", "sendmessage"):
        created = v2.create_route(ApiId=api_id, RouteKey=key)
        assert ID7.match(created["RouteId"]), created["RouteId"]
        assert (created["RouteKey"], created["ApiKeyRequired"], created["AuthorizationType"]) == (key, False, "NONE")
    assert sorted(item["RouteKey"] for item in v2.get_routes(ApiId=api_id)["Items"]) == [
        "$connect", "$default", "$disconnect", "sendmessage"]
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        v2.create_route(ApiId=api_id, RouteKey="$getauthorized")
    assert_aws_error(error, 400, "BadRequestException", "The provided route key is not formatted properly")


def test_a_route_key_can_exist_once_per_api(v2, api_id):
    v2.create_route(ApiId=api_id, RouteKey="$connect")
    with pytest.raises(v2.exceptions.ConflictException) as error:
        v2.create_route(ApiId=api_id, RouteKey="$connect")
    assert_aws_error(error, 409, "ConflictException", "Route with key $connect already exists for this API")


def test_authorization_is_restricted_to_the_connect_route(v2, api_id, recorder):
    authorizer = v2.create_authorizer(ApiId=api_id, AuthorizerType="REQUEST", Name="auth",
                                      AuthorizerUri=lambda_uri(recorder.arn),
                                      IdentitySource=["route.request.header.Auth"])["AuthorizerId"]
    for key, kwargs in (("sendmessage", {"AuthorizationType": "CUSTOM", "AuthorizerId": authorizer}),
                        ("$default", {"AuthorizationType": "AWS_IAM"})):
        with pytest.raises(v2.exceptions.BadRequestException) as error:
            v2.create_route(ApiId=api_id, RouteKey=key, **kwargs)
        assert_aws_error(error, 400, "BadRequestException",
                         "Currently, authorization is restricted to the $connect route only")
    connect = v2.create_route(ApiId=api_id, RouteKey="$connect", AuthorizationType="CUSTOM", AuthorizerId=authorizer)
    assert (connect["AuthorizationType"], connect["AuthorizerId"]) == ("CUSTOM", authorizer)


def test_a_route_response_key_can_only_be_default(v2, api_id):
    route_id = v2.create_route(ApiId=api_id, RouteKey="sendmessage")["RouteId"]
    created = v2.create_route_response(ApiId=api_id, RouteId=route_id, RouteResponseKey="$default")
    assert ID6.match(created["RouteResponseId"]), created["RouteResponseId"]
    assert created["RouteResponseKey"] == "$default"
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        v2.create_route_response(ApiId=api_id, RouteId=route_id, RouteResponseKey="success")
    assert_aws_error(error, 400, "BadRequestException")
    assert [item["RouteResponseKey"] for item in v2.get_route_responses(ApiId=api_id, RouteId=route_id)["Items"]] == [
        "$default"]


# ---------------------------------------------------------------------------------------------
# Control plane: integrations, integration responses and authorizers


def test_a_lambda_proxy_integration_gets_the_websocket_defaults(v2, api_id, recorder):
    created = v2.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=lambda_uri(recorder.arn))
    assert ID7.match(created["IntegrationId"]), created["IntegrationId"]
    assert created["IntegrationType"] == "AWS_PROXY"
    assert created["IntegrationUri"] == lambda_uri(recorder.arn)
    assert created["IntegrationMethod"] == "POST"
    assert created["PayloadFormatVersion"] == "1.0"
    assert created["TimeoutInMillis"] == 29000
    assert created["PassthroughBehavior"] == "WHEN_NO_MATCH"
    assert created["ConnectionType"] == "INTERNET"


@pytest.mark.parametrize("integration_type", ["MOCK", "HTTP"])
def test_mock_and_http_integrations_select_responses_by_status_code(v2, api_id, upstream, integration_type):
    kwargs = {} if integration_type == "MOCK" else {"IntegrationUri": f"{upstream.url}/ws", "IntegrationMethod": "POST"}
    created = v2.create_integration(ApiId=api_id, IntegrationType=integration_type, **kwargs)
    assert created["IntegrationResponseSelectionExpression"] == "${integration.response.statuscode}"
    assert created["PayloadFormatVersion"] == "1.0"
    assert created["TimeoutInMillis"] == 29000
    assert created["PassthroughBehavior"] == "WHEN_NO_MATCH"


def test_all_five_integration_types_are_accepted(v2, api_id, recorder, upstream):
    for integration_type, uri in (("AWS", lambda_uri(recorder.arn)), ("AWS_PROXY", lambda_uri(recorder.arn)),
                                  ("HTTP", f"{upstream.url}/ws"), ("HTTP_PROXY", f"{upstream.url}/ws"), ("MOCK", None)):
        kwargs = {"IntegrationUri": uri, "IntegrationMethod": "POST"} if uri else {}
        assert v2.create_integration(ApiId=api_id, IntegrationType=integration_type, **kwargs)["IntegrationType"] == \
            integration_type
    assert len(v2.get_integrations(ApiId=api_id)["Items"]) == 5


def test_an_integration_takes_payload_format_1_0_only(v2, api_id, recorder):
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        lambda_integration(v2, api_id, recorder.arn, PayloadFormatVersion="2.0")
    assert_aws_error(error, 400, "BadRequestException")


def test_an_integration_timeout_is_at_most_29_seconds(v2, api_id, recorder):
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        lambda_integration(v2, api_id, recorder.arn, TimeoutInMillis=29001)
    assert_aws_error(error, 400, "BadRequestException")
    integration = lambda_integration(v2, api_id, recorder.arn, TimeoutInMillis=29000)
    assert v2.get_integration(ApiId=api_id, IntegrationId=integration)["TimeoutInMillis"] == 29000


@pytest.mark.parametrize("integration_type", ["AWS_PROXY", "AWS", "HTTP", "HTTP_PROXY"])
def test_an_integration_needs_a_uri_unless_it_is_a_mock(v2, api_id, integration_type):
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        v2.create_integration(ApiId=api_id, IntegrationType=integration_type, IntegrationMethod="POST")
    assert_aws_error(error, 400, "BadRequestException")


def test_an_integration_response_key_is_default_or_a_regex(v2, api_id):
    integration = v2.create_integration(ApiId=api_id, IntegrationType="MOCK")["IntegrationId"]
    for key in ("$default", "/2\\d\\d/"):
        created = v2.create_integration_response(ApiId=api_id, IntegrationId=integration, IntegrationResponseKey=key)
        assert created["IntegrationResponseKey"] == key
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        v2.create_integration_response(ApiId=api_id, IntegrationId=integration, IntegrationResponseKey="200")
    assert_aws_error(error, 400, "BadRequestException")


def test_an_authorizer_is_a_request_authorizer_reading_the_connect_request(v2, api_id, recorder):
    created = v2.create_authorizer(ApiId=api_id, AuthorizerType="REQUEST", Name="auth",
                                   AuthorizerUri=lambda_uri(recorder.arn),
                                   IdentitySource=["route.request.header.Auth", "route.request.querystring.token"])
    assert created["AuthorizerType"] == "REQUEST"
    assert created["IdentitySource"] == ["route.request.header.Auth", "route.request.querystring.token"]
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        v2.create_authorizer(ApiId=api_id, AuthorizerType="JWT", Name="jwt", IdentitySource=["$request.header.Auth"],
                             JwtConfiguration={"Issuer": "https://issuer.example", "Audience": ["a"]})
    assert_aws_error(error, 400, "BadRequestException")
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        v2.create_authorizer(ApiId=api_id, AuthorizerType="REQUEST", Name="http-style",
                             AuthorizerUri=lambda_uri(recorder.arn), IdentitySource=["$request.header.Auth"])
    assert_aws_error(error, 400, "BadRequestException")


# ---------------------------------------------------------------------------------------------
# Control plane: stages and deployments


def test_a_websocket_stage_may_set_execution_logging_unlike_an_http_api(v2, api_id):
    stage = v2.create_stage(ApiId=api_id, StageName="dev",
                            DefaultRouteSettings={"LoggingLevel": "INFO", "DataTraceEnabled": True})
    assert stage["DefaultRouteSettings"]["LoggingLevel"] == "INFO"
    assert stage["DefaultRouteSettings"]["DataTraceEnabled"] is True
    assert v2.get_stage(ApiId=api_id, StageName="dev")["DefaultRouteSettings"]["LoggingLevel"] == "INFO"

    http_api = v2.create_api(Name=unique_name("http"), ProtocolType="HTTP")["ApiId"]
    try:
        with pytest.raises(v2.exceptions.BadRequestException) as error:
            v2.create_stage(ApiId=http_api, StageName="dev", DefaultRouteSettings={"LoggingLevel": "INFO"})
        assert_aws_error(error, 400, "BadRequestException")
    finally:
        v2.delete_api(ApiId=http_api)


def test_an_auto_deploy_stage_deploys_each_change(v2, api_id, sockets):
    route(v2, api_id, "ping", mock_integration(v2, api_id), two_way=True)
    first = v2.create_stage(ApiId=api_id, StageName="live", AutoDeploy=True)["DeploymentId"]
    ws = sockets.open(api_id, "live")
    assert ask_json(ws, {"action": "ping"})["echo"] == "ping"

    route(v2, api_id, "later", mock_integration(v2, api_id), two_way=True)
    second = v2.get_stage(ApiId=api_id, StageName="live")["DeploymentId"]
    assert second != first
    deployment = {item["DeploymentId"]: item for item in v2.get_deployments(ApiId=api_id)["Items"]}[second]
    assert (deployment["AutoDeployed"], deployment["DeploymentStatus"]) == (True, "DEPLOYED")
    assert ask_json(sockets.open(api_id, "live"), {"action": "later"})["echo"] == "later"


def test_without_a_deployment_the_stage_keeps_its_routes(v2, api_id, sockets):
    route(v2, api_id, "ping", mock_integration(v2, api_id), two_way=True)
    deploy(v2, api_id)
    route(v2, api_id, "later", mock_integration(v2, api_id), two_way=True)
    ws = sockets.open(api_id)
    assert FORBIDDEN_FRAME.match(ask(ws, {"action": "later"}))
    v2.create_deployment(ApiId=api_id, StageName="dev")
    assert ask_json(sockets.open(api_id), {"action": "later"})["echo"] == "later"


# ---------------------------------------------------------------------------------------------
# $connect


def test_a_stage_without_a_connect_route_accepts_every_connection(mock_api, sockets):
    ws = sockets.open(mock_api)
    answer = ask_json(ws, {"action": "ping"})
    assert answer["echo"] == "ping"
    assert AWS_ID.match(answer["id"]), answer


@pytest.mark.parametrize("form", ["path", "host"])
def test_the_connect_event_describes_the_upgrade_request(gatehouse, chat, recorder, sockets, form):
    before = int(time.time() * 1000)
    ws = sockets.open(chat, query="a=1&a=2&b=x", form=form, headers=["X-Custom: Value"])
    after = int(time.time() * 1000)
    event = recorder.connect_event(ws.tag)

    context = event["requestContext"]
    assert context["routeKey"] == "$connect"
    assert context["eventType"] == "CONNECT"
    assert AWS_ID.match(context["connectionId"]), context["connectionId"]
    assert AWS_ID.match(context["requestId"]), context["requestId"]
    assert context["extendedRequestId"] == context["requestId"]
    assert before - 1000 <= context["connectedAt"] <= after + 1000
    assert context["connectedAt"] <= context["requestTimeEpoch"] <= after + 1000
    assert REQUEST_TIME.match(context["requestTime"]), context["requestTime"]
    assert context["messageDirection"] == "IN"
    assert context["stage"] == "dev"
    assert context["apiId"] == chat
    assert context["domainName"] == f"127.0.0.1:{gatehouse.port}"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == USER_AGENT
    assert "messageId" not in context
    assert "body" not in event

    headers = event["headers"]
    assert headers["X-Custom"] == "Value"
    assert headers["X-Tag"] == ws.tag
    assert headers["Sec-WebSocket-Version"] == "13"
    assert headers["Sec-WebSocket-Key"]
    host = f"{chat}.execute-api.localhost:{gatehouse.port}" if form == "host" else f"127.0.0.1:{gatehouse.port}"
    assert {name.lower(): value for name, value in headers.items()}["host"] == host
    assert not {"upgrade", "connection"} & {name.lower() for name in headers}, headers
    assert event["multiValueHeaders"]["X-Custom"] == ["Value"]
    assert event["queryStringParameters"] == {"a": "2", "b": "x"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x"]}
    assert event["isBase64Encoded"] is False


def test_the_connect_event_has_no_query_members_without_a_query(chat, recorder, sockets):
    event = recorder.connect_event(sockets.open(chat).tag)
    assert "queryStringParameters" not in event, event
    assert "multiValueQueryStringParameters" not in event, event


def test_headers_connect_returns_join_the_handshake(chat, sockets):
    ws = sockets.open(chat, query="protocol=chat.v2", subprotocols=["chat.v1", "chat.v2"])
    assert ws.getstatus() == 101
    assert ws.getheaders()["sec-websocket-protocol"] == "chat.v2"
    assert ws.getsubprotocol() == "chat.v2"


@pytest.mark.parametrize("status", [400, 403, 500])
def test_a_connect_status_outside_2xx_refuses_the_upgrade_with_it(chat, sockets, status):
    assert sockets.refusal(chat, query=f"status={status}") == status


def test_a_connect_function_that_fails_refuses_the_upgrade_with_502(chat, recorder, sockets):
    assert sockets.refusal(chat, query="raise=1") == 502
    assert sockets.open(chat).getstatus() == 101


def test_posting_to_a_connection_inside_its_connect_is_gone(chat, recorder, sockets):
    ws = sockets.open(chat, query="selfpost=1")
    connection = connection_id(recorder, ws)
    outcome = recorder.wait(lambda e: e.get("connectionId") == connection and "selfpost" in e)["selfpost"]
    assert outcome == {"code": "GoneException", "status": 410}
    # The post did not reach the client: the first frame is the answer to the first message.
    assert ask_json(ws, {"action": "echo"})["requestContext"]["routeKey"] == "echo"


# ---------------------------------------------------------------------------------------------
# $connect authorizers


@pytest.fixture(scope="module")
def authorizer_fn(lambda_client, recorder):
    """The ARN of the AUTHORIZER function, recording on the recorder's channel."""
    arn = _function(lambda_client, AUTHORIZER, EVENTS=recorder.channel.url)
    yield arn
    lambda_client.delete_function(FunctionName=arn)


@pytest.fixture(scope="module")
def guarded(v2, recorder, authorizer_fn):
    """A chat API whose $connect has a REQUEST authorizer on the Auth header and the token
    query parameter, deployed on dev; its id."""
    api_id = create_ws_api(v2)["ApiId"]
    integration = lambda_integration(v2, api_id, recorder.arn)
    authorizer = v2.create_authorizer(
        ApiId=api_id, AuthorizerType="REQUEST", Name="auth", AuthorizerUri=lambda_uri(authorizer_fn),
        IdentitySource=["route.request.header.Auth", "route.request.querystring.token"])["AuthorizerId"]
    route(v2, api_id, "$connect", integration, AuthorizationType="CUSTOM", AuthorizerId=authorizer)
    route(v2, api_id, "$disconnect", integration)
    route(v2, api_id, "$default", integration, two_way=True)
    deploy(v2, api_id)
    yield api_id
    v2.delete_api(ApiId=api_id)


def _authorizer_calls(recorder, auth):
    return [e["authorizerEvent"] for e in recorder.entries()
            if "authorizerEvent" in e and (e["authorizerEvent"].get("headers") or {}).get("Auth") == auth]


def test_a_connect_missing_an_identity_source_answers_401_without_calling_the_authorizer(guarded, recorder, sockets):
    auth = f"allow:{uuid.uuid4().hex}"
    assert sockets.refusal(guarded, headers=[f"Auth: {auth}"]) == 401
    assert sockets.refusal(guarded, query="token=t1") == 401
    assert _authorizer_calls(recorder, auth) == []


def test_a_connect_the_authorizer_denies_answers_403(guarded, sockets):
    assert sockets.refusal(guarded, query="token=t1", headers=[f"Auth: deny:{uuid.uuid4().hex}"]) == 403


def test_a_connect_the_authorizer_calls_unauthorized_answers_401(guarded, sockets):
    assert sockets.refusal(guarded, query="token=t1", headers=[f"Auth: unauthorized:{uuid.uuid4().hex}"]) == 401


def test_the_authorizer_gets_the_connect_request_as_a_request_event(guarded, recorder, sockets):
    auth = f"allow:{uuid.uuid4().hex}"
    sockets.open(guarded, query="token=t1", headers=[f"Auth: {auth}"])
    [event] = _authorizer_calls(recorder, auth)
    assert event["type"] == "REQUEST"
    assert event["methodArn"] == f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{guarded}/dev/$connect"
    assert event["queryStringParameters"] == {"token": "t1"}
    assert {name.lower(): value for name, value in event["headers"].items()}["upgrade"].lower() == "websocket"
    assert event["requestContext"]["routeKey"] == "$connect"
    assert event["requestContext"]["eventType"] == "CONNECT"
    assert event["requestContext"]["apiId"] == guarded


def test_an_allowed_connect_carries_the_authorizer_context_into_every_event(guarded, recorder, sockets):
    ws = sockets.open(guarded, query="token=t1", headers=[f"Auth: allow:{uuid.uuid4().hex}"])
    connect = recorder.connect_event(ws.tag)
    connection = connect["requestContext"]["connectionId"]
    message = ask_json(ws, {"action": "anything"})
    ws.close()
    disconnect = recorder.event(connection, "DISCONNECT")
    for event in (connect, message, disconnect):
        authorizer = event["requestContext"]["authorizer"]
        assert (authorizer["principalId"], authorizer["user"], str(authorizer["tier"])) == ("user-1", "ann", "3"), event


def test_an_iam_connect_route_needs_a_signed_upgrade(gatehouse, v2, api_id, sockets):
    route(v2, api_id, "$connect", mock_integration(v2, api_id), AuthorizationType="AWS_IAM")
    route(v2, api_id, "ping", mock_integration(v2, api_id), two_way=True)
    deploy(v2, api_id)
    assert sockets.refusal(api_id) == 403

    signed = AWSRequest(method="GET", url=f"http://127.0.0.1:{gatehouse.port}/{api_id}/dev")
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "execute-api", REGION).add_auth(signed)
    ws = sockets.open(api_id, headers=[f"{name}: {value}" for name, value in signed.headers.items()])
    assert ask_json(ws, {"action": "ping"})["echo"] == "ping"


def test_an_iam_connect_route_takes_a_presigned_url_as_browsers_send_it(gatehouse, v2, api_id, sockets):
    route(v2, api_id, "$connect", mock_integration(v2, api_id), AuthorizationType="AWS_IAM")
    route(v2, api_id, "ping", mock_integration(v2, api_id), two_way=True)
    deploy(v2, api_id)
    query = presigned_url(f"http://127.0.0.1:{gatehouse.port}/{api_id}/dev").split("?", 1)[1]
    ws = sockets.open(api_id, query=query)
    assert ask_json(ws, {"action": "ping"})["echo"] == "ping"
    forged = presigned_url(f"http://127.0.0.1:{gatehouse.port}/{api_id}/dev", secret_key="not-the-secret").split("?", 1)[1]
    assert sockets.refusal(api_id, query=forged) == 403


def test_an_iam_connect_by_a_role_session_needs_its_identity_policies_to_allow_it(gatehouse, v2, api_id, sockets, client_factory):
    route(v2, api_id, "$connect", mock_integration(v2, api_id), AuthorizationType="AWS_IAM")
    route(v2, api_id, "ping", mock_integration(v2, api_id), two_way=True)
    deploy(v2, api_id)
    iam = client_factory(service="iam")
    name = unique_name("wscaller")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT_ID}, "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    try:
        issued = client_factory(service="sts").assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{name}", RoleSessionName="ws")["Credentials"]
        session = Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])

        def headers():
            signed = AWSRequest(method="GET", url=f"http://127.0.0.1:{gatehouse.port}/{api_id}/dev")
            SigV4Auth(session, "execute-api", REGION).add_auth(signed)
            return [f"{header}: {value}" for header, value in signed.headers.items()]

        def connect_until(allowed):
            """The socket once the server accepts it (allowed), or the refusal's status once it refuses."""
            deadline = time.monotonic() + 5
            while True:
                try:
                    ws = sockets.open(api_id, headers=headers())
                    if allowed or time.monotonic() > deadline:
                        return ws
                    ws.close()
                except websocket.WebSocketBadStatusException as refused:
                    if not allowed or time.monotonic() > deadline:
                        return refused.status_code
                time.sleep(0.05)

        # No policy allows execute-api:Invoke on $connect: refused.
        assert connect_until(allowed=False) == 403
        iam.put_role_policy(RoleName=name, PolicyName="connect", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api_id}/dev/$connect"}]}))
        ws = connect_until(allowed=True)
        assert ask_json(ws, {"action": "ping"})["echo"] == "ping"
    finally:
        delete_role(iam, name)


# ---------------------------------------------------------------------------------------------
# Messages: routing, events and answers


def test_messages_are_routed_by_the_selection_expression_else_to_default(chat, sockets):
    ws = sockets.open(chat)
    for message, key in (('{"action": "echo"}', "echo"), ('{"action": "nope"}', "$default"),
                         ("not json", "$default"), ('{"other": 1}', "$default"), ("[1, 2]", "$default"),
                         ('{"action": "$connect"}', "$default"), ('{"action": "ECHO"}', "$default")):
        event = ask_json(ws, message)
        assert (event["requestContext"]["routeKey"], event["body"]) == (key, message), message


def test_a_nested_selection_expression_reads_a_member_path(apis, v2, sockets):
    api_id = apis(RouteSelectionExpression="$request.body.meta.kind")["ApiId"]
    route(v2, api_id, "deep", mock_integration(v2, api_id), two_way=True)
    deploy(v2, api_id)
    ws = sockets.open(api_id)
    assert ask_json(ws, {"meta": {"kind": "deep"}})["echo"] == "deep"
    assert FORBIDDEN_FRAME.match(ask(ws, {"kind": "deep"}))


def test_the_message_event_describes_the_message(gatehouse, chat, recorder, sockets):
    ws = sockets.open(chat)
    connect = recorder.connect_event(ws.tag)["requestContext"]
    before = int(time.time() * 1000)
    text = '{"action": "echo", "text": "héllo\\n"}'
    event = ask_json(ws, text)
    after = int(time.time() * 1000)

    assert event["body"] == text
    assert event["isBase64Encoded"] is False
    assert "headers" not in event and "queryStringParameters" not in event, event
    context = event["requestContext"]
    assert context["routeKey"] == "echo"
    assert context["eventType"] == "MESSAGE"
    assert context["connectionId"] == connect["connectionId"]
    assert context["connectedAt"] == connect["connectedAt"]
    assert AWS_ID.match(context["messageId"]), context["messageId"]
    assert AWS_ID.match(context["requestId"]), context["requestId"]
    assert context["extendedRequestId"] == context["requestId"] != connect["requestId"]
    assert before - 1000 <= context["requestTimeEpoch"] <= after + 1000
    assert REQUEST_TIME.match(context["requestTime"]), context["requestTime"]
    assert context["messageDirection"] == "IN"
    assert (context["stage"], context["apiId"]) == ("dev", chat)
    assert context["domainName"] == f"127.0.0.1:{gatehouse.port}"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == USER_AGENT
    assert "disconnectStatusCode" not in context

    second = ask_json(ws, text)["requestContext"]
    assert second["messageId"] != context["messageId"]
    assert second["requestId"] != context["requestId"]


def test_a_one_way_route_sends_nothing_back(chat, recorder, sockets):
    ws = sockets.open(chat)
    connection = connection_id(recorder, ws)
    ws.send(json.dumps({"action": "oneway", "n": 1}))
    recorder.wait(lambda e: "requestContext" in e and e["requestContext"]["connectionId"] == connection
                  and e["requestContext"]["routeKey"] == "oneway")
    # Messages are answered in order: the next frame is the answer to the two-way message after it.
    assert ask_json(ws, {"action": "echo", "n": 2})["body"] == '{"action": "echo", "n": 2}'


def test_a_two_way_route_sends_the_body_whatever_the_status(chat, sockets):
    ws = sockets.open(chat)
    assert ask(ws, {"action": "echo", "do": "fail"}) == "failed but answered"


def test_a_function_that_fails_on_a_message_sends_internal_server_error(chat, recorder, sockets):
    ws = sockets.open(chat)
    connection = connection_id(recorder, ws)
    frame = ask(ws, {"action": "echo", "do": "raise"})
    match = ERROR_FRAME.match(frame)
    assert match, frame
    assert match.group(1) == connection
    assert AWS_ID.match(match.group(2)), frame
    assert ask_json(ws, {"action": "echo"})["requestContext"]["connectionId"] == connection


def test_an_unmatched_message_without_a_default_route_gets_forbidden_and_the_connection_stays(gatehouse, mock_api,
                                                                                             sockets):
    ws = sockets.open(mock_api)
    first = FORBIDDEN_FRAME.match(ask(ws, {"action": "nope"}))
    second = FORBIDDEN_FRAME.match(ask(ws, "not json"))
    assert first and second
    assert first.group(1) == second.group(1)
    assert first.group(2) != second.group(2)
    assert AWS_ID.match(first.group(2)), first.group(2)
    assert ask_json(ws, {"action": "ping"}) == {"echo": "ping", "id": first.group(1)}
    assert status_of(management(gatehouse, mock_api).get_connection(ConnectionId=first.group(1))) == 200


def test_a_mock_route_answers_with_its_rendered_response_template(mock_api, sockets):
    ws = sockets.open(mock_api)
    frame = ask(ws, {"action": "ping"})
    answer = json.loads(frame)
    assert frame == f'{{"echo": "ping", "id": "{answer["id"]}"}}'
    assert AWS_ID.match(answer["id"]), frame


def test_a_function_slower_than_the_integration_timeout_sends_endpoint_request_timed_out(v2, api_id, recorder,
                                                                                         sockets):
    route(v2, api_id, "$connect", lambda_integration(v2, api_id, recorder.arn))
    route(v2, api_id, "$default", lambda_integration(v2, api_id, recorder.arn, TimeoutInMillis=500), two_way=True)
    deploy(v2, api_id)
    ws = sockets.open(api_id)
    connection = connection_id(recorder, ws)
    started = time.monotonic()
    frame = ask(ws, {"do": "sleep"})
    assert time.monotonic() - started < 1.4
    match = TIMEOUT_FRAME.match(frame)
    assert match, frame
    assert match.group(1) == connection


def test_a_slow_message_does_not_hold_back_the_next_one(v2, api_id, recorder, sockets):
    """AWS runs an integration per message: a quick route answers while a slow one still runs."""
    route(v2, api_id, "$default", lambda_integration(v2, api_id, recorder.arn), two_way=True)
    route(v2, api_id, "ping", mock_integration(v2, api_id), two_way=True)
    deploy(v2, api_id)
    ws = sockets.open(api_id)
    ask_json(ws, {"do": "warm"})
    ws.send(json.dumps({"do": "sleep"}))
    ws.send(json.dumps({"action": "ping"}))
    first, second = json.loads(ws.recv()), json.loads(ws.recv())
    assert first["echo"] == "ping"
    assert json.loads(second["body"]) == {"do": "sleep"}


def test_a_lambda_integration_passes_the_message_through_and_sends_back_the_result(v2, api_id, recorder, sockets):
    integration = v2.create_integration(ApiId=api_id, IntegrationType="AWS", IntegrationMethod="POST",
                                        IntegrationUri=lambda_uri(recorder.arn))["IntegrationId"]
    v2.create_integration_response(ApiId=api_id, IntegrationId=integration, IntegrationResponseKey="$default")
    route(v2, api_id, "custom", integration, two_way=True)
    deploy(v2, api_id)
    assert ask_json(sockets.open(api_id), {"action": "custom", "n": 1}) == {"got": {"action": "custom", "n": 1}}


def test_an_http_proxy_route_posts_the_message_and_sends_back_the_answer(v2, api_id, upstream, sockets):
    integration = v2.create_integration(ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="POST",
                                        IntegrationUri=f"{upstream.url}/ws")["IntegrationId"]
    route(v2, api_id, "$default", integration, two_way=True)
    deploy(v2, api_id)
    message = '{"action": "anything", "n": 7}'
    record = ask_json(sockets.open(api_id), message)
    assert (record["method"], record["path"], record["body"]) == ("POST", "/ws", message)


# ---------------------------------------------------------------------------------------------
# $disconnect


def test_a_client_close_runs_disconnect_with_its_code(gatehouse, chat, recorder, sockets):
    ws = sockets.open(chat)
    connect = recorder.connect_event(ws.tag)["requestContext"]
    ws.close(status=1000, reason=b"bye")
    event = recorder.event(connect["connectionId"], "DISCONNECT")
    context = event["requestContext"]
    assert context["routeKey"] == "$disconnect"
    assert context["disconnectStatusCode"] == 1000
    assert context["disconnectReason"] == "bye"
    assert context["connectedAt"] == connect["connectedAt"]
    assert context["extendedRequestId"] == context["requestId"]
    assert (context["stage"], context["apiId"], context["messageDirection"]) == ("dev", chat, "IN")
    assert context["domainName"] == f"127.0.0.1:{gatehouse.port}"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert "messageId" not in context
    assert "body" not in event
    assert event["headers"]["Host"] == context["domainName"]


def _gone_outcomes(client, connection):
    """(operation, status, error code or None) of GetConnection, PostToConnection and
    DeleteConnection on the connection."""
    outcomes = []
    for name, call in (("GetConnection", lambda: client.get_connection(ConnectionId=connection)),
                       ("PostToConnection", lambda: client.post_to_connection(ConnectionId=connection, Data=b"late")),
                       ("DeleteConnection", lambda: client.delete_connection(ConnectionId=connection))):
        try:
            outcomes.append((name, status_of(call()), None))
        except ClientError as error:
            assert_request_id(error.response)
            outcomes.append((name, status_of(error.response), error.response["Error"]["Code"]))
    return outcomes


def test_delete_connection_closes_with_1000_and_runs_disconnect(gatehouse, chat, recorder, sockets):
    ws = sockets.open(chat)
    connection = connection_id(recorder, ws)
    client = management(gatehouse, chat)
    assert status_of(client.delete_connection(ConnectionId=connection)) == 204
    # Deleted is gone at once, before the client has even read the close.
    assert _gone_outcomes(client, connection) == [("GetConnection", 410, "GoneException"),
                                                  ("PostToConnection", 410, "GoneException"),
                                                  ("DeleteConnection", 410, "GoneException")]
    assert close_of(ws)[0] == 1000
    context = recorder.event(connection, "DISCONNECT")["requestContext"]
    assert (context["disconnectStatusCode"], context["disconnectReason"]) == (1000, "Connection Closed Normally")


# ---------------------------------------------------------------------------------------------
# @connections


def test_post_to_connection_sends_the_data_as_a_text_message(gatehouse, chat, recorder, sockets):
    ws = sockets.open(chat)
    connection = connection_id(recorder, ws)
    response = management(gatehouse, chat).post_to_connection(ConnectionId=connection, Data="héllo ✓".encode())
    assert status_of(response) == 200
    frame = ws.recv_frame()
    assert (frame.opcode, frame.data.decode()) == (websocket.ABNF.OPCODE_TEXT, "héllo ✓")


def test_get_connection_describes_the_connection(gatehouse, chat, recorder, sockets):
    before = time.time()
    ws = sockets.open(chat)
    connection = connection_id(recorder, ws)
    client = management(gatehouse, chat)
    described = client.get_connection(ConnectionId=connection)
    assert int(before) - 1 <= described["ConnectedAt"].timestamp() <= time.time() + 1
    assert described["LastActiveAt"] >= described["ConnectedAt"]
    assert described["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": USER_AGENT}

    time.sleep(1.1)
    ask(ws, {"action": "echo"})
    later = client.get_connection(ConnectionId=connection)
    assert later["ConnectedAt"] == described["ConnectedAt"]
    assert later["LastActiveAt"].timestamp() >= described["ConnectedAt"].timestamp() + 1


def test_an_unknown_connection_is_gone(gatehouse, chat):
    assert _gone_outcomes(management(gatehouse, chat), "AAAAAAAAAAAAAAA=") == [
        ("GetConnection", 410, "GoneException"), ("PostToConnection", 410, "GoneException"),
        ("DeleteConnection", 410, "GoneException")]


def test_data_up_to_128_kb_is_posted_and_more_is_too_large(gatehouse, chat, recorder, sockets):
    ws = sockets.open(chat)
    connection = connection_id(recorder, ws)
    client = management(gatehouse, chat)
    with pytest.raises(client.exceptions.PayloadTooLargeException) as error:
        client.post_to_connection(ConnectionId=connection, Data=b"y" * (MESSAGE_LIMIT + 1))
    assert_aws_error(error, 413, "PayloadTooLargeException")
    assert status_of(client.post_to_connection(ConnectionId=connection, Data=b"x" * MESSAGE_LIMIT)) == 200
    assert ws.recv() == "x" * MESSAGE_LIMIT


def test_the_connections_endpoint_answers_in_the_host_form(gatehouse, chat, recorder, sockets):
    ws = sockets.open(chat)
    connection = connection_id(recorder, ws)
    posted = host_form_request(gatehouse, chat, "dev", "POST", connection, b"by host")
    assert posted.status_code == 200, posted.text
    assert ws.recv() == "by host"
    described = host_form_request(gatehouse, chat, "dev", "GET", connection)
    assert described.status_code == 200, described.text
    body = described.json()
    assert set(body) == {"connectedAt", "lastActiveAt", "identity"}, body
    assert body["identity"] == {"sourceIp": "127.0.0.1", "userAgent": USER_AGENT}
    assert datetime.datetime.strptime(body["connectedAt"], "%Y-%m-%dT%H:%M:%SZ")
    deleted = host_form_request(gatehouse, chat, "dev", "DELETE", connection)
    assert deleted.status_code == 204, deleted.text
    assert close_of(ws)[0] == 1000
    recorder.event(connection, "DISCONNECT")
    gone = host_form_request(gatehouse, chat, "dev", "GET", connection)
    assert (gone.status_code, gone.headers.get("x-amzn-ErrorType")) == (410, "GoneException")


def test_the_connections_endpoint_answers_over_tls_with_the_stage_only(gatehouse, chat, recorder, sockets):
    ws = sockets.open(chat)
    connection = connection_id(recorder, ws)
    client = boto3.session.Session().client(
        "apigatewaymanagementapi", endpoint_url=f"https://127.0.0.1:{gatehouse.port}/dev", region_name=REGION,
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        verify=os.path.join(gatehouse.data_dir, "tls", "ca.pem"), config=Config(retries={"max_attempts": 1}))
    assert status_of(client.post_to_connection(ConnectionId=connection, Data=b"over tls")) == 200
    assert ws.recv() == "over tls"
    assert client.get_connection(ConnectionId=connection)["Identity"]["SourceIp"] == "127.0.0.1"


@pytest.fixture(scope="module")
def broadcast_api(v2, lambda_client, board):
    """A chat room on the BROADCASTER function, deployed on dev; (api id, connections channel)."""
    path = board.channel()
    arn = _function(lambda_client, BROADCASTER, CONNECTIONS=path.url)
    api_id = create_ws_api(v2)["ApiId"]
    integration = lambda_integration(v2, api_id, arn)
    for key in ("$connect", "$disconnect", "broadcast"):
        route(v2, api_id, key, integration)
    deploy(v2, api_id)
    yield api_id, path
    v2.delete_api(ApiId=api_id)
    lambda_client.delete_function(FunctionName=arn)


def _stored(channel):
    marks = channel.records()
    gone = {mark["gone"] for mark in marks if "gone" in mark}
    return [mark["connected"] for mark in marks if "connected" in mark and mark["connected"] not in gone]


def _wait_stored(path, count, timeout=5.0):
    deadline = time.monotonic() + timeout
    while len(_stored(path)) != count and time.monotonic() < deadline:
        time.sleep(0.05)
    return _stored(path)


def test_a_handler_broadcasts_to_every_stored_connection(broadcast_api, sockets):
    api_id, path = broadcast_api
    alice, bob = sockets.open(api_id), sockets.open(api_id)
    assert len(_wait_stored(path, 2)) == 2
    alice.send(json.dumps({"action": "broadcast", "text": "hello, room"}))
    assert alice.recv() == "hello, room"
    assert bob.recv() == "hello, room"

    bob.close()
    assert len(_wait_stored(path, 1)) == 1
    alice.send(json.dumps({"action": "broadcast", "text": "just us"}))
    assert alice.recv() == "just us"


# ---------------------------------------------------------------------------------------------
# TLS


def test_wss_is_served_on_the_same_port(gatehouse, chat, recorder, sockets):
    ws = sockets.open(chat, scheme="wss", sslopt={"ca_certs": os.path.join(gatehouse.data_dir, "tls", "ca.pem")})
    event = ask_json(ws, {"action": "echo"})
    assert event["requestContext"]["connectionId"] == connection_id(recorder, ws)
    assert event["requestContext"]["routeKey"] == "echo"


# ---------------------------------------------------------------------------------------------
# Frame and message limits


def test_a_frame_of_32_kb_is_routed(mock_api, sockets):
    ws = sockets.open(mock_api)
    assert ask_json(ws, sized(FRAME_LIMIT))["echo"] == "ping"


def test_a_frame_over_32_kb_closes_with_1009(mock_api, sockets):
    ws = sockets.open(mock_api)
    send_quietly(lambda: ws.send(sized(FRAME_LIMIT + 1)))
    assert close_of(ws)[0] == 1009


def test_a_message_of_128_kb_in_fragments_is_routed(mock_api, sockets):
    ws = sockets.open(mock_api)
    send_fragmented(ws, sized(MESSAGE_LIMIT))
    assert json.loads(ws.recv())["echo"] == "ping"


def test_a_message_over_128_kb_closes_with_1009(mock_api, sockets):
    ws = sockets.open(mock_api)
    send_quietly(lambda: send_fragmented(ws, sized(MESSAGE_LIMIT + 1)))
    assert close_of(ws)[0] == 1009


def test_a_binary_frame_closes_with_1003(mock_api, sockets):
    ws = sockets.open(mock_api)
    send_quietly(lambda: ws.send_binary(b"\x00\x01\x02"))
    assert close_of(ws) == (1003, "Binary frames are not supported")


def test_a_text_frame_that_is_not_utf8_closes_with_1007(mock_api, sockets):
    ws = sockets.open(mock_api)
    send_quietly(lambda: ws.send(b"\xff\xfe{}", opcode=websocket.ABNF.OPCODE_TEXT))
    assert close_of(ws)[0] == 1007


def test_a_ping_is_answered_with_a_pong_carrying_its_data(mock_api, sockets):
    ws = sockets.open(mock_api)
    ws.ping("are you there")
    frame = ws.recv_frame()
    assert (frame.opcode, frame.data) == (websocket.ABNF.OPCODE_PONG, b"are you there")
    assert ask_json(ws, {"action": "ping"})["echo"] == "ping"


def test_messages_sent_back_to_back_are_answered_in_order(v2, sockets):
    api_id = create_ws_api(v2)["ApiId"]
    route(v2, api_id, "ping", mock_integration(v2, api_id), two_way=True)
    route(v2, api_id, "$default", mock_integration(v2, api_id), two_way=True)
    deploy(v2, api_id)
    ws = sockets.open(api_id)
    sent = [json.dumps({"action": "ping"}) if n % 3 else "not json" for n in range(30)]
    for message in sent:
        ws.send(message)
    answers = [json.loads(ws.recv())["echo"] for _ in sent]
    assert answers == ["$default" if message == "not json" else "ping" for message in sent]
    v2.delete_api(ApiId=api_id)


# ---------------------------------------------------------------------------------------------
# Logs


def test_info_logging_writes_execution_logs_for_every_event(v2, api_id, recorder, logs_client, sockets):
    chat_routes(v2, api_id, recorder.arn)
    deploy(v2, api_id, DefaultRouteSettings={"LoggingLevel": "INFO"})
    ws = sockets.open(api_id)
    connect = recorder.connect_event(ws.tag)["requestContext"]
    message = ask_json(ws, {"action": "echo"})["requestContext"]
    ws.close()
    disconnect = recorder.event(connect["connectionId"], "DISCONNECT")["requestContext"]

    request_ids = [connect["requestId"], message["requestId"], disconnect["requestId"]]
    group = f"API-Gateway-Execution-Logs_{api_id}/dev"
    lines = logged_lines(logs_client, group, lambda line: any(line.startswith(f"({rid}) ") for rid in request_ids),
                         count=6)
    for request_id in request_ids:
        assert any(line.startswith(f"({request_id}) ") for line in lines), (request_id, lines)
    assert any(connect["connectionId"] in line for line in lines), lines


def test_access_logs_get_a_line_per_connect_message_and_disconnect(v2, api_id, recorder, logs_client, sockets):
    chat_routes(v2, api_id, recorder.arn)
    deploy(v2, api_id, AccessLogSettings={
        "DestinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{ACCESS_GROUP}", "Format": ACCESS_FORMAT})
    ws = sockets.open(api_id)
    connection = connection_id(recorder, ws)
    ask(ws, {"action": "echo"})
    ask(ws, "not json")
    ws.close()
    recorder.event(connection, "DISCONNECT")
    lines = logged_lines(logs_client, ACCESS_GROUP, lambda line: connection in line, count=4)
    assert sorted(lines) == sorted([f"CONNECT $connect {connection} 200", f"MESSAGE echo {connection} 200",
                                    f"MESSAGE $default {connection} 200", f"DISCONNECT $disconnect {connection} 200"])


# ---------------------------------------------------------------------------------------------
# Idle timeout and maximum duration (a server of their own: idle 1 s, at most 3 s)


@pytest.fixture(scope="module")
def short_lived():
    yield from _served({"GATEHOUSE_WEBSOCKET_IDLE_SECONDS": "1", "GATEHOUSE_WEBSOCKET_MAX_SECONDS": "3"})


@pytest.fixture(scope="module")
def short_lived_api(short_lived, board):
    """(server, api id, recorder): a chat API on the short-lived server, deployed on dev."""
    lambda_client = make_client(short_lived, "lambda")
    client = make_client(short_lived, "apigatewayv2")
    made = _recorder(lambda_client, board)
    api_id = create_ws_api(client)["ApiId"]
    chat_routes(client, api_id, made.arn)
    deploy(client, api_id)
    yield short_lived, api_id, made
    _drop(lambda_client, made)


@pytest.fixture
def short_lived_sockets(short_lived):
    opened = Sockets(short_lived)
    yield opened
    opened.close_all()


def test_an_idle_connection_closes_with_1001_going_away(short_lived_api, short_lived_sockets):
    server, api_id, made = short_lived_api
    opened = time.monotonic()
    ws = short_lived_sockets.open(api_id)
    connection = connection_id(made, ws)
    assert close_of(ws, timeout=4)[0] == 1001
    assert 0.8 <= time.monotonic() - opened < 2.9
    context = made.event(connection, "DISCONNECT")["requestContext"]
    assert (context["disconnectStatusCode"], context["disconnectReason"]) == (1001, "Going away")


def test_messages_keep_a_connection_open_until_its_maximum_duration(short_lived_api, short_lived_sockets):
    server, api_id, made = short_lived_api
    opened = time.monotonic()
    ws = short_lived_sockets.open(api_id)
    connection = connection_id(made, ws)
    answered, code = 0, None
    while code is None and time.monotonic() - opened < 6:
        send_quietly(lambda: ws.send(json.dumps({"action": "echo"})))
        frame = ws.recv_frame()
        if frame.opcode == websocket.ABNF.OPCODE_CLOSE:
            code = int.from_bytes(frame.data[:2], "big")
            send_quietly(lambda: ws.send_close(code))
        else:
            assert json.loads(frame.data)["requestContext"]["connectionId"] == connection
            answered += 1
            time.sleep(0.3)
    elapsed = time.monotonic() - opened
    assert code == 1001
    assert 2.9 <= elapsed < 4.5, elapsed
    assert answered >= 5
    assert made.event(connection, "DISCONNECT")["requestContext"]["disconnectStatusCode"] == 1001


# ---------------------------------------------------------------------------------------------
# Connection rate (a server of its own: 2 new connections a second)


@pytest.fixture(scope="module")
def rate_limited():
    yield from _served({"GATEHOUSE_WEBSOCKET_CONNECT_RATE": "2"})


def test_new_connections_past_the_rate_answer_429(rate_limited):
    client = make_client(rate_limited, "apigatewayv2")
    api_id = create_ws_api(client)["ApiId"]
    route(client, api_id, "ping", mock_integration(client, api_id), two_way=True)
    deploy(client, api_id)
    opened = Sockets(rate_limited)
    try:
        first, second = opened.open(api_id), opened.open(api_id)
        assert opened.refusal(api_id) == 429
        assert ask_json(first, {"action": "ping"})["echo"] == "ping"
        assert ask_json(second, {"action": "ping"})["echo"] == "ping"
        time.sleep(0.6)
        assert ask_json(opened.open(api_id), {"action": "ping"})["echo"] == "ping"
    finally:
        opened.close_all()


# ---------------------------------------------------------------------------------------------
# Stage throttling and API keys


def test_a_route_past_its_throttle_gets_too_many_requests_and_the_connection_stays(v2, sockets):
    api_id = create_ws_api(v2)["ApiId"]
    route(v2, api_id, "ping", mock_integration(v2, api_id), two_way=True)
    deploy(v2, api_id, RouteSettings={"ping": {"ThrottlingBurstLimit": 1, "ThrottlingRateLimit": 0.5}})
    ws = sockets.open(api_id)
    assert ask_json(ws, {"action": "ping"})["echo"] == "ping"
    refused = ask_json(ws, {"action": "ping"})
    assert refused["message"] == "Too Many Requests"
    assert set(refused) == {"message", "connectionId", "requestId"}
    assert ws.connected


def test_a_connect_route_past_its_throttle_refuses_the_upgrade_with_429(v2, sockets):
    api_id = create_ws_api(v2)["ApiId"]
    route(v2, api_id, "$connect", mock_integration(v2, api_id))
    route(v2, api_id, "ping", mock_integration(v2, api_id), two_way=True)
    deploy(v2, api_id, RouteSettings={"$connect": {"ThrottlingBurstLimit": 1, "ThrottlingRateLimit": 0.5}})
    assert sockets.open(api_id).getstatus() == 101
    assert sockets.refusal(api_id) == 429


@pytest.fixture
def keyed_api(gatehouse, v2):
    """A WebSocket API whose $connect requires an API key, its stage in a usage plan with a quota
    of 2 connections a day, and the plan's key: (api id, key value)."""
    apigateway = make_client(gatehouse, "apigateway")
    api_id = create_ws_api(v2)["ApiId"]
    route(v2, api_id, "$connect", mock_integration(v2, api_id), ApiKeyRequired=True)
    route(v2, api_id, "ping", mock_integration(v2, api_id), two_way=True)
    deploy(v2, api_id)
    plan = apigateway.create_usage_plan(name=unique_name("ws-plan"), apiStages=[{"apiId": api_id, "stage": "dev"}],
                                        quota={"limit": 2, "period": "DAY"})["id"]
    key = apigateway.create_api_key(name=unique_name("ws-key"), enabled=True)
    apigateway.create_usage_plan_key(usagePlanId=plan, keyId=key["id"], keyType="API_KEY")
    yield api_id, key["value"]
    apigateway.delete_usage_plan_key(usagePlanId=plan, keyId=key["id"])
    apigateway.update_usage_plan(usagePlanId=plan, patchOperations=[{"op": "remove", "path": "/apiStages", "value": f"{api_id}:dev"}])
    apigateway.delete_usage_plan(usagePlanId=plan)
    apigateway.delete_api_key(apiKey=key["id"])
    v2.delete_api(ApiId=api_id)


def test_a_connect_that_requires_an_api_key_refuses_none_or_an_unknown_one_with_403(keyed_api, sockets):
    api_id, _ = keyed_api
    assert sockets.refusal(api_id) == 403
    assert sockets.refusal(api_id, headers=["x-api-key: not-a-key-of-this-gateway"]) == 403


def test_a_connect_with_a_key_in_the_stages_plan_opens_until_the_quota_is_used(keyed_api, sockets):
    api_id, value = keyed_api
    for _ in range(2):
        ws = sockets.open(api_id, headers=[f"x-api-key: {value}"])
        assert ask_json(ws, {"action": "ping"})["echo"] == "ping"
    assert sockets.refusal(api_id, headers=[f"x-api-key: {value}"]) == 429
