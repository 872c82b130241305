"""Lambda proxy integrations (AWS_PROXY) of REST APIs: the payload format 1.0 event, the
function result mapped back to the response, malformed results and function errors, timeouts,
the resource policy API Gateway needs, qualified and stage-variable function names,
TestInvokeMethod, stage execution/access logs and many concurrent requests."""
import base64
import datetime
import http.client
import json
import re
import threading
import time
import uuid

import pytest
import requests

from conftest import BINARY_PAYLOAD, InvokableApi, make_client
from helpers import (ACCOUNT_ID, LAMBDA_ROLE, REGION, create_python_function, function_arn, make_zip, poll_log_messages,
                     unique_name)

ECHO = """
import json

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}
"""

# Returns the proxy result named by ?mode=...
RESPONDER = """
import base64
import json
import os
import time

PNG = bytes(range(256)) + b"\\x89PNG\\r\\n\\x1a\\n"

RESULTS = {
    "string_status": {"statusCode": "201", "body": "created"},
    "no_status": {"body": "implicit"},
    "headers": {"statusCode": 202, "headers": {"X-One": "a", "Content-Type": "text/plain"},
                "multiValueHeaders": {"X-Multi": ["1", "2"]}, "body": "with headers"},
    "default_type": {"statusCode": 200, "body": "{\\"typed\\": false}"},
    "no_body": {"statusCode": 204},
    "binary": {"statusCode": 200, "headers": {"Content-Type": "image/png"},
               "body": base64.b64encode(PNG).decode(), "isBase64Encoded": True},
    "list": [1, 2],
    "string": "just text",
    "none": None,
    "unknown_key": {"statusCode": 200, "body": "x", "extra": 1},
    "object_body": {"statusCode": 200, "body": {"a": 1}},
    "bad_base64": {"statusCode": 200, "body": "%%% not base64 %%%", "isBase64Encoded": True},
}

def handler(event, context):
    query = event.get("queryStringParameters") or {}
    mode = query.get("mode")
    if mode == "raise":
        raise RuntimeError("boom")
    if mode == "pid":
        return {"statusCode": 200, "body": json.dumps({"pid": os.getpid(), "n": query.get("n")})}
    if mode == "sleep":
        time.sleep(float(query["s"]))
        return {"statusCode": 200, "body": "slept"}
    return RESULTS[mode]
"""

PNG = bytes(range(256)) + b"\x89PNG\r\n\x1a\n"

# Which version and ARN ran (for qualifiers and stage variables).
WHOAMI = """
import json

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({
        "name": context.function_name, "version": context.function_version, "arn": context.invoked_function_arn})}
"""

# AWS's documented payload format 1.0 (REST API Lambda proxy input format), key for key.
EVENT_KEYS = {
    "resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
    "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext", "body",
    "isBase64Encoded"}
CONTEXT_KEYS = {
    "resourceId", "resourcePath", "httpMethod", "extendedRequestId", "requestTime", "path", "accountId", "protocol",
    "stage", "domainPrefix", "requestTimeEpoch", "requestId", "identity", "domainName", "deploymentId", "apiId"}
IDENTITY_KEYS = {
    "cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller", "sourceIp", "principalOrgId", "accessKey",
    "cognitoAuthenticationType", "cognitoAuthenticationProvider", "userArn", "userAgent", "user"}
REQUEST_TIME = re.compile(r"^\d{2}/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/\d{4}:\d{2}:\d{2}:\d{2} \+0000$")
INTERNAL_ERROR = {"message": "Internal server error"}


# ---------------------------------------------------------------------------------------------
# Helpers


def lambda_uri(function):
    """The integration uri for `function` (a name, `name:qualifier` or with `${stageVariables.x}`)."""
    return (f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
            f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function}/invocations")


def execute_api_arn(api_id, method="*", path="*", stage="*"):
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api_id}/{stage}/{method}/{path.lstrip('/')}"


def allow(lambda_client, function, source_arn=None, qualifier=None, statement_id=None):
    """`lambda add-permission` for apigateway.amazonaws.com; returns the statement id."""
    statement_id = statement_id or unique_name("apigw")
    kwargs = {}
    if source_arn:
        kwargs["SourceArn"] = source_arn
    if qualifier:
        kwargs["Qualifier"] = qualifier
    lambda_client.add_permission(FunctionName=function, StatementId=statement_id, Action="lambda:InvokeFunction",
                                 Principal="apigateway.amazonaws.com", **kwargs)
    return statement_id


def lambda_proxy(api, path, function, http_method="GET", timeout=None):
    """An AWS_PROXY method at `path` calling `function`; returns the resource id."""
    resource = api.method(path, http_method)
    kwargs = {"timeoutInMillis": timeout} if timeout is not None else {}
    api.apigw.put_integration(restApiId=api.id, resourceId=resource, httpMethod=http_method, type="AWS_PROXY",
                              integrationHttpMethod="POST", uri=lambda_uri(function), **kwargs)
    return resource


def assert_internal_error(response, status):
    """AWS's answer for a Lambda proxy failure: {"message": "Internal server error"}."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.json() == INTERNAL_ERROR
    assert response.headers.get("x-amzn-ErrorType") == "InternalServerErrorException", dict(response.headers)


def create_function(lambda_client, source, **kwargs):
    """A function outside make_function (for module-scoped fixtures); returns its name."""
    return create_python_function(lambda_client, source, **kwargs)


def raw_request(server, method, target, headers, body=None):
    """One request with exactly these (possibly repeated) headers; returns (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.msg, response.read()
    finally:
        connection.close()


# ---------------------------------------------------------------------------------------------
# One API shared by the event and result tests


class Shared:
    pass


@pytest.fixture(scope="module")
def shared(apigw, gatehouse, lambda_client):
    """One API (binaryMediaTypes application/octet-stream and image/png) with echo routes
    (GET /pets/{id}, GET /plain, POST /items, ANY /{proxy+}) and GET /respond (RESPONDER),
    deployed to `dev` (no stage variables) and `vars` (color=blue); both functions may be
    invoked from any method and path of the API."""
    created = apigw.create_rest_api(name=unique_name("lambda-proxy"), binaryMediaTypes=["application/octet-stream", "image/png"])
    api = InvokableApi(apigw, gatehouse, created)
    names = []
    try:
        echo = create_function(lambda_client, ECHO)
        names.append(echo)
        responder = create_function(lambda_client, RESPONDER)
        names.append(responder)
        for name in names:
            allow(lambda_client, name, execute_api_arn(api.id))
        lambda_proxy(api, "/pets/{id}", echo)
        lambda_proxy(api, "/plain", echo)
        lambda_proxy(api, "/items", echo, http_method="POST")
        lambda_proxy(api, "/{proxy+}", echo, http_method="ANY")
        lambda_proxy(api, "/respond", responder)
        state = Shared()
        state.api, state.echo, state.responder = api, echo, responder
        state.dev_deployment = api.deploy("dev")
        state.vars_deployment = api.deploy("vars", variables={"color": "blue", "empty": ""})
        yield state
    finally:
        try:
            apigw.delete_rest_api(restApiId=api.id)
        finally:
            for name in names:
                lambda_client.delete_function(FunctionName=name)


def echo_event(response):
    assert response.status_code == 200, (response.status_code, response.text)
    return response.json()


# ---------------------------------------------------------------------------------------------
# The event


def test_event_has_the_documented_1_0_structure(shared, gatehouse):
    api = shared.api
    host = api.host_header()
    before = time.time()
    status, headers, body = raw_request(gatehouse, "GET", "/dev/pets/7?a=1&a=2&q=hello%20world", [
        ("Host", host), ("User-Agent", "gatehouse-it/1.0"), ("X-Multi", "one"), ("X-Multi", "two"),
        ("X-Case-Sensitive", "Yes")])
    after = time.time()
    assert status == 200, body
    assert headers["Content-Type"] == "application/json"
    event = json.loads(body)

    assert set(event) == EVENT_KEYS
    assert event["resource"] == "/pets/{id}"
    assert event["path"] == "/pets/7"
    assert event["httpMethod"] == "GET"
    # headers: names as sent, the last value of a repeated header; multiValueHeaders: all of them.
    assert event["headers"]["Host"] == host
    assert event["headers"]["User-Agent"] == "gatehouse-it/1.0"
    assert event["headers"]["X-Case-Sensitive"] == "Yes"
    assert event["headers"]["X-Multi"] == "two"
    assert event["multiValueHeaders"]["X-Multi"] == ["one", "two"]
    assert event["multiValueHeaders"]["Host"] == [host]
    assert set(event["multiValueHeaders"]) == set(event["headers"])
    assert event["queryStringParameters"] == {"a": "2", "q": "hello world"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "q": ["hello world"]}
    assert event["pathParameters"] == {"id": "7"}
    assert event["stageVariables"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False

    context = event["requestContext"]
    assert set(context) == CONTEXT_KEYS
    assert context["accountId"] == ACCOUNT_ID
    assert context["apiId"] == api.id
    assert context["resourceId"] == api.resource("/pets/{id}")
    assert context["resourcePath"] == "/pets/{id}"
    assert context["httpMethod"] == "GET"
    assert context["path"] == "/dev/pets/7"
    assert context["protocol"] == "HTTP/1.1"
    assert context["stage"] == "dev"
    assert context["domainName"] == f"{api.id}.execute-api.localhost"
    assert context["domainPrefix"] == api.id
    assert context["deploymentId"] == shared.dev_deployment
    assert context["requestId"] == headers["x-amzn-RequestId"]
    assert str(uuid.UUID(context["requestId"])) == context["requestId"]
    assert context["extendedRequestId"] == headers["x-amz-apigw-id"]
    assert isinstance(context["requestTimeEpoch"], int)
    assert int(before * 1000) - 1000 <= context["requestTimeEpoch"] <= int(after * 1000) + 1000
    assert REQUEST_TIME.match(context["requestTime"]), context["requestTime"]
    parsed = datetime.datetime.strptime(context["requestTime"], "%d/%b/%Y:%H:%M:%S %z")
    assert int(parsed.timestamp()) == context["requestTimeEpoch"] // 1000

    identity = context["identity"]
    assert set(identity) == IDENTITY_KEYS
    assert identity["sourceIp"] == "127.0.0.1"
    assert identity["userAgent"] == "gatehouse-it/1.0"
    assert all(identity[key] is None for key in IDENTITY_KEYS - {"sourceIp", "userAgent"}), identity


def test_event_nulls_without_query_path_parameters_stage_variables_or_body(shared):
    event = echo_event(shared.api.invoke("dev", "plain"))
    assert event["resource"] == "/plain"
    assert event["path"] == "/plain"
    assert event["requestContext"]["path"] == "/dev/plain"
    for key in ("queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "stageVariables", "body"):
        assert event[key] is None, key
    assert event["isBase64Encoded"] is False
    assert isinstance(event["headers"], dict) and isinstance(event["multiValueHeaders"], dict)


def test_event_stage_variables_and_text_body(shared):
    response = shared.api.invoke("vars", "items", method="POST", data='{"name": "café"}'.encode(),
                                 headers={"Content-Type": "application/json"})
    event = echo_event(response)
    assert event["httpMethod"] == "POST"
    assert event["resource"] == "/items"
    assert event["stageVariables"] == {"color": "blue", "empty": ""}
    assert event["body"] == '{"name": "café"}'
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert (context["stage"], context["path"], context["deploymentId"]) == ("vars", "/vars/items", shared.vars_deployment)


def test_event_greedy_path_is_decoded(shared):
    event = echo_event(shared.api.invoke("dev", "deep/a%20b/caf%C3%A9", method="PUT", data=b"x",
                                         headers={"Content-Type": "text/plain"}))
    assert event["resource"] == "/{proxy+}"
    assert event["httpMethod"] == "PUT"
    assert event["path"] == "/deep/a b/café"
    assert event["pathParameters"] == {"proxy": "deep/a b/café"}
    assert event["requestContext"]["resourcePath"] == "/{proxy+}"
    assert event["body"] == "x"


def test_event_query_parameter_without_value_is_empty(shared):
    event = echo_event(shared.api.invoke("dev", "plain?flag&x=1"))
    assert event["queryStringParameters"] == {"flag": "", "x": "1"}
    assert event["multiValueQueryStringParameters"] == {"flag": [""], "x": ["1"]}


def test_event_binary_body_is_base64_when_the_content_type_is_a_binary_media_type(shared):
    event = echo_event(shared.api.invoke("dev", "items", method="POST", data=BINARY_PAYLOAD,
                                         headers={"Content-Type": "application/octet-stream"}))
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == BINARY_PAYLOAD

    text = echo_event(shared.api.invoke("dev", "items", method="POST", data="plain text".encode(),
                                        headers={"Content-Type": "text/plain"}))
    assert (text["body"], text["isBase64Encoded"]) == ("plain text", False)


def test_event_headers_include_the_ones_api_gateway_adds(shared):
    """A regional REST API adds X-Forwarded-For/-Port/-Proto and X-Amzn-Trace-Id to the event."""
    event = echo_event(shared.api.invoke("dev", "plain", headers={"User-Agent": "ua"}))
    headers = event["headers"]
    assert headers.get("X-Forwarded-For") == "127.0.0.1", headers
    assert re.match(r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24}", headers.get("X-Amzn-Trace-Id", "")), headers
    assert "X-Forwarded-Port" in headers and "X-Forwarded-Proto" in headers, headers


# ---------------------------------------------------------------------------------------------
# The result


def test_result_string_status_code(shared):
    response = shared.api.invoke("dev", "respond", params={"mode": "string_status"})
    assert (response.status_code, response.text) == (201, "created")


def test_result_without_status_code_is_200_and_json(shared):
    response = shared.api.invoke("dev", "respond", params={"mode": "no_status"})
    assert (response.status_code, response.text) == (200, "implicit")
    assert response.headers["Content-Type"] == "application/json"


def test_result_headers_and_multi_value_headers(shared):
    response = shared.api.invoke("dev", "respond", params={"mode": "headers"})
    assert (response.status_code, response.text) == (202, "with headers")
    assert response.headers["X-One"] == "a"
    assert response.headers["Content-Type"] == "text/plain"
    assert response.raw.headers.getlist("X-Multi") == ["1", "2"]
    assert response.headers["x-amzn-RequestId"]


def test_result_without_content_type_is_application_json(shared):
    response = shared.api.invoke("dev", "respond", params={"mode": "default_type"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"typed": False}


def test_result_without_body(shared):
    response = shared.api.invoke("dev", "respond", params={"mode": "no_body"})
    assert (response.status_code, response.content) == (204, b"")


def test_result_base64_body_is_decoded_when_accept_is_a_binary_media_type(shared):
    response = shared.api.invoke("dev", "respond", params={"mode": "binary"}, headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.content == PNG


def test_result_base64_body_stays_text_when_accept_is_not_binary(shared):
    """API Gateway uses the first Accept media type to decide whether to return binary: with no
    matching binary media type the base64 text passes through."""
    response = shared.api.invoke("dev", "respond", params={"mode": "binary"}, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.content == base64.b64encode(PNG)


@pytest.mark.parametrize("mode", ["list", "string", "none", "unknown_key", "object_body", "bad_base64", "raise"])
def test_malformed_result_or_function_error_is_502(shared, mode):
    assert_internal_error(shared.api.invoke("dev", "respond", params={"mode": mode}), 502)


def test_many_concurrent_requests_reuse_warm_functions(shared):
    threads, per_thread = 8, 25
    results, errors = [], []
    lock = threading.Lock()

    def run(index):
        session = requests.Session()
        try:
            for i in range(per_thread):
                n = f"{index}-{i}"
                response = session.get(shared.api.url("dev", "respond"), params={"mode": "pid", "n": n}, timeout=30)
                with lock:
                    results.append((n, response.status_code, response.text, response.headers.get("x-amzn-RequestId")))
        except Exception as error:  # noqa: BLE001 - reported below
            with lock:
                errors.append(repr(error))
        finally:
            session.close()

    workers = [threading.Thread(target=run, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert errors == []
    assert len(results) == threads * per_thread
    bad = [r for r in results if r[1] != 200]
    assert bad == [], bad[:5]
    bodies = [(n, json.loads(text)) for n, _, text, _ in results]
    assert all(body["n"] == n for n, body in bodies)
    assert len({r[3] for r in results}) == threads * per_thread  # one request id each
    pids = {body["pid"] for _, body in bodies}
    assert len(pids) <= 2 * threads, f"{len(pids)} execution environments for {threads} concurrent clients"


# ---------------------------------------------------------------------------------------------
# Timeouts


def test_function_timeout_is_502_and_integration_timeout_is_504(invokable, make_function, lambda_client):
    short_lived = make_function(RESPONDER, Timeout=1)["FunctionName"]
    patient = make_function(RESPONDER, Timeout=5)["FunctionName"]
    for name in (short_lived, patient):
        allow(lambda_client, name, execute_api_arn(invokable.id))
    lambda_proxy(invokable, "/slow", short_lived)
    lambda_proxy(invokable, "/short", patient, timeout=500)
    invokable.deploy("dev")

    warm = invokable.invoke("dev", "short", params={"mode": "sleep", "s": "0"})
    assert (warm.status_code, warm.text) == (200, "slept")

    # The integration gives up after timeoutInMillis while the function still runs.
    started = time.monotonic()
    timed_out = invokable.invoke("dev", "short", params={"mode": "sleep", "s": "1.5"})
    elapsed = time.monotonic() - started
    assert timed_out.status_code == 504, (timed_out.status_code, timed_out.text)
    assert timed_out.json() == {"message": "Endpoint request timed out"}

    # The function itself times out (Timeout=1): a function error.
    assert_internal_error(invokable.invoke("dev", "slow", params={"mode": "sleep", "s": "2"}), 502)

    assert elapsed < 1.2, f"504 came after {elapsed:.2f} s, not after the 500 ms integration timeout"


# ---------------------------------------------------------------------------------------------
# Resource policy


def test_invoking_needs_a_resource_policy_statement_for_the_source_arn(invokable, make_function, lambda_client):
    name = make_function(ECHO)["FunctionName"]
    lambda_proxy(invokable, "/items", name)
    lambda_proxy(invokable, "/other", name)
    invokable.deploy("dev")

    assert_internal_error(invokable.invoke("dev", "items"), 500)

    allow(lambda_client, name, execute_api_arn(invokable.id, "POST", "items"))  # another method
    allow(lambda_client, name, execute_api_arn("abcdefghij", "GET", "items"))  # another API
    allow(lambda_client, name, execute_api_arn(invokable.id, "GET", "other"))  # another path
    assert_internal_error(invokable.invoke("dev", "items"), 500)
    assert echo_event(invokable.invoke("dev", "other"))["resource"] == "/other"

    exact = allow(lambda_client, name, execute_api_arn(invokable.id, "GET", "items", stage="dev"))
    assert echo_event(invokable.invoke("dev", "items"))["resource"] == "/items"

    lambda_client.remove_permission(FunctionName=name, StatementId=exact)
    assert_internal_error(invokable.invoke("dev", "items"), 500)

    allow(lambda_client, name)  # no SourceArn: any API
    assert echo_event(invokable.invoke("dev", "items"))["resource"] == "/items"


def test_an_integration_with_a_role_invokes_without_a_resource_policy(invokable, make_function):
    """AWS (recorded): API Gateway assumes the integration's `credentials` role; only an
    integration without one needs `lambda add-permission`."""
    name = make_function(ECHO)["FunctionName"]
    resource = invokable.method("/assumed", "GET")
    invokable.apigw.put_integration(restApiId=invokable.id, resourceId=resource, httpMethod="GET", type="AWS_PROXY",
                                    integrationHttpMethod="POST", uri=lambda_uri(name),
                                    credentials=f"arn:aws:iam::{ACCOUNT_ID}:role/apigateway-invoke")
    lambda_proxy(invokable, "/unassumed", name)
    invokable.deploy("dev")
    assert echo_event(invokable.invoke("dev", "assumed"))["resource"] == "/assumed"
    assert_internal_error(invokable.invoke("dev", "unassumed"), 500)


def test_permission_for_the_unqualified_function_does_not_cover_an_alias(invokable, make_function, lambda_client):
    """Each version and alias has its own resource policy: an integration calling NAME:alias
    needs `add-permission --qualifier alias` (or a statement on the alias ARN)."""
    name = make_function(WHOAMI)["FunctionName"]
    lambda_client.publish_version(FunctionName=name)
    lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    allow(lambda_client, name, execute_api_arn(invokable.id))
    lambda_proxy(invokable, "/aliased", f"{name}:live")
    invokable.deploy("dev")
    assert_internal_error(invokable.invoke("dev", "aliased"), 500)


def test_relaxed_permissions_skip_the_policy_check(relaxed_gatehouse):
    lam = make_client(relaxed_gatehouse, "lambda")
    apigw = make_client(relaxed_gatehouse, "apigateway")
    name = unique_name("relaxed")
    lam.create_function(FunctionName=name, Runtime="python3.11", Handler="app.handler", Role=LAMBDA_ROLE,
                        Code={"ZipFile": make_zip({"app.py": "def handler(event, context):\n    return {'statusCode': 200, 'body': 'no permission needed'}\n"})})
    api = apigw.create_rest_api(name="relaxed")
    resource = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="fn")
    apigw.put_method(restApiId=api["id"], resourceId=resource["id"], httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api["id"], resourceId=resource["id"], httpMethod="GET", type="AWS_PROXY",
                          integrationHttpMethod="POST",
                          uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn(name)}/invocations")
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    response = requests.get(f"{relaxed_gatehouse.url}/restapis/{api['id']}/dev/_user_request_/fn", timeout=30)
    assert response.status_code == 200, response.text
    assert response.text == "no permission needed"


# ---------------------------------------------------------------------------------------------
# Qualifiers and stage variables in the function name


def test_qualifiers_and_stage_variables_select_the_function(invokable, make_function, lambda_client):
    first = make_function(WHOAMI)["FunctionName"]
    second = make_function(WHOAMI)["FunctionName"]
    assert lambda_client.publish_version(FunctionName=first)["Version"] == "1"
    lambda_client.create_alias(FunctionName=first, Name="live", FunctionVersion="1")
    source = execute_api_arn(invokable.id)
    for qualifier in (None, "1", "live"):
        allow(lambda_client, first, source, qualifier=qualifier)
    allow(lambda_client, second, source)

    lambda_proxy(invokable, "/pinned", f"{first}:1")
    lambda_proxy(invokable, "/alias", f"{first}:${{stageVariables.alias}}")
    lambda_proxy(invokable, "/byname", "${stageVariables.fn}")
    invokable.deploy("one", variables={"alias": "live", "fn": first})
    invokable.deploy("two", variables={"alias": "1", "fn": second})
    invokable.deploy("three", variables={"alias": "nope", "fn": unique_name("missing")})

    def who(stage, path):
        response = invokable.invoke(stage, path)
        assert response.status_code == 200, (stage, path, response.status_code, response.text)
        return response.json()

    base = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:"
    assert who("one", "pinned") == {"name": first, "version": "1", "arn": f"{base}{first}:1"}
    assert who("one", "alias") == {"name": first, "version": "1", "arn": f"{base}{first}:live"}
    assert who("two", "alias") == {"name": first, "version": "1", "arn": f"{base}{first}:1"}
    assert who("one", "byname") == {"name": first, "version": "$LATEST", "arn": f"{base}{first}"}
    assert who("two", "byname") == {"name": second, "version": "$LATEST", "arn": f"{base}{second}"}
    # An alias or function that does not exist is a configuration error.
    assert_internal_error(invokable.invoke("three", "alias"), 500)
    assert_internal_error(invokable.invoke("three", "byname"), 500)


# ---------------------------------------------------------------------------------------------
# TestInvokeMethod


def test_test_invoke_method_calls_the_function(aws_cli, apigw, invokable, make_function, lambda_client):
    name = make_function(ECHO)["FunctionName"]
    allow(lambda_client, name, execute_api_arn(invokable.id, "GET", "pets/*"))
    resource = lambda_proxy(invokable, "/pets/{id}", name)
    denied = lambda_proxy(invokable, "/denied", name)

    result = aws_cli("test-invoke-method", "--rest-api-id", invokable.id, "--resource-id", resource,
                     "--http-method", "GET", "--path-with-query-string", "/pets/7?a=1",
                     "--headers", json.dumps({"X-Custom": "v"}))
    assert result["status"] == 200
    event = json.loads(result["body"])
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/pets/{id}", "/pets/7", "GET")
    assert event["pathParameters"] == {"id": "7"}
    assert event["queryStringParameters"] == {"a": "1"}
    assert event["headers"]["X-Custom"] == "v"
    assert event["requestContext"]["stage"] == "test-invoke-stage"
    assert result["headers"]["Content-Type"] == "application/json"
    assert result["log"].startswith("Execution log for request")
    assert "Endpoint request body after transformations" in result["log"]
    assert "Endpoint response body before transformations" in result["log"]

    failed = apigw.test_invoke_method(restApiId=invokable.id, resourceId=denied, httpMethod="GET",
                                      pathWithQueryString="/denied")
    assert failed["status"] == 500
    assert json.loads(failed["body"]) == INTERNAL_ERROR
    assert "Invalid permissions on Lambda function" in failed["log"]


# ---------------------------------------------------------------------------------------------
# Stage logs


def test_execution_and_access_logs(apigw, invokable, make_function, lambda_client, logs_client):
    name = make_function(ECHO)["FunctionName"]
    allow(lambda_client, name, execute_api_arn(invokable.id, "GET", "items"))
    lambda_proxy(invokable, "/items", name)
    lambda_proxy(invokable, "/denied", name)
    invokable.deploy("dev")
    access_group = unique_name("/access")
    logs_client.create_log_group(logGroupName=access_group)
    try:
        apigw.update_stage(restApiId=invokable.id, stageName="dev", patchOperations=[
            {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
            {"op": "replace", "path": "/accessLogSettings/destinationArn",
             "value": f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{access_group}"},
            {"op": "replace", "path": "/accessLogSettings/format",
             "value": "$context.requestId $context.httpMethod $context.resourcePath $context.status"}])

        ok = [invokable.invoke("dev", "items") for _ in range(2)]
        assert [r.status_code for r in ok] == [200, 200]
        failed = invokable.invoke("dev", "denied")
        assert failed.status_code == 500
        ids = [r.headers["x-amzn-RequestId"] for r in ok]
        failed_id = failed.headers["x-amzn-RequestId"]

        expected_access = {f"{ids[0]} GET /items 200", f"{ids[1]} GET /items 200", f"{failed_id} GET /denied 500"}
        access = poll_log_messages(logs_client, access_group, lambda messages: expected_access <= set(messages))
        assert sorted(access) == sorted(expected_access)

        execution_group = f"API-Gateway-Execution-Logs_{invokable.id}/dev"
        execution = poll_log_messages(
            logs_client, execution_group,
            lambda messages: all(any(m.startswith(f"({rid}) Method completed") for m in messages)
                                 for rid in ids + [failed_id]))
        first = [m for m in execution if m.startswith(f"({ids[0]}) ")]
        assert f"({ids[0]}) Starting execution for request: {ids[0]}" in first, first
        assert f"({ids[0]}) HTTP Method: GET, Resource Path: /items" in first, first
        body_lines = [m for m in first if m.startswith(f"({ids[0]}) Endpoint request body after transformations: ")]
        assert len(body_lines) == 1, first
        event = json.loads(body_lines[0].split("transformations: ", 1)[1])
        assert event["requestContext"]["requestId"] == ids[0]
        assert any(m.startswith(f"({ids[0]}) Endpoint response body before transformations: ") for m in first), first
        assert f"({ids[0]}) Method completed with status: 200" in first, first
        denied_lines = [m for m in execution if m.startswith(f"({failed_id}) ")]
        assert any("Invalid permissions on Lambda function" in m for m in denied_lines), denied_lines
        assert f"({failed_id}) Method completed with status: 500" in denied_lines, denied_lines
        # AWS starts each request's execution log with its extended request id.
        extended = ok[0].headers["x-amz-apigw-id"]
        assert f"({ids[0]}) Extended Request Id: {extended}" in first, first
    finally:
        for group in (access_group, f"API-Gateway-Execution-Logs_{invokable.id}/dev"):
            try:
                logs_client.delete_log_group(logGroupName=group)
            except logs_client.exceptions.ResourceNotFoundException:
                pass
