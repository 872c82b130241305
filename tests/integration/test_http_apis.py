"""HTTP APIs (apigatewayv2, protocol type HTTP): the control plane — apis, routes, integrations,
stages, deployments, auto-deploy, quick create and tags — and the data plane behind the invoke
URL: stage and route selection, the payload format 2.0 and 1.0 events, how a function's result
becomes the response, HTTP APIs' own 404/500/503 answers and HTTP_PROXY integrations.

Invoke URLs come in two forms: the host form (`Host: {apiId}.execute-api.localhost`, the
`$default` stage at the root and a named stage by its first path segment) and the path form
(`/restapis/{apiId}/{stage}/_user_request_/{path}`)."""
import base64
import datetime
import http.client
import json
import re
import time

import pytest
import requests

from conftest import make_client
from helpers import ACCOUNT_ID, ID10, assert_aws_error, create_python_function, deleted_after, function_arn, unique_name

ECHO = """
import json

def handler(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(event)}
"""

# Returns the result named by ?mode=... (any payload format: both carry queryStringParameters).
RESPONDER = """
import base64
import time

RESULTS = {
    "plain": {"plain": True},
    "string": "hi",
    "full": {"statusCode": 201, "cookies": ["a=1", "b=2"], "headers": {"x-h": "v"}, "body": "made"},
    "base64": {"statusCode": 200, "headers": {"content-type": "application/octet-stream"},
               "body": base64.b64encode(bytes(range(256))).decode(), "isBase64Encoded": True},
    "ok": {"statusCode": 200, "body": "ok"},
}

def handler(event, context):
    mode = (event.get("queryStringParameters") or {}).get("mode")
    if mode == "raise":
        raise RuntimeError("boom")
    if mode == "sleep":
        time.sleep(2)
        return {"statusCode": 200, "body": "too late"}
    return RESULTS[mode]
"""

NOT_FOUND = {"message": "Not Found"}
INTERNAL_ERROR = {"message": "Internal Server Error"}
SERVICE_UNAVAILABLE = {"message": "Service Unavailable"}
AUTO_DEPLOY_DESCRIPTION = "Automatic deployment triggered by changes to the Api configuration"
REQUEST_TIME = re.compile(r"^\d{2}/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/\d{4}:\d{2}:\d{2}:\d{2} \+0000$")
ID7 = re.compile(r"^[a-z0-9]{7}$")
USER_AGENT = "gatehouse-tests/1.0"


# ---------------------------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture(scope="module")
def v2(gatehouse):
    return make_client(gatehouse, "apigatewayv2")


def _function(lambda_client, source):
    """A function API Gateway may invoke (a policy statement without a source ARN); returns its ARN."""
    return function_arn(create_python_function(lambda_client, source, apigateway_may_invoke=True, Timeout=5))


@pytest.fixture(scope="module")
def echo(lambda_client):
    """The ARN of a function answering 200 with its whole event as the JSON body."""
    arn = _function(lambda_client, ECHO)
    yield arn
    lambda_client.delete_function(FunctionName=arn)


@pytest.fixture(scope="module")
def responder(lambda_client):
    """The ARN of a function answering the result named by ?mode= (see RESPONDER)."""
    arn = _function(lambda_client, RESPONDER)
    yield arn
    lambda_client.delete_function(FunctionName=arn)


@pytest.fixture
def apis(v2):
    """`apis(**create_api_kwargs)` creates an HTTP API and returns its CreateApi response; every
    API made is deleted after the test."""
    yield from deleted_after(
        lambda **kwargs: v2.create_api(Name=kwargs.pop("Name", unique_name("http")), ProtocolType="HTTP", **kwargs),
        lambda api: api["ApiId"], lambda api_id: v2.delete_api(ApiId=api_id), v2.exceptions.NotFoundException)


@pytest.fixture
def api_id(apis):
    """A fresh HTTP API's id."""
    return apis()["ApiId"]


def lambda_integration(v2, api_id, function, version="2.0", **kwargs):
    """An AWS_PROXY integration calling `function`; returns its id."""
    return v2.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=function,
                                 PayloadFormatVersion=version, **kwargs)["IntegrationId"]


def route(v2, api_id, key, integration_id):
    """A route `key` targeting the integration; returns its id."""
    return v2.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integration_id}")["RouteId"]


def routed_api(v2, api_id, function, *keys, stage="$default", version="2.0", **stage_kwargs):
    """Routes `keys` to `function` on one integration and deploys them on `stage`; returns the
    integration id."""
    integration = lambda_integration(v2, api_id, function, version=version)
    for key in keys:
        route(v2, api_id, key, integration)
    v2.create_stage(ApiId=api_id, StageName=stage, **stage_kwargs)
    v2.create_deployment(ApiId=api_id, StageName=stage)
    return integration


def invoke(server, api_id, path="", method="GET", host_form=True, stage="$default", **kwargs):
    """One request to `stage` of the API: in the host form (a named stage as the first path
    segment) or the path form. Returns the requests.Response."""
    path = path.lstrip("/")
    headers = dict(kwargs.pop("headers", None) or {})
    if host_form:
        headers["Host"] = f"{api_id}.execute-api.localhost:{server.port}"
        url = f"{server.url}/{path}" if stage == "$default" else f"{server.url}/{stage}/{path}"
    else:
        url = f"{server.url}/restapis/{api_id}/{stage}/_user_request_/{path}"
    return requests.request(method, url, headers=headers, timeout=30, allow_redirects=False, **kwargs)


def event_of(response):
    """The event the echo function received."""
    assert response.status_code == 200, (response.status_code, response.text)
    return response.json()


def raw_request(server, api_id, method, target, headers, body=b""):
    """A host-form request through http.client, which sends `headers` (name, value) pairs as
    given, repeats included. Returns (status, parsed JSON body)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", f"{api_id}.execute-api.localhost:{server.port}")
        for name, value in headers:
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


# ---------------------------------------------------------------------------------------------
# Control plane: APIs


def test_create_api_answers_the_http_api_with_its_defaults(gatehouse, apis):
    api = apis(Name="pets")
    assert ID10.match(api["ApiId"]), api["ApiId"]
    assert api["ApiEndpoint"] == f"http://{api['ApiId']}.execute-api.localhost:{gatehouse.port}"
    assert api["Name"] == "pets"
    assert api["ProtocolType"] == "HTTP"
    assert api["ApiKeySelectionExpression"] == "$request.header.x-api-key"
    assert api["RouteSelectionExpression"] == "$request.method $request.path"
    assert api["DisableExecuteApiEndpoint"] is False
    assert api["Tags"] == {}
    assert isinstance(api["CreatedDate"], datetime.datetime)


def test_an_api_can_be_read_listed_updated_and_deleted(v2, apis):
    api = apis(Name="before")
    api_id = api["ApiId"]
    assert v2.get_api(ApiId=api_id)["Name"] == "before"
    assert api_id in [item["ApiId"] for item in v2.get_apis()["Items"]]

    cors = {"AllowOrigins": ["https://example.com"], "AllowMethods": ["GET", "put"], "MaxAge": 300}
    updated = v2.update_api(ApiId=api_id, Name="after", Description="the pets API", CorsConfiguration=cors)
    assert (updated["Name"], updated["Description"], updated["CorsConfiguration"]) == ("after", "the pets API", cors)
    fetched = v2.get_api(ApiId=api_id)
    assert (fetched["Name"], fetched["Description"], fetched["CorsConfiguration"]) == ("after", "the pets API", cors)

    v2.delete_api(ApiId=api_id)
    with pytest.raises(v2.exceptions.NotFoundException) as error:
        v2.get_api(ApiId=api_id)
    assert_aws_error(error, 404, "NotFoundException", f"Invalid API identifier specified {ACCOUNT_ID}:{api_id}")


def test_tags_on_an_api_are_set_read_and_removed_by_its_arn(v2, api_id):
    arn = f"arn:aws:apigateway:us-east-1::/apis/{api_id}"
    v2.tag_resource(ResourceArn=arn, Tags={"team": "pets", "env": "dev"})
    assert v2.get_tags(ResourceArn=arn)["Tags"] == {"team": "pets", "env": "dev"}
    v2.untag_resource(ResourceArn=arn, TagKeys=["env"])
    assert v2.get_tags(ResourceArn=arn)["Tags"] == {"team": "pets"}
    assert v2.get_api(ApiId=api_id)["Tags"] == {"team": "pets"}


# ---------------------------------------------------------------------------------------------
# Control plane: routes


def test_a_route_has_a_seven_character_id_and_no_authorization(v2, api_id):
    created = v2.create_route(ApiId=api_id, RouteKey="GET /pets/{id}")
    assert ID7.match(created["RouteId"]), created["RouteId"]
    assert created["RouteKey"] == "GET /pets/{id}"
    assert created["ApiKeyRequired"] is False
    assert created["AuthorizationType"] == "NONE"
    for key in ("ANY /{proxy+}", "$default"):
        assert v2.create_route(ApiId=api_id, RouteKey=key)["RouteKey"] == key
    assert sorted(item["RouteKey"] for item in v2.get_routes(ApiId=api_id)["Items"]) == [
        "$default", "ANY /{proxy+}", "GET /pets/{id}"]


def test_a_route_key_can_exist_once_per_api(v2, api_id):
    v2.create_route(ApiId=api_id, RouteKey="GET /pets/{id}")
    with pytest.raises(v2.exceptions.ConflictException) as error:
        v2.create_route(ApiId=api_id, RouteKey="GET /pets/{id}")
    assert_aws_error(error, 409, "ConflictException", "Route with key GET /pets/{id} already exists for this API")


@pytest.mark.parametrize("key, message", [
    ("", "Route key is required"),
    ("GET pets", "One or more path parts appear to be invalid"),
    ("GET /a/{x+}/b", "One or more path parts appear to be invalid"),
])
def test_a_route_key_must_be_a_method_and_a_path(v2, api_id, key, message):
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        v2.create_route(ApiId=api_id, RouteKey=key)
    assert_aws_error(error, 400, "BadRequestException", message)


def test_variables_on_the_same_level_must_have_the_same_name(v2, api_id):
    v2.create_route(ApiId=api_id, RouteKey="GET /a/{x}/b")
    with pytest.raises(v2.exceptions.ConflictException) as error:
        v2.create_route(ApiId=api_id, RouteKey="GET /a/{y}/b")
    assert_aws_error(error, 409, "ConflictException",
                     startswith='The provided route key "GET /a/{y}/b" has a conflicting variable')


def test_a_route_cannot_target_a_missing_integration(v2, api_id):
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        v2.create_route(ApiId=api_id, RouteKey="GET /pets", Target="integrations/nope123")
    assert_aws_error(error, 400, "BadRequestException")


# ---------------------------------------------------------------------------------------------
# Control plane: integrations


def test_a_lambda_integration_needs_a_payload_format_version(v2, api_id, echo):
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        v2.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=echo)
    assert_aws_error(error, 400, "BadRequestException")

    created = v2.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=echo,
                                    PayloadFormatVersion="2.0")
    assert ID7.match(created["IntegrationId"]), created["IntegrationId"]
    assert created["IntegrationType"] == "AWS_PROXY"
    assert created["IntegrationUri"] == echo
    assert created["IntegrationMethod"] == "POST"
    assert created["PayloadFormatVersion"] == "2.0"
    assert created["TimeoutInMillis"] == 30000
    assert created["ConnectionType"] == "INTERNET"


def test_an_http_proxy_integration_defaults_to_any_method_and_payload_1_0(v2, api_id, upstream):
    created = v2.create_integration(ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationUri=f"{upstream.url}/echo")
    assert created["IntegrationMethod"] == "ANY"
    assert created["PayloadFormatVersion"] == "1.0"
    assert created["TimeoutInMillis"] == 30000
    assert [item["IntegrationId"] for item in v2.get_integrations(ApiId=api_id)["Items"]] == [created["IntegrationId"]]


@pytest.mark.parametrize("integration_type", ["MOCK", "HTTP"])
def test_http_apis_only_take_proxy_integrations(v2, api_id, upstream, integration_type):
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        v2.create_integration(ApiId=api_id, IntegrationType=integration_type, IntegrationUri=f"{upstream.url}/echo",
                              IntegrationMethod="GET", PayloadFormatVersion="1.0")
    assert_aws_error(error, 400, "BadRequestException", "Currently, an API with a protocol type of HTTP may only be "
                     "associated with proxy integrations (AWS_PROXY, HTTP_PROXY)")


def test_an_integration_timeout_is_at_most_30_seconds(v2, api_id, echo):
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        lambda_integration(v2, api_id, echo, TimeoutInMillis=40000)
    assert_aws_error(error, 400, "BadRequestException")


def test_an_integration_a_route_targets_cannot_be_deleted(v2, api_id, echo):
    integration = lambda_integration(v2, api_id, echo)
    route_id = route(v2, api_id, "GET /pets", integration)
    with pytest.raises(v2.exceptions.ConflictException) as error:
        v2.delete_integration(ApiId=api_id, IntegrationId=integration)
    assert_aws_error(error, 409, "ConflictException",
                     f"Cannot delete Integration because it is referenced by the following Routes with Ids: [{route_id}]")


# ---------------------------------------------------------------------------------------------
# Control plane: stages and deployments


def test_a_new_stage_has_default_settings_and_no_deployment(v2, api_id):
    stage = v2.create_stage(ApiId=api_id, StageName="dev")
    assert stage["StageName"] == "dev"
    assert stage["DefaultRouteSettings"] == {"DetailedMetricsEnabled": False}
    assert stage["RouteSettings"] == {}
    assert stage["StageVariables"] == {}
    assert stage["Tags"] == {}
    assert "AutoDeploy" not in stage and "DeploymentId" not in stage, stage
    assert [item["StageName"] for item in v2.get_stages(ApiId=api_id)["Items"]] == ["dev"]


def test_a_stage_name_is_unique_and_well_formed(v2, api_id):
    v2.create_stage(ApiId=api_id, StageName="dev")
    with pytest.raises(v2.exceptions.ConflictException) as error:
        v2.create_stage(ApiId=api_id, StageName="dev")
    assert_aws_error(error, 409, "ConflictException", "Stage already exists")
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        v2.create_stage(ApiId=api_id, StageName="a b")
    assert_aws_error(error, 400, "BadRequestException")


def test_an_api_without_routes_cannot_be_deployed(v2, api_id):
    v2.create_stage(ApiId=api_id, StageName="dev")
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        v2.create_deployment(ApiId=api_id, StageName="dev")
    assert_aws_error(error, 400, "BadRequestException", "Unable to deploy API because no routes exist in this API")


def test_a_deployment_points_its_stage_at_it(v2, api_id, echo):
    route(v2, api_id, "GET /pets", lambda_integration(v2, api_id, echo))
    v2.create_stage(ApiId=api_id, StageName="dev")
    deployment = v2.create_deployment(ApiId=api_id, StageName="dev")
    assert deployment["DeploymentStatus"] == "DEPLOYED"
    assert deployment["AutoDeployed"] is False
    assert v2.get_stage(ApiId=api_id, StageName="dev")["DeploymentId"] == deployment["DeploymentId"]
    assert [item["DeploymentId"] for item in v2.get_deployments(ApiId=api_id)["Items"]] == [deployment["DeploymentId"]]


def test_an_auto_deploy_stage_releases_every_change_at_once(gatehouse, v2, api_id, echo, responder):
    integration = lambda_integration(v2, api_id, echo)
    route(v2, api_id, "GET /pets", integration)
    stage = v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    first = stage["DeploymentId"]

    def deployments():
        return {item["DeploymentId"]: item for item in v2.get_deployments(ApiId=api_id)["Items"]}

    def assert_auto_deployed(deployment_id):
        deployment = deployments()[deployment_id]
        assert deployment["AutoDeployed"] is True
        assert deployment["DeploymentStatus"] == "DEPLOYED"
        assert deployment["Description"] == AUTO_DEPLOY_DESCRIPTION
        stage = v2.get_stage(ApiId=api_id, StageName="$default")
        assert stage["DeploymentId"] == deployment_id
        assert stage["LastDeploymentStatusMessage"] == f"Successfully deployed stage with deployment ID '{deployment_id}'"

    assert_auto_deployed(first)
    assert event_of(invoke(gatehouse, api_id, "pets"))["routeKey"] == "GET /pets"

    route(v2, api_id, "GET /toys", integration)
    second = v2.get_stage(ApiId=api_id, StageName="$default")["DeploymentId"]
    assert second != first
    assert_auto_deployed(second)
    assert event_of(invoke(gatehouse, api_id, "toys"))["routeKey"] == "GET /toys"

    v2.update_integration(ApiId=api_id, IntegrationId=integration, IntegrationUri=responder)
    third = v2.get_stage(ApiId=api_id, StageName="$default")["DeploymentId"]
    assert third not in (first, second)
    assert_auto_deployed(third)
    response = invoke(gatehouse, api_id, "pets", params={"mode": "ok"})
    assert (response.status_code, response.text) == (200, "ok")

    v2.update_api(ApiId=api_id, Description="changed")
    fourth = v2.get_stage(ApiId=api_id, StageName="$default")["DeploymentId"]
    assert fourth not in (first, second, third)
    assert_auto_deployed(fourth)
    assert len(deployments()) == 4


def test_without_auto_deploy_a_change_waits_for_a_deployment(gatehouse, v2, api_id, echo, responder):
    integration = routed_api(v2, api_id, echo, "GET /pets")
    route(v2, api_id, "GET /toys", integration)
    v2.update_integration(ApiId=api_id, IntegrationId=integration, IntegrationUri=responder)
    assert invoke(gatehouse, api_id, "toys").json() == NOT_FOUND
    assert event_of(invoke(gatehouse, api_id, "pets", params={"mode": "ok"}))["routeKey"] == "GET /pets"

    v2.create_deployment(ApiId=api_id, StageName="$default")
    response = invoke(gatehouse, api_id, "toys", params={"mode": "ok"})
    assert (response.status_code, response.text) == (200, "ok")


# ---------------------------------------------------------------------------------------------
# Quick create


def test_quick_create_makes_a_managed_integration_route_and_auto_deployed_stage(gatehouse, v2, apis, echo):
    api_id = apis(Target=echo)["ApiId"]
    [integration] = v2.get_integrations(ApiId=api_id)["Items"]
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["IntegrationMethod"] == "POST"
    assert integration["IntegrationUri"] == echo
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["ApiGatewayManaged"] is True
    [only_route] = v2.get_routes(ApiId=api_id)["Items"]
    assert only_route["RouteKey"] == "$default"
    assert only_route["Target"] == f"integrations/{integration['IntegrationId']}"
    assert only_route["ApiGatewayManaged"] is True
    [stage] = v2.get_stages(ApiId=api_id)["Items"]
    assert stage["StageName"] == "$default"
    assert stage["AutoDeploy"] is True
    assert stage["ApiGatewayManaged"] is True
    assert stage["DeploymentId"]

    event = event_of(invoke(gatehouse, api_id, ""))
    assert (event["routeKey"], event["rawPath"]) == ("$default", "/")


def test_quick_create_with_a_route_key_makes_that_route(gatehouse, v2, apis, echo):
    api_id = apis(Target=echo, RouteKey="GET /hello")["ApiId"]
    assert [item["RouteKey"] for item in v2.get_routes(ApiId=api_id)["Items"]] == ["GET /hello"]
    assert event_of(invoke(gatehouse, api_id, "hello"))["routeKey"] == "GET /hello"
    assert invoke(gatehouse, api_id, "other").json() == NOT_FOUND


def test_quick_create_with_a_url_target_makes_an_http_proxy_integration(gatehouse, v2, apis, upstream):
    api_id = apis(Target=f"{upstream.url}/quick")["ApiId"]
    [integration] = v2.get_integrations(ApiId=api_id)["Items"]
    assert integration["IntegrationType"] == "HTTP_PROXY"
    assert integration["IntegrationUri"] == f"{upstream.url}/quick"
    response = invoke(gatehouse, api_id, "")
    assert response.status_code == 200, response.text
    assert (response.json()["method"], response.json()["path"]) == ("GET", "/quick")


# ---------------------------------------------------------------------------------------------
# Routing


@pytest.mark.parametrize("host_form", [True, False], ids=["host-form", "path-form"])
def test_exact_route_beats_greedy_path_beats_default_route(gatehouse, v2, api_id, echo, host_form):
    routed_api(v2, api_id, echo, "GET /pets/dog", "GET /pets/{id}", "ANY /{proxy+}", "$default")
    cases = [
        ("GET", "pets/dog", "GET /pets/dog", None),
        ("GET", "pets/7", "GET /pets/{id}", {"id": "7"}),
        ("POST", "pets/dog", "ANY /{proxy+}", {"proxy": "pets/dog"}),
        ("GET", "pets/7/toys", "ANY /{proxy+}", {"proxy": "pets/7/toys"}),
        ("GET", "", "$default", None),
    ]
    for method, path, key, parameters in cases:
        event = event_of(invoke(gatehouse, api_id, path, method=method, host_form=host_form))
        assert (event["routeKey"], event.get("pathParameters")) == (key, parameters), (method, path)


def test_an_any_route_serves_every_method(gatehouse, v2, api_id, echo):
    routed_api(v2, api_id, echo, "ANY /x")
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        event = event_of(invoke(gatehouse, api_id, "x", method=method))
        assert (event["routeKey"], event["requestContext"]["http"]["method"]) == ("ANY /x", method)


def test_a_get_route_does_not_serve_post(gatehouse, v2, apis, echo):
    without_default = apis()["ApiId"]
    routed_api(v2, without_default, echo, "GET /x")
    response = invoke(gatehouse, without_default, "x", method="POST")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)

    with_default = apis()["ApiId"]
    routed_api(v2, with_default, echo, "GET /x", "$default")
    assert event_of(invoke(gatehouse, with_default, "x", method="POST"))["routeKey"] == "$default"


def test_a_path_no_route_matches_answers_404(gatehouse, v2, api_id, echo):
    routed_api(v2, api_id, echo, "GET /pets")
    for path in ("", "toys", "pets/1"):
        response = invoke(gatehouse, api_id, path)
        assert (response.status_code, response.json()) == (404, NOT_FOUND), path
        assert response.headers["apigw-requestid"]


def test_an_api_without_a_default_stage_answers_404_at_its_root(gatehouse, v2, api_id, echo):
    routed_api(v2, api_id, echo, "GET /pets", "$default", stage="dev")
    for path in ("", "pets"):
        response = invoke(gatehouse, api_id, path)
        assert (response.status_code, response.json()) == (404, NOT_FOUND), path


@pytest.mark.parametrize("host_form", [True, False], ids=["host-form", "path-form"])
def test_a_named_stage_answers_below_its_name(gatehouse, v2, api_id, echo, host_form):
    routed_api(v2, api_id, echo, "GET /items/{id}", stage="dev")
    event = event_of(invoke(gatehouse, api_id, "items/9", stage="dev", host_form=host_form))
    assert event["routeKey"] == "GET /items/{id}"
    assert event["pathParameters"] == {"id": "9"}
    assert event["rawPath"] == "/dev/items/9"
    assert event["requestContext"]["stage"] == "dev"


def test_a_first_segment_naming_no_stage_goes_to_the_default_stage(gatehouse, v2, api_id, echo):
    routed_api(v2, api_id, echo, "ANY /{proxy+}")
    v2.create_stage(ApiId=api_id, StageName="dev")
    v2.create_deployment(ApiId=api_id, StageName="dev")
    event = event_of(invoke(gatehouse, api_id, "prod/x"))
    assert (event["requestContext"]["stage"], event["rawPath"]) == ("$default", "/prod/x")
    assert event["pathParameters"] == {"proxy": "prod/x"}
    event = event_of(invoke(gatehouse, api_id, "dev/x"))
    assert (event["requestContext"]["stage"], event["rawPath"]) == ("dev", "/dev/x")


def test_every_answer_carries_apigw_requestid(gatehouse, v2, api_id, echo):
    routed_api(v2, api_id, echo, "GET /pets")
    response = invoke(gatehouse, api_id, "pets")
    assert response.headers["apigw-requestid"] == event_of(response)["requestContext"]["requestId"]
    other = invoke(gatehouse, api_id, "pets")
    assert other.headers["apigw-requestid"] != response.headers["apigw-requestid"]
    assert invoke(gatehouse, api_id, "missing").headers["apigw-requestid"]


# ---------------------------------------------------------------------------------------------
# Payload format 2.0


def test_the_2_0_event_describes_the_request(gatehouse, v2, api_id, echo):
    routed_api(v2, api_id, echo, "POST /pets/{id}")
    before = int(time.time() * 1000)
    status, event = raw_request(gatehouse, api_id, "POST", "/pets/42?a=1&a=2&b=x", [
        ("User-Agent", USER_AGENT), ("Content-Type", "application/json"), ("X-Multi", "one"), ("X-Multi", "two"),
        ("X-Custom", "Value"), ("Cookie", "c1=v1; c2=v2"),
    ], body=b'{"name": "rex"}')
    after = int(time.time() * 1000)
    assert status == 200, event

    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /pets/{id}"
    assert event["rawPath"] == "/pets/42"
    assert event["rawQueryString"] == "a=1&a=2&b=x"
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    assert event["headers"]["x-multi"] == "one,two"
    assert event["headers"]["x-custom"] == "Value"
    assert event["headers"]["user-agent"] == USER_AGENT
    assert all(name == name.lower() for name in event["headers"]), event["headers"]
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x"}
    assert event["pathParameters"] == {"id": "42"}
    assert "stageVariables" not in event
    assert event["body"] == '{"name": "rex"}'
    assert event["isBase64Encoded"] is False

    context = event["requestContext"]
    assert context["accountId"] == ACCOUNT_ID
    assert context["apiId"] == api_id
    assert context["domainName"] == f"{api_id}.execute-api.localhost"
    assert context["domainPrefix"] == api_id
    assert context["http"] == {"method": "POST", "path": "/pets/42", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                               "userAgent": USER_AGENT}
    assert context["requestId"]
    assert context["routeKey"] == "POST /pets/{id}"
    assert context["stage"] == "$default"
    assert REQUEST_TIME.match(context["time"]), context["time"]
    assert isinstance(context["timeEpoch"], int) and before - 1000 <= context["timeEpoch"] <= after + 1000


def test_absent_parts_of_the_request_are_absent_from_the_2_0_event(gatehouse, v2, api_id, echo):
    routed_api(v2, api_id, echo, "GET /pets")
    event = event_of(invoke(gatehouse, api_id, "pets"))
    for member in ("cookies", "queryStringParameters", "pathParameters", "stageVariables", "body"):
        assert member not in event, (member, event)
    assert event["rawQueryString"] == ""
    assert event["isBase64Encoded"] is False


def test_a_binary_body_arrives_in_base64(gatehouse, v2, api_id, echo):
    routed_api(v2, api_id, echo, "POST /upload")
    payload = bytes([0x00, 0xFF, 0xFE, 0x80, 0xC3, 0x28]) + bytes(range(256))
    event = event_of(invoke(gatehouse, api_id, "upload", method="POST", data=payload,
                            headers={"Content-Type": "application/octet-stream"}))
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_stage_variables_are_in_the_2_0_event(gatehouse, v2, api_id, echo):
    routed_api(v2, api_id, echo, "GET /pets", StageVariables={"color": "blue", "size": "large"})
    assert event_of(invoke(gatehouse, api_id, "pets"))["stageVariables"] == {"color": "blue", "size": "large"}


# ---------------------------------------------------------------------------------------------
# Function results (payload format 2.0)


@pytest.fixture
def responding(gatehouse, v2, api_id, responder):
    """`responding(mode)`: the response of an API whose routes call the responder (GET /r, and
    GET /slow with a 1 s integration timeout) for ?mode=mode."""
    routed_api(v2, api_id, responder, "GET /r")
    route(v2, api_id, "GET /slow", lambda_integration(v2, api_id, responder, TimeoutInMillis=1000))
    v2.create_deployment(ApiId=api_id, StageName="$default")
    return lambda mode, path="r": invoke(gatehouse, api_id, path, params={"mode": mode})


def test_a_result_without_status_code_is_a_200_json_body(responding):
    response = responding("plain")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.text == '{"plain": true}'


def test_a_string_result_is_a_200_json_body(responding):
    response = responding("string")
    assert (response.status_code, response.text) == (200, '"hi"')
    assert response.headers["content-type"] == "application/json"


def test_a_result_with_status_code_sets_status_cookies_headers_and_body(responding):
    response = responding("full")
    assert response.status_code == 201
    assert response.raw.headers.getlist("set-cookie") == ["a=1", "b=2"]
    assert response.headers["x-h"] == "v"
    assert response.text == "made"


def test_a_base64_result_body_is_decoded(responding):
    response = responding("base64")
    assert response.status_code == 200
    assert response.content == bytes(range(256))


def test_a_function_error_answers_500(responding):
    response = responding("raise")
    assert (response.status_code, response.json()) == (500, INTERNAL_ERROR)
    assert response.headers["apigw-requestid"]


def test_a_function_slower_than_the_integration_timeout_answers_503(responding):
    started = time.monotonic()
    response = responding("sleep", path="slow")
    assert (response.status_code, response.json()) == (503, SERVICE_UNAVAILABLE)
    assert time.monotonic() - started < 1.9


def test_a_route_to_a_missing_function_answers_500(gatehouse, v2, api_id):
    routed_api(v2, api_id, function_arn(unique_name("missing")), "GET /gone")
    response = invoke(gatehouse, api_id, "gone")
    assert (response.status_code, response.json()) == (500, INTERNAL_ERROR)


# ---------------------------------------------------------------------------------------------
# Payload format 1.0


def test_payload_1_0_sends_the_rest_style_event(gatehouse, v2, api_id, echo):
    routed_api(v2, api_id, echo, "GET /pets/{id}", version="1.0")
    event = event_of(invoke(gatehouse, api_id, "pets/5", params={"q": "1"}, headers={"X-Custom": "v"}))
    assert event["version"] == "1.0"
    assert event["resource"] == "/pets/{id}"
    assert event["path"] == "/pets/5"
    assert event["httpMethod"] == "GET"
    assert event["queryStringParameters"] == {"q": "1"}
    assert event["pathParameters"] == {"id": "5"}
    assert {name.lower(): value for name, value in event["headers"].items()}["x-custom"] == "v"
    assert "multiValueHeaders" in event


def test_payload_1_0_result_is_the_response(gatehouse, v2, api_id, responder):
    routed_api(v2, api_id, responder, "GET /r", version="1.0")
    response = invoke(gatehouse, api_id, "r", params={"mode": "ok"})
    assert (response.status_code, response.text) == (200, "ok")


# ---------------------------------------------------------------------------------------------
# HTTP_PROXY


@pytest.fixture
def proxied(gatehouse, v2, api_id, upstream):
    """`ANY /up/{proxy+}` -> `{upstream}/echo/{proxy}` and `ANY /raw/{proxy+}` -> `{upstream}/{proxy}`."""
    for prefix, target in (("up", "echo/{proxy}"), ("raw", "{proxy}")):
        integration = v2.create_integration(ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
                                            IntegrationUri=f"{upstream.url}/{target}", PayloadFormatVersion="1.0")
        route(v2, api_id, f"ANY /{prefix}/{{proxy+}}", integration["IntegrationId"])
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    return api_id


def test_http_proxy_forwards_method_path_query_and_body(gatehouse, proxied):
    response = invoke(gatehouse, proxied, "up/a/b", method="PUT", params=[("x", "1"), ("y", "two")],
                      data=b"hello upstream", headers={"Content-Type": "text/plain"})
    assert response.status_code == 200, response.text
    assert response.headers["X-Upstream"] == "yes"
    record = response.json()
    assert record["method"] == "PUT"
    assert record["path"] == "/echo/a/b"
    assert record["raw_query"] == "x=1&y=two"
    assert record["body"] == "hello upstream"


def test_http_proxy_passes_the_upstream_status_and_body_back(gatehouse, proxied):
    response = invoke(gatehouse, proxied, "raw/status/418", method="POST", data=b"teapot")
    assert response.status_code == 418, response.text
    assert response.headers["X-Status-Echo"] == "418"
    assert (response.json()["path"], response.json()["body"]) == ("/status/418", "teapot")


def test_a_lambda_integration_with_a_role_needs_no_resource_policy(gatehouse, v2, api_id, lambda_client):
    """As for REST APIs (recorded): API Gateway assumes `CredentialsArn` instead of needing the
    function's resource policy; without a role the policy is required."""
    name = create_python_function(lambda_client, ECHO, Timeout=5)
    try:
        assumed = lambda_integration(v2, api_id, function_arn(name), CredentialsArn=f"arn:aws:iam::{ACCOUNT_ID}:role/invoke")
        route(v2, api_id, "GET /assumed", assumed)
        route(v2, api_id, "GET /unassumed", lambda_integration(v2, api_id, function_arn(name)))
        v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
        assert invoke(gatehouse, api_id, "assumed").status_code == 200
        assert invoke(gatehouse, api_id, "unassumed").status_code == 500
    finally:
        lambda_client.delete_function(FunctionName=name)
