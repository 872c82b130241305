"""Request validation, gateway responses, CORS as users build it, and binary payloads, on the data
plane of deployed stages (docs/aws/mapping-templates.md sections 7-10)."""
import base64
import json
import subprocess

import pytest
from requests.structures import CaseInsensitiveDict

from conftest import InvokableApi
from helpers import unique_name

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" \
      b"\x00\x00\x00\nIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
PNG_B64 = base64.b64encode(PNG).decode()

DRAFT4 = "http://json-schema.org/draft-04/schema#"
PET_SCHEMA = {
    "$schema": DRAFT4, "title": "Pet", "type": "object", "required": ["name"],
    "properties": {"name": {"type": "string"}, "price": {"type": "number", "minimum": 0}},
}

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "'*'",
    "Access-Control-Allow-Methods": "'GET,POST,OPTIONS'",
    "Access-Control-Allow-Headers": "'Content-Type,X-Amz-Date,Authorization,X-Api-Key'",
}


# --- helpers ----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def make_api(apigw, gatehouse):
    """`make_api(**create_rest_api_kwargs)` -> an InvokableApi on a new REST API, deleted after the module."""
    created = []

    def make(**kwargs):
        api = apigw.create_rest_api(name=unique_name("api"), **kwargs)
        created.append(api["id"])
        return InvokableApi(apigw, gatehouse, api)

    yield make
    for api_id in created:
        try:
            apigw.delete_rest_api(restApiId=api_id)
        except apigw.exceptions.NotFoundException:
            pass


def put_method(api, path, http_method, **kwargs):
    resource = api.resource(path)
    api.apigw.put_method(restApiId=api.id, resourceId=resource, httpMethod=http_method, authorizationType="NONE",
                         **kwargs)
    return resource


def http_integration(api, path, http_method, uri, integration_method="POST", content_handling=None,
                     response_content_handling=None, method_kwargs=None):
    """`http_method path` -> HTTP (non-proxy) `integration_method uri`, with one default 200
    integration response that passes the backend's body through."""
    resource = put_method(api, path, http_method, **(method_kwargs or {}))
    kwargs = {"contentHandling": content_handling} if content_handling else {}
    api.apigw.put_integration(restApiId=api.id, resourceId=resource, httpMethod=http_method, type="HTTP",
                              integrationHttpMethod=integration_method, uri=uri, **kwargs)
    api.apigw.put_method_response(restApiId=api.id, resourceId=resource, httpMethod=http_method, statusCode="200")
    kwargs = {"contentHandling": response_content_handling} if response_content_handling else {}
    api.apigw.put_integration_response(restApiId=api.id, resourceId=resource, httpMethod=http_method,
                                       statusCode="200", **kwargs)
    return resource


def mock_with_template(api, path, http_method, template, content_handling=None, headers=None):
    """A MOCK answering 200 whose integration response renders `template` (application/json; None:
    no response template at all), with `contentHandling` and `method.response.header.*` literals."""
    resource = put_method(api, path, http_method)
    api.apigw.put_integration(restApiId=api.id, resourceId=resource, httpMethod=http_method, type="MOCK",
                              requestTemplates={"application/json": '{"statusCode": 200}'})
    headers = headers or {}
    api.apigw.put_method_response(
        restApiId=api.id, resourceId=resource, httpMethod=http_method, statusCode="200",
        responseParameters={f"method.response.header.{name}": False for name in headers})
    kwargs = {"contentHandling": content_handling} if content_handling else {}
    if template is not None:
        kwargs["responseTemplates"] = {"application/json": template}
    api.apigw.put_integration_response(
        restApiId=api.id, resourceId=resource, httpMethod=http_method, statusCode="200",
        responseParameters={f"method.response.header.{name}": value for name, value in headers.items()}, **kwargs)
    return resource


def curl(*args):
    """Runs `curl -sS -i args` and returns (status, headers, body bytes)."""
    done = subprocess.run(["curl", "-sS", "-i", "--max-time", "20", *args], capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    head, _, body = done.stdout.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = CaseInsensitiveDict()
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    return status, headers, body


def assert_gateway_error(response, status, body, error_type):
    assert response.status_code == status, response.text
    assert response.json() == body
    assert response.headers.get("x-amzn-ErrorType") == error_type
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers.get("x-amzn-RequestId")


# --- 7. Request validation --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def validating(make_api, upstream):
    """An API whose POST methods go to the upstream echo (HTTP, `/{api id}/{name}`):
    /pets        validator ALL,    model Pet, required querystring q and header X-Id
    /body-only   validator BODY,   model Pet, required q and X-Id
    /params-only validator PARAMS, model Pet, required q and X-Id
    /orders      validator BODY,   model Order (whose `pet` $refs Pet)
    /ordered     validator PARAMS, required header zeta and querystring alpha
    /unvalidated no validator,     model Pet, required q"""
    api = make_api()
    apigw = api.apigw
    apigw.create_model(restApiId=api.id, name="Pet", contentType="application/json", schema=json.dumps(PET_SCHEMA))
    apigw.create_model(restApiId=api.id, name="Order", contentType="application/json", schema=json.dumps({
        "$schema": DRAFT4, "title": "Order", "type": "object", "required": ["pet", "quantity"],
        "properties": {
            "pet": {"$ref": f"https://apigateway.amazonaws.com/restapis/{api.id}/models/Pet"},
            "quantity": {"type": "integer", "minimum": 1},
        },
    }))
    validators = {
        name: apigw.create_request_validator(restApiId=api.id, name=name, **flags)["id"]
        for name, flags in {
            "all": {"validateRequestBody": True, "validateRequestParameters": True},
            "body": {"validateRequestBody": True, "validateRequestParameters": False},
            "params": {"validateRequestBody": False, "validateRequestParameters": True},
        }.items()
    }
    required = {"method.request.querystring.q": True, "method.request.header.X-Id": True}
    pet = {"application/json": "Pet"}
    for path, method_kwargs in {
        "/pets": {"requestValidatorId": validators["all"], "requestModels": pet, "requestParameters": required},
        "/body-only": {"requestValidatorId": validators["body"], "requestModels": pet, "requestParameters": required},
        "/params-only": {"requestValidatorId": validators["params"], "requestModels": pet,
                         "requestParameters": required},
        "/orders": {"requestValidatorId": validators["body"], "requestModels": {"application/json": "Order"}},
        "/ordered": {"requestValidatorId": validators["params"], "requestParameters": {
            "method.request.header.zeta": True, "method.request.querystring.alpha": True}},
        "/unvalidated": {"requestModels": pet, "requestParameters": {"method.request.querystring.q": True}},
    }.items():
        http_integration(api, path, "POST", f"{upstream.url}/{api.id}{path}", method_kwargs=method_kwargs)
    api.deploy("dev")
    return api


def reached_upstream(upstream, api, path):
    """The requests the upstream echo got for `path` of `api`."""
    return [record for record in upstream.requests if record["path"] == f"/{api.id}{path}"]


def post(api, path, body, params=None, headers=None, content_type="application/json"):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return api.invoke("dev", path, method="POST", params=params, data=data,
                      headers={"Content-Type": content_type, **(headers or {})})


VALID_PET = {"name": "rex", "price": 12.5}
GOOD_PARAMS = {"params": {"q": "dogs"}, "headers": {"X-Id": "7"}}


def test_missing_required_parameters_answer_400_listing_them(validating, upstream):
    before = len(reached_upstream(upstream, validating, "/pets"))
    response = post(validating, "pets", VALID_PET)
    assert_gateway_error(response, 400, {"message": "Missing required request parameters: [X-Id, q]"},
                         "BadRequestException")
    assert len(reached_upstream(upstream, validating, "/pets")) == before, "the integration must not run"


def test_missing_required_query_parameter_answers_400(validating):
    response = post(validating, "pets", VALID_PET, headers={"X-Id": "7"})
    assert_gateway_error(response, 400, {"message": "Missing required request parameters: [q]"}, "BadRequestException")


def test_missing_required_header_answers_400(validating):
    response = post(validating, "pets", VALID_PET, params={"q": "dogs"})
    assert_gateway_error(response, 400, {"message": "Missing required request parameters: [X-Id]"},
                         "BadRequestException")


def test_blank_required_query_parameter_counts_as_missing(validating):
    response = validating.invoke("dev", "pets?q=", method="POST", data=json.dumps(VALID_PET),
                                 headers={"Content-Type": "application/json", "X-Id": "7"})
    assert_gateway_error(response, 400, {"message": "Missing required request parameters: [q]"}, "BadRequestException")


def test_blank_required_header_counts_as_missing(validating):
    # "The required request parameters in the URI, query string, and headers of an incoming
    # request are included and not blank." (AWS docs, request validation overview)
    response = post(validating, "pets", VALID_PET, params={"q": "dogs"}, headers={"X-Id": ""})
    assert_gateway_error(response, 400, {"message": "Missing required request parameters: [X-Id]"},
                         "BadRequestException")


def test_missing_parameter_names_are_ordered_by_location_then_name(validating):
    # AWS sorts the full keys: method.request.header.zeta < method.request.querystring.alpha.
    response = post(validating, "ordered", {})
    assert_gateway_error(response, 400, {"message": "Missing required request parameters: [zeta, alpha]"},
                         "BadRequestException")


@pytest.mark.parametrize("body", [
    {"price": 3},                      # required name missing
    {"name": "rex", "price": -1},      # below the minimum
    {"name": 5},                       # wrong type
    {"name": "rex", "price": "cheap"},
    "[1, 2]",                          # not an object
    '{"name": "rex"',                  # not JSON at all
], ids=["missing-name", "negative-price", "name-not-string", "price-not-number", "array", "unparsable"])
def test_invalid_request_body_answers_400(validating, upstream, body):
    before = len(reached_upstream(upstream, validating, "/pets"))
    response = post(validating, "pets", body, **GOOD_PARAMS)
    assert_gateway_error(response, 400, {"message": "Invalid request body"}, "BadRequestException")
    assert len(reached_upstream(upstream, validating, "/pets")) == before, "the integration must not run"


def test_charset_parameter_still_selects_the_json_model(validating):
    response = post(validating, "pets", {"price": 3}, content_type="application/json; charset=utf-8", **GOOD_PARAMS)
    assert_gateway_error(response, 400, {"message": "Invalid request body"}, "BadRequestException")


def test_valid_request_reaches_the_integration(validating):
    response = post(validating, "pets", VALID_PET, **GOOD_PARAMS)
    assert response.status_code == 200, response.text
    echo = response.json()
    assert echo["method"] == "POST"
    assert echo["path"] == f"/{validating.id}/pets"
    assert json.loads(echo["body"]) == VALID_PET


def test_parameters_are_checked_before_the_body(validating):
    response = post(validating, "pets", {"price": -1}, headers={"X-Id": "7"})
    assert_gateway_error(response, 400, {"message": "Missing required request parameters: [q]"}, "BadRequestException")


def test_body_only_validator_ignores_parameters(validating):
    assert post(validating, "body-only", VALID_PET).status_code == 200
    response = post(validating, "body-only", {"price": 1})
    assert_gateway_error(response, 400, {"message": "Invalid request body"}, "BadRequestException")


def test_parameters_only_validator_ignores_the_body(validating):
    response = post(validating, "params-only", {"name": 5, "price": -1}, **GOOD_PARAMS)
    assert response.status_code == 200, response.text
    assert json.loads(response.json()["body"]) == {"name": 5, "price": -1}
    response = post(validating, "params-only", VALID_PET, params={"q": "dogs"})
    assert_gateway_error(response, 400, {"message": "Missing required request parameters: [X-Id]"},
                         "BadRequestException")


def test_content_type_without_a_model_is_not_validated(validating):
    response = post(validating, "pets", "price=-1, no name", content_type="text/plain", **GOOD_PARAMS)
    assert response.status_code == 200, response.text
    assert response.json()["body"] == "price=-1, no name"


def test_method_without_a_validator_does_not_validate(validating):
    response = post(validating, "unvalidated", {"price": -1})
    assert response.status_code == 200, response.text


def test_model_referencing_another_model_validates_through_the_reference(validating):
    good = {"pet": VALID_PET, "quantity": 2}
    response = post(validating, "orders", good)
    assert response.status_code == 200, response.text
    assert json.loads(response.json()["body"]) == good
    for bad in ({"pet": {"name": "rex", "price": -5}, "quantity": 2}, {"pet": {"price": 1}, "quantity": 2},
                {"pet": VALID_PET, "quantity": 0}):
        response = post(validating, "orders", bad)
        assert_gateway_error(response, 400, {"message": "Invalid request body"}, "BadRequestException")


# --- 8. Gateway responses ---------------------------------------------------------------------------------------------


MISSING_TOKEN = {"message": "Missing Authentication Token"}


@pytest.fixture
def mocked(invokable):
    """GET /pets (MOCK 200 `{"pets": []}`), not deployed yet."""
    invokable.mock("/pets", "GET", body='{"pets": []}')
    return invokable


def test_unknown_path_answers_403_missing_authentication_token(mocked):
    mocked.deploy("dev")
    for path, method in (("nope", "GET"), ("pets/1", "GET"), ("pets", "DELETE")):
        assert_gateway_error(mocked.invoke("dev", path, method=method), 403, MISSING_TOKEN,
                             "MissingAuthenticationTokenException")
    status, headers, body = curl(mocked.url("dev", "no/such/path"))
    assert status == 403
    assert json.loads(body) == MISSING_TOKEN
    assert headers.get("x-amzn-ErrorType") == "MissingAuthenticationTokenException"


def test_customized_bad_request_body_response_takes_effect_with_the_next_deployment(apigw, invokable, upstream):
    validator = apigw.create_request_validator(restApiId=invokable.id, name="body", validateRequestBody=True)["id"]
    apigw.create_model(restApiId=invokable.id, name="Pet", contentType="application/json",
                       schema=json.dumps(PET_SCHEMA))
    http_integration(invokable, "/pets", "POST", f"{upstream.url}/{invokable.id}/pets", method_kwargs={
        "requestValidatorId": validator, "requestModels": {"application/json": "Pet"}})
    invokable.deploy("dev")
    apigw.put_gateway_response(
        restApiId=invokable.id, responseType="BAD_REQUEST_BODY", statusCode="422",
        responseParameters={"gatewayresponse.header.X-Why": "'validation'",
                            "gatewayresponse.header.X-Trace": "method.request.header.X-Trace"},
        responseTemplates={"application/json": '{"error": "$context.error.message", '
                                               '"details": "$context.error.validationErrorString", '
                                               '"type": "$context.error.responseType"}'})

    def invalid():
        return invokable.invoke("dev", "pets", method="POST", data=json.dumps({"name": "rex", "price": -1}),
                                headers={"Content-Type": "application/json", "X-Trace": "trace-123"})

    # Gateway responses are part of the deployment: the stage still answers the default.
    before = invalid()
    assert_gateway_error(before, 400, {"message": "Invalid request body"}, "BadRequestException")
    assert "X-Why" not in before.headers

    invokable.deploy("dev")
    response = invalid()
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) == {"error", "details", "type"}
    assert body["error"] == "Invalid request body"
    assert body["type"] == "BAD_REQUEST_BODY"
    assert "minimum" in body["details"], body
    assert response.headers["X-Why"] == "validation"
    assert response.headers["X-Trace"] == "trace-123"
    assert response.headers["x-amzn-ErrorType"] == "BadRequestException"
    assert response.headers["Content-Type"].startswith("application/json")

    # A valid body is untouched by the customization.
    ok = invokable.invoke("dev", "pets", method="POST", data=json.dumps(VALID_PET),
                          headers={"Content-Type": "application/json"})
    assert ok.status_code == 200, ok.text


DEFAULT_4XX_TEMPLATE = '{"custom": $context.error.messageString, "type": "$context.error.responseType"}'


def test_default_4xx_customization_applies_to_missing_authentication_token(apigw, mocked):
    apigw.put_gateway_response(restApiId=mocked.id, responseType="DEFAULT_4XX",
                               responseParameters={"gatewayresponse.header.X-Family": "'4xx'"},
                               responseTemplates={"application/json": DEFAULT_4XX_TEMPLATE})
    mocked.deploy("dev")
    response = mocked.invoke("dev", "nope")
    assert response.status_code == 403
    assert response.json() == {"custom": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN"}
    assert response.headers["X-Family"] == "4xx"
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert mocked.invoke("dev", "pets").json() == {"pets": []}


def test_default_4xx_status_code_applies_to_every_uncustomized_4xx_type(apigw, mocked, upstream):
    validator = apigw.create_request_validator(restApiId=mocked.id, name="params",
                                               validateRequestParameters=True)["id"]
    http_integration(mocked, "/search", "GET", f"{upstream.url}/{mocked.id}/search", integration_method="GET",
                     method_kwargs={"requestValidatorId": validator,
                                    "requestParameters": {"method.request.querystring.q": True}})
    apigw.put_gateway_response(restApiId=mocked.id, responseType="DEFAULT_4XX", statusCode="418")
    mocked.deploy("dev")
    assert_gateway_error(mocked.invoke("dev", "nope"), 418, MISSING_TOKEN, "MissingAuthenticationTokenException")
    assert_gateway_error(mocked.invoke("dev", "search"), 418,
                         {"message": "Missing required request parameters: [q]"}, "BadRequestException")
    assert mocked.invoke("dev", "search", params={"q": "x"}).status_code == 200


def test_type_specific_gateway_response_wins_over_default_4xx(apigw, mocked):
    apigw.put_gateway_response(restApiId=mocked.id, responseType="DEFAULT_4XX",
                               responseParameters={"gatewayresponse.header.X-Family": "'4xx'"},
                               responseTemplates={"application/json": DEFAULT_4XX_TEMPLATE})
    apigw.put_gateway_response(restApiId=mocked.id, responseType="MISSING_AUTHENTICATION_TOKEN", statusCode="404",
                               responseParameters={"gatewayresponse.header.X-Specific": "'yes'"},
                               responseTemplates={"application/json": '{"notFound": "$context.error.message"}'})
    mocked.deploy("dev")
    response = mocked.invoke("dev", "nope")
    assert response.status_code == 404
    assert response.json() == {"notFound": "Missing Authentication Token"}
    assert response.headers["X-Specific"] == "yes"
    assert "X-Family" not in response.headers
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_delete_gateway_response_restores_the_default(apigw, mocked):
    apigw.put_gateway_response(restApiId=mocked.id, responseType="DEFAULT_4XX",
                               responseTemplates={"application/json": DEFAULT_4XX_TEMPLATE})
    apigw.put_gateway_response(restApiId=mocked.id, responseType="MISSING_AUTHENTICATION_TOKEN", statusCode="404",
                               responseTemplates={"application/json": '{"notFound": true}'})
    mocked.deploy("dev")
    assert mocked.invoke("dev", "nope").json() == {"notFound": True}

    apigw.delete_gateway_response(restApiId=mocked.id, responseType="MISSING_AUTHENTICATION_TOKEN")
    mocked.deploy("dev")
    response = mocked.invoke("dev", "nope")
    assert response.status_code == 403
    assert response.json() == {"custom": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN"}

    apigw.delete_gateway_response(restApiId=mocked.id, responseType="DEFAULT_4XX")
    mocked.deploy("dev")
    assert_gateway_error(mocked.invoke("dev", "nope"), 403, MISSING_TOKEN, "MissingAuthenticationTokenException")


def test_default_5xx_customization_applies_to_integration_failures(apigw, invokable, closed_port):
    invokable.http_proxy("/down", f"http://127.0.0.1:{closed_port}/x", http_method="GET", integration_method="GET")
    invokable.mock("/misconfigured", "GET", status=500,
                   responses=[{"status": 200, "pattern": "2\\d{2}", "template": ""}])
    invokable.mock("/pets", "GET", body='{"pets": []}')
    apigw.put_gateway_response(restApiId=invokable.id, responseType="DEFAULT_5XX", statusCode="503",
                               responseParameters={"gatewayresponse.header.X-Family": "'5xx'"},
                               responseTemplates={"application/json": '{"sorry": $context.error.messageString}'})
    invokable.deploy("dev")
    for path in ("down", "misconfigured"):
        response = invokable.invoke("dev", path, timeout=10)
        assert response.status_code == 503, (path, response.text)
        assert response.json() == {"sorry": "Internal server error"}, path
        assert response.headers["X-Family"] == "5xx"
    # 4xx answers are not in the 5xx family.
    assert_gateway_error(invokable.invoke("dev", "nope"), 403, MISSING_TOKEN, "MissingAuthenticationTokenException")
    assert invokable.invoke("dev", "pets").status_code == 200


def test_request_body_over_10_mb_is_refused_before_gateway_responses(mocked, apigw):
    # AWS answers an oversized body at its front door: a customized REQUEST_TOO_LARGE does not apply
    # (docs/aws/limits.md, recorded in koki-develop/lgtm-generator#10).
    apigw.put_gateway_response(restApiId=mocked.id, responseType="REQUEST_TOO_LARGE", statusCode="400",
                               responseTemplates={"application/json": '{"custom": true}'})
    mocked.mock("/upload", "POST", body="stored")
    mocked.deploy("dev")
    response = mocked.invoke("dev", "upload", method="POST", data=b"x" * (10 * 1024 * 1024 + 1),
                             headers={"Content-Type": "application/json"})
    apigw.delete_gateway_response(restApiId=mocked.id, responseType="REQUEST_TOO_LARGE")
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.text == "HTTP content length exceeded 10485760 bytes."


# --- 9. CORS ----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cors(make_api, apigw):
    """/pets: OPTIONS (MOCK preflight with the three Access-Control-Allow-* headers) and GET (MOCK,
    mapping Access-Control-Allow-Origin); /plain: GET only. Stage `bare` is deployed before, stage
    `dev` after DEFAULT_4XX gets `Access-Control-Allow-Origin: '*'`."""
    api = make_api()
    api.mock("/pets", "OPTIONS", responses=[{"status": 200, "template": "{}", "headers": CORS_HEADERS}])
    api.mock("/pets", "GET", responses=[{"status": 200, "template": '{"pets": []}',
                                         "headers": {"Access-Control-Allow-Origin": "'*'"}}])
    api.mock("/plain", "GET", body='{"plain": true}')
    api.deploy("bare")
    apigw.put_gateway_response(restApiId=api.id, responseType="DEFAULT_4XX",
                               responseParameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"})
    api.deploy("dev")
    return api


def test_cors_preflight_answers_200_with_the_allow_headers(cors):
    status, headers, _ = curl("-X", "OPTIONS", "-H", "Origin: https://example.com",
                              "-H", "Access-Control-Request-Method: POST",
                              "-H", "Access-Control-Request-Headers: Content-Type", cors.url("dev", "pets"))
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Access-Control-Allow-Methods"] == "GET,POST,OPTIONS"
    assert headers["Access-Control-Allow-Headers"] == "Content-Type,X-Amz-Date,Authorization,X-Api-Key"


def test_cors_get_response_carries_allow_origin(cors):
    response = cors.invoke("dev", "pets", headers={"Origin": "https://example.com"})
    assert response.status_code == 200
    assert response.json() == {"pets": []}
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in cors.invoke("dev", "plain").headers


def test_cors_default_4xx_header_is_on_a_403_for_an_unknown_path(cors):
    response = cors.invoke("dev", "nope", headers={"Origin": "https://example.com"})
    assert_gateway_error(response, 403, MISSING_TOKEN, "MissingAuthenticationTokenException")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    bare = cors.invoke("bare", "nope", headers={"Origin": "https://example.com"})
    assert_gateway_error(bare, 403, MISSING_TOKEN, "MissingAuthenticationTokenException")
    assert "Access-Control-Allow-Origin" not in bare.headers


def test_cors_preflight_to_a_resource_without_options_answers_403(cors):
    for stage, allow_origin in (("bare", None), ("dev", "*")):
        status, headers, body = curl("-X", "OPTIONS", "-H", "Origin: https://example.com",
                                     "-H", "Access-Control-Request-Method: GET", cors.url(stage, "plain"))
        assert status == 403, stage
        assert json.loads(body) == MISSING_TOKEN
        assert headers.get("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
        assert headers.get("Access-Control-Allow-Origin") == allow_origin, stage


@pytest.fixture(scope="module")
def star_binary(make_api):
    """An API with binaryMediaTypes ["*/*"] and MOCK OPTIONS preflights: /no-template and /braces
    (response template `{}`) without contentHandling, /fixed-no-template and /fixed-braces with
    an integration response contentHandling CONVERT_TO_TEXT."""
    api = make_api(binaryMediaTypes=["*/*"])
    for name, template in (("no-template", None), ("braces", "{}")):
        mock_with_template(api, f"/{name}", "OPTIONS", template, headers=CORS_HEADERS)
        mock_with_template(api, f"/fixed-{name}", "OPTIONS", template, content_handling="CONVERT_TO_TEXT",
                           headers=CORS_HEADERS)
    api.deploy("dev")
    return api


PREFLIGHT = ["-X", "OPTIONS", "-H", "Origin: https://example.com", "-H", "Access-Control-Request-Method: POST"]


# AWS also answers 500 for a MOCK OPTIONS without any response template under */* (its log shows
# "Unable to transform response"); Gatehouse answers that one 200 — see docs/aws/mapping-templates.md.
@pytest.mark.parametrize("path", ["braces"])
def test_star_binary_media_type_breaks_a_mock_options_without_convert_to_text(star_binary, path):
    status, headers, body = curl(*PREFLIGHT, star_binary.url("dev", path))
    assert status == 500, body
    assert json.loads(body) == {"message": "Internal server error"}
    assert "Access-Control-Allow-Origin" not in headers


@pytest.mark.parametrize("path", ["fixed-no-template", "fixed-braces"])
def test_star_binary_media_type_mock_options_with_convert_to_text_answers_200(star_binary, path):
    status, headers, body = curl(*PREFLIGHT, star_binary.url("dev", path))
    assert status == 200, body
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Access-Control-Allow-Methods"] == "GET,POST,OPTIONS"


# --- 10. Binary -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def binary(make_api, upstream):
    """An API created with binaryMediaTypes ["image/png"]:
    POST /upload, /upload-text (CONVERT_TO_TEXT), /upload-binary (CONVERT_TO_BINARY): HTTP to the echo;
    GET /image: MOCK rendering base64 PNG text, integration response CONVERT_TO_BINARY;
    GET /image-auto: the same without contentHandling; GET /image-text: CONVERT_TO_TEXT;
    GET /garbage: MOCK rendering text that is not base64, CONVERT_TO_BINARY."""
    api = make_api(binaryMediaTypes=["image/png"])
    for path, handling in (("/upload", None), ("/upload-text", "CONVERT_TO_TEXT"),
                           ("/upload-binary", "CONVERT_TO_BINARY")):
        http_integration(api, path, "POST", f"{upstream.url}/{api.id}{path}", content_handling=handling)
    png = {"Content-Type": "'image/png'"}
    mock_with_template(api, "/image", "GET", PNG_B64, content_handling="CONVERT_TO_BINARY", headers=png)
    mock_with_template(api, "/image-auto", "GET", PNG_B64, headers=png)
    mock_with_template(api, "/image-text", "GET", PNG_B64, content_handling="CONVERT_TO_TEXT")
    mock_with_template(api, "/garbage", "GET", "%%% not base64 %%%", content_handling="CONVERT_TO_BINARY")
    api.deploy("dev")
    return api


def upload(api, path, data, content_type):
    response = api.invoke("dev", path, method="POST", data=data,
                          headers={"Content-Type": content_type, "Accept": "application/json"})
    assert response.status_code == 200, response.text
    return base64.b64decode(response.json()["body_b64"])


def test_binary_media_types_are_set_on_create(apigw, binary):
    assert apigw.get_rest_api(restApiId=binary.id)["binaryMediaTypes"] == ["image/png"]


def test_binary_request_body_reaches_the_http_backend_unchanged(binary):
    assert upload(binary, "upload", PNG, "image/png") == PNG


def test_text_request_body_reaches_the_http_backend_unchanged(binary):
    assert upload(binary, "upload", "plain text é".encode(), "text/plain; charset=utf-8") == "plain text é".encode()


def test_convert_to_text_sends_a_binary_request_as_base64(binary):
    assert upload(binary, "upload-text", PNG, "image/png") == PNG_B64.encode()


def test_convert_to_text_leaves_a_text_request_alone(binary):
    assert upload(binary, "upload-text", b'{"a": 1}', "application/json") == b'{"a": 1}'


def test_convert_to_binary_decodes_a_base64_text_request(binary):
    assert upload(binary, "upload-binary", PNG_B64.encode(), "text/plain") == PNG


def test_convert_to_binary_passes_a_binary_request_unchanged(binary):
    assert upload(binary, "upload-binary", PNG, "image/png") == PNG


@pytest.mark.parametrize("accept", ["image/png", "application/json"])
def test_response_convert_to_binary_decodes_base64_template_output(binary, accept):
    response = binary.invoke("dev", "image", headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.content == PNG
    assert response.headers["Content-Type"] == "image/png"


def test_response_without_content_handling_is_decoded_for_a_binary_accept(binary):
    response = binary.invoke("dev", "image-auto", headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.content == PNG


def test_response_without_content_handling_stays_text_for_a_text_accept(binary):
    response = binary.invoke("dev", "image-auto", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.content == PNG_B64.encode()


def test_only_the_first_accept_type_counts(binary):
    response = binary.invoke("dev", "image-auto", headers={"Accept": "application/json, image/png"})
    assert response.content == PNG_B64.encode()
    response = binary.invoke("dev", "image-auto", headers={"Accept": "image/png, application/json"})
    assert response.content == PNG
    response = binary.invoke("dev", "image-auto", headers={"Accept": "image/png;q=0.8"})
    assert response.content == PNG


def test_response_convert_to_text_keeps_base64_for_a_binary_accept(binary):
    response = binary.invoke("dev", "image-text", headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.content == PNG_B64.encode()


def test_convert_to_binary_of_text_that_is_not_base64_answers_500(binary):
    response = binary.invoke("dev", "garbage", headers={"Accept": "application/json"})
    assert_gateway_error(response, 500, {"message": "Internal server error"}, "InternalServerErrorException")


@pytest.fixture(scope="module")
def binary_backend(make_api, apigw, upstream):
    """GET /raw, /as-text (CONVERT_TO_TEXT), /as-binary (CONVERT_TO_BINARY): HTTP GET to the echo's
    /binary (application/octet-stream); the API's binaryMediaTypes gain application/octet-stream by
    UpdateRestApi before the deployment."""
    api = make_api()
    for path, handling in (("/raw", None), ("/as-text", "CONVERT_TO_TEXT"), ("/as-binary", "CONVERT_TO_BINARY")):
        http_integration(api, path, "GET", f"{upstream.url}/binary", integration_method="GET",
                         response_content_handling=handling)
    api.deploy("before")
    updated = apigw.update_rest_api(restApiId=api.id, patchOperations=[
        {"op": "add", "path": "/binaryMediaTypes/application~1octet-stream"}])
    assert updated["binaryMediaTypes"] == ["application/octet-stream"]
    api.deploy("dev")
    return api


@pytest.mark.parametrize("path,accept,expected", [
    ("raw", "application/octet-stream", "binary"),
    ("raw", "application/json", "base64"),
    ("as-text", "application/octet-stream", "base64"),
    ("as-text", "application/json", "base64"),
    ("as-binary", "application/json", "binary"),
    ("as-binary", "application/octet-stream", "binary"),
])
def test_binary_backend_response_follows_the_conversion_table(binary_backend, upstream, path, accept, expected):
    payload = upstream.binary_payload
    response = binary_backend.invoke("dev", path, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.content == (payload if expected == "binary" else base64.b64encode(payload))


def test_binary_media_types_take_effect_with_the_next_deployment(binary_backend, upstream):
    # Stage `before` was deployed while binaryMediaTypes was empty: nothing is base64-encoded there.
    response = binary_backend.invoke("before", "raw", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.content != base64.b64encode(upstream.binary_payload)
    response = binary_backend.invoke("dev", "raw", headers={"Accept": "application/json"})
    assert response.content == base64.b64encode(upstream.binary_payload)
