"""Mapping templates of non-proxy integrations (MOCK, HTTP, AWS/Lambda): `$input`, `$util`,
`$context` and `$stageVariables` in request templates, the choice of a request template by
Content-Type and the passthrough behaviours, template failures, integration response selection,
response templates chosen by Accept, response parameters and `$context.responseOverride`, and
non-proxy Lambda integrations (function errors selected by their errorMessage, Event invocations).

Two APIs are shared by the whole module: `mapped` (MOCK and HTTP routes; HTTP routes POST to the
`upstream` echo server, so a test sees the exact body the backend got) and `lambdas`."""
import base64
import json
import time
import uuid

import pytest

from conftest import InvokableApi
from helpers import ACCOUNT_ID, LAMBDA_ROLE, REGION, make_zip, unique_name

STAGE_VARIABLES = {"color": "blue", "greeting": "hello world"}
INTERNAL_ERROR = {"message": "Internal server error"}
UNSUPPORTED = {"message": "Unsupported Media Type"}


# ---------------------------------------------------------------------------------------------
# Building routes


def backend_path(path):
    """Where an HTTP route's integration sends its request on the upstream (one per route)."""
    return "/backend/" + path.strip("/").replace("/", "-").replace("{", "").replace("}", "")


def http_route(api, upstream, path, templates=None, passthrough=None, http_method="POST", method_parameters=None):
    """`http_method path` -> HTTP POST {upstream}/backend/<path> with these request templates; one
    default 200 integration response without templates (the upstream's echo passes through)."""
    resource = api.method(path, http_method, request_parameters=method_parameters)
    kwargs = {}
    if templates is not None:
        kwargs["requestTemplates"] = templates
    if passthrough is not None:
        kwargs["passthroughBehavior"] = passthrough
    api.apigw.put_integration(restApiId=api.id, resourceId=resource, httpMethod=http_method, type="HTTP",
                              integrationHttpMethod="POST", uri=upstream.url + backend_path(path), **kwargs)
    api.method_response(path, http_method, 200)
    api.integration_response(path, http_method, 200)
    return resource


def put_responses(api, path, http_method, responses):
    """Method and integration responses: dicts of status, pattern, templates {type: text},
    parameters {method.response.header.X: source}, declare (more method response headers) and
    method_only (a method response without an integration response)."""
    resource = api.resource(path)
    for spec in responses:
        parameters = spec.get("parameters") or {}
        method_kwargs = {"responseParameters": {name: False for name in parameters}} if parameters else {}
        for header in spec.get("declare", ()):
            method_kwargs.setdefault("responseParameters", {})[f"method.response.header.{header}"] = False
        api.apigw.put_method_response(restApiId=api.id, resourceId=resource, httpMethod=http_method,
                                      statusCode=str(spec["status"]), **method_kwargs)
        if spec.get("method_only"):
            continue
        kwargs = {}
        if spec.get("pattern") is not None:
            kwargs["selectionPattern"] = spec["pattern"]
        if spec.get("templates") is not None:
            kwargs["responseTemplates"] = spec["templates"]
        if parameters:
            kwargs["responseParameters"] = parameters
        api.apigw.put_integration_response(restApiId=api.id, resourceId=resource, httpMethod=http_method,
                                           statusCode=str(spec["status"]), **kwargs)


def mock_route(api, path, request_template, responses, http_method="GET"):
    resource = api.method(path, http_method)
    api.apigw.put_integration(restApiId=api.id, resourceId=resource, httpMethod=http_method, type="MOCK",
                              requestTemplates={"application/json": request_template})
    put_responses(api, path, http_method, responses)


def backend_requests(upstream, path):
    return [record for record in upstream.requests if record["path"] == path]


# Request templates of the HTTP routes, by path.
HTTP_TEMPLATES = {
    "/body": "raw=[$input.body]",
    "/json": ('{"a": $input.json(\'$.a\'), "s": $input.json(\'$.s\'), "n": $input.json(\'$.n\'), '
              '"whole": $input.json(\'$\')}'),
    "/whole": "$input.json('$')",
    "/missing": "[$input.path('$').item2]",
    "/size": "$input.path('$.list').size()",
    "/foreach": ('[#foreach($pet in $input.path(\'$.pets\')){"id": $pet.id, "name": "$pet.name"}'
                 '#if($foreach.hasNext),#end#end]'),
    "/params/{x}": "path=$input.params('x');query=$input.params('q');header=$input.params('h')",
    "/querystring": ("#set($qs = $input.params().querystring)"
                     "size=$qs.size();a=$qs.a;b=$qs.get('b');"
                     "keys=#foreach($k in $qs.keySet())$k#if($foreach.hasNext),#end#end;"
                     "hdr=$input.params().header.get('X-Hdr');paths=$input.params().path.size()"),
    "/util/escape": "$util.escapeJavaScript($input.path('$.s'))",
    "/util/urlencode": "$util.urlEncode($input.path('$.s'))",
    "/util/urldecode": "$util.urlDecode($input.path('$.s'))",
    "/util/b64encode": "$util.base64Encode($input.path('$.s'))",
    "/util/b64decode": "$util.base64Decode($input.path('$.s'))",
    "/util/parsejson": "#set($o = $util.parseJson($input.path('$.s')))$o.key2.arr[0]|$o.key2.arr.size()|$o.key1",
    "/ctx/{id}": ("$context.requestId|$context.stage|$context.httpMethod|$context.resourcePath|"
                  "$context.identity.sourceIp"),
    "/stagevars": "$stageVariables.color|${stageVariables.color}|$stageVariables['greeting']",
    "/notjson": '{"a": $input.json(\'$.a\')}',
    "/broken": "#if($input.body) an #if without its #end",
}

CHOICE_TEMPLATES = {
    "application/json": "json:$input.body",
    "application/xml": "xml:$input.body",
    "text/plain": "text:$input.body",
}

ACCEPT_TEMPLATES = {
    "application/json": '{"type": "json"}',
    "application/xml": "<type>xml</type>",
    "text/plain": "type=text",
}


class Shared:
    pass


@pytest.fixture(scope="module")
def mapped(apigw, gatehouse, upstream):
    """One API with every MOCK and HTTP route of this module, deployed to `dev` with STAGE_VARIABLES."""
    created = apigw.create_rest_api(name=unique_name("templates"))
    api = InvokableApi(apigw, gatehouse, created)
    try:
        for path, template in HTTP_TEMPLATES.items():
            parameters = {f"method.request.path.{path.split('{')[1].rstrip('}')}": True} if "{" in path else None
            http_route(api, upstream, path, {"application/json": template}, method_parameters=parameters)
        http_route(api, upstream, "/choose", CHOICE_TEMPLATES)
        templated = {"application/json": '{"templated": true}'}
        http_route(api, upstream, "/pass/match", templated, passthrough="WHEN_NO_MATCH")
        http_route(api, upstream, "/pass/templates", templated, passthrough="WHEN_NO_TEMPLATES")
        http_route(api, upstream, "/pass/never", templated, passthrough="NEVER")
        http_route(api, upstream, "/pass/none", None, passthrough="WHEN_NO_TEMPLATES")

        # GET /status/{code} -> HTTP GET {upstream}/status/{code}, which answers that status.
        resource = api.method("/status/{code}", "GET", request_parameters={"method.request.path.code": True})
        apigw.put_integration(restApiId=api.id, resourceId=resource, httpMethod="GET", type="HTTP",
                              integrationHttpMethod="GET", uri=f"{upstream.url}/status/{{code}}",
                              requestParameters={"integration.request.path.code": "method.request.path.code"})
        put_responses(api, "/status/{code}", "GET", [
            {"status": 200, "templates": {"application/json": '{"upstream": "$input.path(\'$.path\')"}'}},
            {"status": 400, "pattern": "40", "templates": {"application/json": '{"partial": "match"}'}},
            {"status": 404, "pattern": "4\\d\\d", "templates": {"application/json": '{"missing": "$input.path(\'$.path\')"}'},
             "parameters": {
                 "method.response.header.X-Lit": "'literal value'",
                 "method.response.header.X-Code": "integration.response.header.X-Status-Echo",
                 "method.response.header.X-Path": "integration.response.body.path",
                 "method.response.header.X-Method": "integration.response.body.method",
             }},
            {"status": 502, "pattern": "5\\d\\d", "templates": {"application/json": '{"upstream": "failed"}'}},
        ])

        # MOCK: the status comes from the request; response templates read the method request.
        mock_route(api, "/mock/status",
                   "#if($input.params('missing') == 'yes'){\"statusCode\": 404}#else{\"statusCode\": 200}#end", [
                       {"status": 200, "templates": {"application/json": '{"found": true, "q": "$input.params(\'q\')"}'}},
                       {"status": 404, "pattern": "404",
                        "templates": {"application/json": '{"found": false, "stage": "$context.stage"}'}},
                   ])
        mock_route(api, "/mock/frombody", '{"statusCode": $input.json(\'$.code\')}', [
            {"status": 200, "templates": {"application/json": '{"status": "ok"}'}},
            {"status": 409, "pattern": "4\\d\\d", "templates": {"application/json": '{"status": "conflict"}'}},
        ], http_method="POST")
        mock_route(api, "/mock/accept", '{"statusCode": 200}', [{"status": 200, "templates": ACCEPT_TEMPLATES}])
        mock_route(api, "/mock/override", '{"statusCode": 200}', [
            {"status": 200, "declare": ["X-Foo"], "templates": {"application/json": (
                "#set($context.responseOverride.status = 418)"
                '#set($context.responseOverride.header.X-Foo = "bar")'
                '{"teapot": true}')}},
            {"status": 418, "method_only": True},
        ])
        mock_route(api, "/mock/requestoverride", '#set($context.responseOverride.status = 444){"statusCode": 200}', [
            {"status": 200, "templates": {"application/json": '{"mapped": true}'}},
        ])
        # A map from $input.path takes #set($m.key = …) and $m.put(…): 200 when both worked, else 500.
        mock_route(api, "/mock/mapedits", (
            "#set($m = $input.path('$.pet'))#set($m.name = \"rex\")#set($ignored = $m.put(\"age\", 3))"
            '#if($m.name == "rex" && $m.age == 3 && $m.size() == 3){"statusCode": 200}#else{"statusCode": 500}#end'), [
            {"status": 200, "templates": {"application/json": '{"edited": true}'}},
            {"status": 500, "pattern": "500", "templates": {"application/json": '{"edited": false}'}},
        ], http_method="POST")

        state = Shared()
        state.api = api
        state.deployment = api.deploy("dev", variables=STAGE_VARIABLES)
        yield state
    finally:
        apigw.delete_rest_api(restApiId=api.id)


def post(mapped, path, body=b"", content_type="application/json", **kwargs):
    headers = dict(kwargs.pop("headers", None) or {})
    if content_type is not None:
        headers["Content-Type"] = content_type
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    elif isinstance(body, str):
        body = body.encode()
    return mapped.api.invoke("dev", path, method="POST", data=body, headers=headers, **kwargs)


def backend_got(response):
    """What the upstream received, from its echo passed through the default integration response."""
    assert response.status_code == 200, (response.status_code, response.text)
    return response.json()


# ---------------------------------------------------------------------------------------------
# $input


def test_input_body_is_the_raw_payload(mapped):
    payload = '{"b": 2,  "a" : [1, "x"]}\n'
    echo = backend_got(post(mapped, "body", payload))
    assert echo["path"] == "/backend/body"
    assert echo["method"] == "POST"
    assert echo["body"] == f"raw=[{payload}]"


def test_input_body_of_an_empty_payload_is_an_empty_object(mapped):
    echo = backend_got(post(mapped, "body", b""))
    assert echo["body"] == "raw=[{}]"


def test_input_json_of_an_empty_payload_is_an_empty_object(mapped):
    echo = backend_got(post(mapped, "whole", b""))
    assert echo["body"] == "{}"


def test_missing_input_path_renders_empty(mapped):
    echo = backend_got(post(mapped, "missing", {"item1": "x"}))
    assert echo["body"] == "[]"


def test_input_json_returns_json_text(mapped):
    body = {"a": {"b": [1, 2], "c": None}, "s": "text", "n": 3.5}
    echo = backend_got(post(mapped, "json", body))
    assert json.loads(echo["body"]) == {"a": {"b": [1, 2], "c": None}, "s": "text", "n": 3.5, "whole": body}
    assert '"s": "text"' in echo["body"]   # a string comes out quoted


def test_input_path_size_counts_a_list(mapped):
    echo = backend_got(post(mapped, "size", {"list": ["x", "y", "z"]}))
    assert echo["body"] == "3"


def test_foreach_over_input_path_with_has_next(mapped):
    pets = [{"id": 1, "name": "rex"}, {"id": 2, "name": "tom"}, {"id": 3, "name": "kit"}]
    echo = backend_got(post(mapped, "foreach", {"pets": pets}))
    assert json.loads(echo["body"]) == pets
    assert not echo["body"].rstrip("]").endswith(",")


def test_input_params_searches_path_then_querystring_then_header(mapped):
    response = post(mapped, "params/from-path", params={"x": "from-query", "q": "q-from-query"},
                    headers={"x": "from-header", "q": "q-from-header", "h": "h-from-header"})
    assert backend_got(response)["body"] == "path=from-path;query=q-from-query;header=h-from-header"


def test_input_params_querystring_is_a_map(mapped):
    response = post(mapped, "querystring", params={"a": "1", "b": "two words"}, headers={"X-Hdr": "header value"})
    fields = dict(part.split("=", 1) for part in backend_got(response)["body"].split(";"))
    assert fields["size"] == "2"
    assert fields["a"] == "1"
    assert fields["b"] == "two words"
    assert sorted(fields["keys"].split(",")) == ["a", "b"]
    assert fields["hdr"] == "header value"
    assert fields["paths"] == "0"


# ---------------------------------------------------------------------------------------------
# $util


@pytest.mark.parametrize("route,value,expected", [
    ("util/escape", 'He said "hi" & it\'s a \\ back\nslash', r"""He said \"hi\" & it\'s a \\ back\nslash"""),
    ("util/urlencode", "a b&c=d+e/é", "a+b%26c%3Dd%2Be%2F%C3%A9"),
    ("util/urldecode", "a+b%26c%3Dd%2Be%2F%C3%A9", "a b&c=d+e/é"),
    ("util/b64encode", "hello wörld", base64.b64encode("hello wörld".encode()).decode()),
    ("util/b64decode", base64.b64encode("hello wörld".encode()).decode(), "hello wörld"),
    ("util/parsejson", json.dumps({"key1": "v1", "key2": {"arr": [1, 2]}}), "1|2|v1"),
], ids=["escapeJavaScript", "urlEncode", "urlDecode", "base64Encode", "base64Decode", "parseJson"])
def test_util_functions(mapped, route, value, expected):
    echo = backend_got(post(mapped, route, {"s": value}))
    assert echo["body"] == expected


# ---------------------------------------------------------------------------------------------
# $context and $stageVariables


def test_context_variables_in_a_request_template(mapped):
    response = post(mapped, "ctx/42", b"")
    request_id, stage, method, resource_path, source_ip = backend_got(response)["body"].split("|")
    assert request_id == response.headers["x-amzn-RequestId"]
    assert str(uuid.UUID(request_id)) == request_id
    assert (stage, method, resource_path, source_ip) == ("dev", "POST", "/ctx/{id}", "127.0.0.1")


def test_stage_variables_in_a_request_template(mapped):
    echo = backend_got(post(mapped, "stagevars", b""))
    assert echo["body"] == "blue|blue|hello world"


# ---------------------------------------------------------------------------------------------
# Choosing the request template; passthrough behaviours


@pytest.mark.parametrize("content_type,expected", [
    ("application/json", "json:"),
    ("application/xml", "xml:"),
    ("text/plain", "text:"),
    ("application/xml; charset=UTF-8", "xml:"),      # parameters are ignored
    ("text/plain;charset=iso-8859-1", "text:"),
    (None, "json:"),                                  # no Content-Type reads as application/json
])
def test_request_template_is_chosen_by_content_type(mapped, content_type, expected):
    echo = backend_got(post(mapped, "choose", "<payload/>", content_type=content_type))
    assert echo["body"] == expected + "<payload/>"


def test_when_no_match_passes_an_unmatched_body_through_unchanged(mapped):
    payload = "plain text, not JSON: ü {"
    echo = backend_got(post(mapped, "pass/match", payload, content_type="text/plain"))
    assert echo["body"] == payload
    assert echo["headers"]["content-type"] == "text/plain"
    # A matching Content-Type is still transformed.
    assert json.loads(backend_got(post(mapped, "pass/match", payload))["body"]) == {"templated": True}


@pytest.mark.parametrize("route", ["pass/templates", "pass/never"])
def test_unmatched_content_type_with_templates_answers_415(mapped, upstream, route):
    before = len(backend_requests(upstream, backend_path(route)))
    response = post(mapped, route, "plain body", content_type="text/plain")
    assert response.status_code == 415, response.text
    assert response.json() == UNSUPPORTED
    assert response.headers.get("x-amzn-RequestId")
    assert len(backend_requests(upstream, backend_path(route))) == before   # the backend is not called
    # A matching Content-Type is transformed under either behaviour.
    assert json.loads(backend_got(post(mapped, route, "{}"))["body"]) == {"templated": True}


def test_when_no_templates_without_templates_passes_through(mapped):
    echo = backend_got(post(mapped, "pass/none", "<xml/>", content_type="application/xml"))
    assert echo["body"] == "<xml/>"


# ---------------------------------------------------------------------------------------------
# Template failures


def test_body_that_is_not_json_read_as_json_answers_400(mapped, upstream):
    before = len(backend_requests(upstream, backend_path("notjson")))
    response = post(mapped, "notjson", '{"a": 1, "b": ')
    assert response.status_code == 400, response.text
    assert response.json()["message"].startswith("Could not parse request body into json"), response.text
    assert len(backend_requests(upstream, backend_path("notjson"))) == before


def test_invalid_template_deploys_and_answers_500(mapped, upstream):
    before = len(backend_requests(upstream, backend_path("broken")))
    response = post(mapped, "broken", '{"a": 1}')
    assert response.status_code == 500, response.text
    assert response.json() == INTERNAL_ERROR
    assert response.headers.get("x-amzn-ErrorType") == "InternalServerErrorException"
    assert len(backend_requests(upstream, backend_path("broken"))) == before


# ---------------------------------------------------------------------------------------------
# Integration responses


@pytest.mark.parametrize("code,status,body", [
    ("200", 200, {"upstream": "/status/200"}),   # the default response
    ("201", 200, {"upstream": "/status/201"}),   # no pattern matches -> the default response
    ("400", 404, {"missing": "/status/400"}),    # "40" must match the whole status, so 4\d\d wins
    ("404", 404, {"missing": "/status/404"}),
    ("418", 404, {"missing": "/status/418"}),
    ("503", 502, {"upstream": "failed"}),
])
def test_selection_pattern_matches_the_whole_upstream_status(mapped, code, status, body):
    response = mapped.api.invoke("dev", f"status/{code}")
    assert (response.status_code, response.json()) == (status, body)


def test_response_parameters_map_literals_headers_and_body_fields(mapped):
    response = mapped.api.invoke("dev", "status/404")
    assert response.status_code == 404, response.text
    assert response.headers.get("X-Lit") == "literal value"
    assert response.headers.get("X-Code") == "404"
    assert response.headers.get("X-Path") == "/status/404"
    assert response.headers.get("X-Method") == "GET"
    # The 200 response maps none of them.
    ok = mapped.api.invoke("dev", "status/200")
    assert all(ok.headers.get(name) is None for name in ("X-Lit", "X-Code", "X-Path", "X-Method"))


def test_mock_request_template_chooses_the_status_from_the_request(mapped):
    found = mapped.api.invoke("dev", "mock/status", params={"q": "rex"})
    assert (found.status_code, found.json()) == (200, {"found": True, "q": "rex"})
    missing = mapped.api.invoke("dev", "mock/status", params={"missing": "yes"})
    assert (missing.status_code, missing.json()) == (404, {"found": False, "stage": "dev"})


def test_mock_status_read_from_the_body_with_input_json(mapped):
    conflict = post(mapped, "mock/frombody", {"code": 409})
    assert (conflict.status_code, conflict.json()) == (409, {"status": "conflict"})
    ok = post(mapped, "mock/frombody", {"code": 200})
    assert (ok.status_code, ok.json()) == (200, {"status": "ok"})


@pytest.mark.parametrize("accept,body", [
    ("application/xml", "<type>xml</type>"),
    ("text/plain", "type=text"),
    ("application/json", '{"type": "json"}'),
    ("text/plain; q=0.9", "type=text"),
    ("image/png", '{"type": "json"}'),        # no template for it -> application/json's
    ("*/*", '{"type": "json"}'),
    (None, '{"type": "json"}'),               # no Accept -> application/json
])
def test_response_template_is_chosen_by_accept(mapped, accept, body):
    response = mapped.api.invoke("dev", "mock/accept", headers={"Accept": accept})
    assert (response.status_code, response.text) == (200, body)


def test_a_response_override_set_in_the_request_template_sets_the_final_status(mapped):
    """AWS (recorded): 444 set by the request template stays 444 through the 200 mapping."""
    response = mapped.api.invoke("dev", "mock/requestoverride")
    assert response.status_code == 444, response.text
    assert response.json() == {"mapped": True}


def test_a_map_from_input_path_takes_set_and_put(mapped):
    """AWS (recorded): `#set($map.key = …)` and `$map.put(…)` work on maps `$input.path` returns."""
    response = post(mapped, "mock/mapedits", {"pet": {"kind": "dog"}})
    assert (response.status_code, response.json()) == (200, {"edited": True}), response.text


def test_response_override_sets_status_and_header(mapped):
    response = mapped.api.invoke("dev", "mock/override")
    assert response.status_code == 418, response.text
    assert response.headers.get("X-Foo") == "bar"
    assert response.json() == {"teapot": True}


# ---------------------------------------------------------------------------------------------
# Non-proxy Lambda (type AWS)

ECHO = """
def handler(event, context):
    return event
"""

PETS = """
def handler(event, context):
    pet = event.get("id")
    if pet == "7":
        raise Exception("NotFound: no pet " + pet)
    if pet == "13":
        raise ValueError("unlucky " + pet)
    return {"id": pet, "name": "rex"}
"""

# Sleeps, then tells the upstream it ran (POST {callback} with its event).
LATE = """
import json
import time
import urllib.request

def handler(event, context):
    time.sleep(float(event["sleep"]))
    request = urllib.request.Request(event["callback"], data=json.dumps(event).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).read()
    return {"done": True}
"""

LATE_SECONDS = 2.0


def lambda_uri(name):
    return (f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
            f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}/invocations")


def lambda_route(api, path, function, http_method, template, request_parameters=None):
    resource = api.method(path, http_method)
    kwargs = {"requestParameters": request_parameters} if request_parameters else {}
    api.apigw.put_integration(restApiId=api.id, resourceId=resource, httpMethod=http_method, type="AWS",
                              integrationHttpMethod="POST", uri=lambda_uri(function),
                              requestTemplates={"application/json": template}, **kwargs)


@pytest.fixture(scope="module")
def lambdas(apigw, gatehouse, lambda_client):
    """An API calling three functions (as make_function creates them) through `AWS` integrations,
    with the resource policy statement API Gateway needs, deployed to `dev` with STAGE_VARIABLES."""
    created = apigw.create_rest_api(name=unique_name("templates-lambda"))
    api = InvokableApi(apigw, gatehouse, created)
    names = {}
    try:
        for key, source in (("echo", ECHO), ("pets", PETS), ("late", LATE)):
            name = unique_name("fn")
            lambda_client.create_function(FunctionName=name, Runtime="python3.12", Role=LAMBDA_ROLE,
                                          Handler="app.handler", Code={"ZipFile": make_zip({"app.py": source})})
            names[key] = name
        for name in names.values():
            lambda_client.get_waiter("function_active_v2").wait(
                FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
            lambda_client.add_permission(
                FunctionName=name, StatementId="apigateway", Action="lambda:InvokeFunction",
                Principal="apigateway.amazonaws.com",
                SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api.id}/*/*/*")

        lambda_route(api, "/echo/{kind}", names["echo"], "POST", (
            '{"name": $input.json(\'$.name\'), "kind": "$input.params(\'kind\')", '
            '"stage": "$context.stage", "color": "$stageVariables.color"}'))
        put_responses(api, "/echo/{kind}", "POST", [{"status": 200, "templates": {"application/json": (
            '{"event": $input.json(\'$\'), "greeting": "hello $input.path(\'$.name\')"}')}}])

        lambda_route(api, "/pets/{id}", names["pets"], "GET", '{"id": "$input.params(\'id\')"}')
        put_responses(api, "/pets/{id}", "GET", [
            {"status": 200},
            {"status": 404, "pattern": "NotFound.*",
             "templates": {"application/json": '{"error": "$input.path(\'$.errorMessage\')"}'}},
        ])

        lambda_route(api, "/late", names["late"], "POST",
                     '{"callback": "$input.params(\'cb\')", "sleep": ' + str(LATE_SECONDS) + "}",
                     request_parameters={"integration.request.header.X-Amz-Invocation-Type": "'Event'"})
        put_responses(api, "/late", "POST", [{"status": 200}])

        state = Shared()
        state.api, state.names = api, names
        api.deploy("dev", variables=STAGE_VARIABLES)
        yield state
    finally:
        try:
            apigw.delete_rest_api(restApiId=api.id)
        finally:
            for name in names.values():
                lambda_client.delete_function(FunctionName=name)


def test_lambda_request_template_becomes_the_event_and_the_result_goes_through_the_response_template(lambdas):
    response = lambdas.api.invoke("dev", "echo/dog", method="POST", data=json.dumps({"name": "rex", "x": 1}),
                                  headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "event": {"name": "rex", "kind": "dog", "stage": "dev", "color": "blue"},
        "greeting": "hello rex",
    }


def test_lambda_error_selected_by_error_message(lambdas):
    response = lambdas.api.invoke("dev", "pets/7")
    assert response.status_code == 404, response.text
    assert response.json() == {"error": "NotFound: no pet 7"}


def test_lambda_success_is_the_default_response(lambdas):
    response = lambdas.api.invoke("dev", "pets/1")
    assert (response.status_code, response.json()) == (200, {"id": "1", "name": "rex"})


def test_unmatched_lambda_error_falls_to_the_default_response(lambdas):
    response = lambdas.api.invoke("dev", "pets/13")
    assert response.status_code == 200, response.text
    error = response.json()
    assert error["errorMessage"] == "unlucky 13"
    assert error["errorType"] == "ValueError"


def test_event_invocation_type_answers_at_once(lambdas, upstream):
    marker = uuid.uuid4().hex
    callback = f"{upstream.url}/late/{marker}"
    started = time.monotonic()
    response = lambdas.api.invoke("dev", "late", method="POST", params={"cb": callback}, data=b"{}",
                                  headers={"Content-Type": "application/json"})
    elapsed = time.monotonic() - started
    assert (response.status_code, response.text) == (200, "")
    assert elapsed < LATE_SECONDS, f"waited {elapsed:.2f}s for an Event invocation"
    # The function still runs, in the background, with the event the template made.
    deadline = time.monotonic() + LATE_SECONDS + 10
    while not backend_requests(upstream, f"/late/{marker}") and time.monotonic() < deadline:
        time.sleep(0.1)
    ran = backend_requests(upstream, f"/late/{marker}")
    assert ran, "the function did not run"
    assert json.loads(ran[0]["body"]) == {"callback": callback, "sleep": LATE_SECONDS}
