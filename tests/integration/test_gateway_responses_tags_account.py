"""Gateway responses, tags and the account settings."""
import pytest
from botocore.exceptions import ClientError

from helpers import ACCOUNT_ID, assert_aws_error, assert_enum_error, assert_request_id, body_of, status_of, unique_name

DEFAULT_TEMPLATES = {"application/json": '{"message":$context.error.messageString}'}
DEFAULT_STATUS = {
    "ACCESS_DENIED": "403", "API_CONFIGURATION_ERROR": "500", "AUTHORIZER_CONFIGURATION_ERROR": "500",
    "AUTHORIZER_FAILURE": "500", "BAD_REQUEST_BODY": "400", "BAD_REQUEST_PARAMETERS": "400", "DEFAULT_4XX": None,
    "DEFAULT_5XX": None, "EXPIRED_TOKEN": "403", "INTEGRATION_FAILURE": "504", "INTEGRATION_TIMEOUT": "504",
    "INVALID_API_KEY": "403", "INVALID_SIGNATURE": "403", "MISSING_AUTHENTICATION_TOKEN": "403",
    "QUOTA_EXCEEDED": "429", "REQUEST_TOO_LARGE": "413", "RESOURCE_NOT_FOUND": "404", "THROTTLED": "429",
    "UNAUTHORIZED": "401", "UNSUPPORTED_MEDIA_TYPE": "415", "WAF_FILTERED": "403",
}


def default_response(kind):
    expected = {"responseType": kind, "defaultResponse": True, "responseParameters": {},
                "responseTemplates": DEFAULT_TEMPLATES}
    if DEFAULT_STATUS[kind]:
        expected["statusCode"] = DEFAULT_STATUS[kind]
    return expected


def api_arn(api_id):
    return f"arn:aws:apigateway:us-east-1::/restapis/{api_id}"


# --- Gateway responses ------------------------------------------------------------------------------------------------


def test_get_gateway_responses_returns_all_21_types_with_defaults(apigw, rest_api):
    response = apigw.get_gateway_responses(restApiId=rest_api["id"])
    assert status_of(response) == 200
    assert_request_id(response)
    items = {item["responseType"]: item for item in response["items"]}
    assert len(response["items"]) == 21
    assert set(items) == set(DEFAULT_STATUS)
    for kind, item in items.items():
        assert item == default_response(kind)
    assert "position" not in response


def test_get_gateway_responses_ignores_limit(apigw, rest_api):
    response = apigw.get_gateway_responses(restApiId=rest_api["id"], limit=5)
    assert len(response["items"]) == 21
    assert "position" not in response


def test_get_gateway_response_of_an_uncustomised_type_is_the_default(apigw, rest_api):
    response = apigw.get_gateway_response(restApiId=rest_api["id"], responseType="MISSING_AUTHENTICATION_TOKEN")
    assert status_of(response) == 200
    assert body_of(response) == default_response("MISSING_AUTHENTICATION_TOKEN")


def test_get_gateway_response_with_bad_type_answers_validation_exception(apigw, rest_api):
    with pytest.raises(ClientError) as error:
        apigw.get_gateway_response(restApiId=rest_api["id"], responseType="FAKE_RESPONSE_TYPE")
    assert_enum_error(error, "responseType", "FAKE_RESPONSE_TYPE", [
        "REQUEST_TOO_LARGE", "RESOURCE_NOT_FOUND", "AUTHORIZER_CONFIGURATION_ERROR", "MISSING_AUTHENTICATION_TOKEN",
        "BAD_REQUEST_BODY", "INVALID_SIGNATURE", "INVALID_API_KEY", "BAD_REQUEST_PARAMETERS", "AUTHORIZER_FAILURE",
        "UNAUTHORIZED", "INTEGRATION_TIMEOUT", "ACCESS_DENIED", "DEFAULT_4XX", "DEFAULT_5XX", "WAF_FILTERED",
        "QUOTA_EXCEEDED", "THROTTLED", "API_CONFIGURATION_ERROR", "UNSUPPORTED_MEDIA_TYPE", "INTEGRATION_FAILURE",
        "EXPIRED_TOKEN"])


def test_get_gateway_responses_of_unknown_api_answers_404(apigw):
    with pytest.raises(ClientError) as error:
        apigw.get_gateway_responses(restApiId="nosuchapi0")
    assert_aws_error(error, 404, "NotFoundException", f"Invalid API identifier specified {ACCOUNT_ID}:nosuchapi0")


def test_put_gateway_response_answers_201_and_customises_the_type(apigw, rest_api):
    response = apigw.put_gateway_response(
        restApiId=rest_api["id"], responseType="MISSING_AUTHENTICATION_TOKEN", statusCode="404",
        responseParameters={"gatewayresponse.header.x-why": "'missing'"},
        responseTemplates={"application/json": '{"error": "not here"}'})
    assert status_of(response) == 201
    assert_request_id(response)
    expected = {"responseType": "MISSING_AUTHENTICATION_TOKEN", "defaultResponse": False, "statusCode": "404",
                "responseParameters": {"gatewayresponse.header.x-why": "'missing'"},
                "responseTemplates": {"application/json": '{"error": "not here"}'}}
    assert body_of(response) == expected
    assert body_of(apigw.get_gateway_response(restApiId=rest_api["id"],
                                              responseType="MISSING_AUTHENTICATION_TOKEN")) == expected
    listed = {item["responseType"]: item for item in apigw.get_gateway_responses(restApiId=rest_api["id"])["items"]}
    assert listed["MISSING_AUTHENTICATION_TOKEN"] == expected
    assert listed["ACCESS_DENIED"] == default_response("ACCESS_DENIED")


def test_put_gateway_response_fills_omitted_members_with_defaults(apigw, rest_api):
    response = apigw.put_gateway_response(restApiId=rest_api["id"], responseType="ACCESS_DENIED", statusCode="418")
    assert body_of(response) == {"responseType": "ACCESS_DENIED", "defaultResponse": False, "statusCode": "418",
                                 "responseParameters": {}, "responseTemplates": DEFAULT_TEMPLATES}


def test_put_gateway_response_replaces_the_whole_customisation(apigw, rest_api):
    apigw.put_gateway_response(restApiId=rest_api["id"], responseType="MISSING_AUTHENTICATION_TOKEN", statusCode="404")
    apigw.put_gateway_response(restApiId=rest_api["id"], responseType="MISSING_AUTHENTICATION_TOKEN",
                               responseParameters={"gatewayresponse.header.x-a": "'b'"})
    response = apigw.get_gateway_response(restApiId=rest_api["id"], responseType="MISSING_AUTHENTICATION_TOKEN")
    assert body_of(response) == {
        "responseType": "MISSING_AUTHENTICATION_TOKEN", "defaultResponse": False, "statusCode": "403",
        "responseParameters": {"gatewayresponse.header.x-a": "'b'"}, "responseTemplates": DEFAULT_TEMPLATES}


def test_put_gateway_response_with_bad_status_code_answers_validation_exception(apigw, rest_api):
    with pytest.raises(ClientError) as error:
        apigw.put_gateway_response(restApiId=rest_api["id"], responseType="DEFAULT_4XX", statusCode="wrong")
    assert_aws_error(error, 400, "ValidationException",
                     "1 validation error detected: Value 'wrong' at 'statusCode' failed to satisfy constraint: "
                     "Member must satisfy regular expression pattern: [1-5]\\d\\d")


def test_update_gateway_response_on_uncustomised_type_creates_the_customisation(apigw, rest_api):
    response = apigw.update_gateway_response(restApiId=rest_api["id"], responseType="DEFAULT_4XX", patchOperations=[
        {"op": "replace", "path": "/statusCode", "value": "444"}])
    assert status_of(response) == 200
    assert body_of(response) == {"responseType": "DEFAULT_4XX", "defaultResponse": False, "statusCode": "444",
                                 "responseParameters": {}, "responseTemplates": DEFAULT_TEMPLATES}


def test_update_gateway_response_add_status_code_answers_400(apigw, rest_api):
    with pytest.raises(ClientError) as error:
        apigw.update_gateway_response(restApiId=rest_api["id"], responseType="DEFAULT_4XX", patchOperations=[
            {"op": "add", "path": "/statusCode", "value": "444"}])
    assert_aws_error(error, 400, "BadRequestException", "Invalid patch path /statusCode")


def test_delete_gateway_response_answers_202_and_restores_the_default(apigw, rest_api):
    apigw.put_gateway_response(restApiId=rest_api["id"], responseType="MISSING_AUTHENTICATION_TOKEN", statusCode="404")
    response = apigw.delete_gateway_response(restApiId=rest_api["id"], responseType="MISSING_AUTHENTICATION_TOKEN")
    assert status_of(response) == 202
    assert_request_id(response)
    restored = apigw.get_gateway_response(restApiId=rest_api["id"], responseType="MISSING_AUTHENTICATION_TOKEN")
    assert body_of(restored) == default_response("MISSING_AUTHENTICATION_TOKEN")


def test_delete_uncustomised_gateway_response_answers_404(apigw, rest_api):
    with pytest.raises(ClientError) as error:
        apigw.delete_gateway_response(restApiId=rest_api["id"], responseType="THROTTLED")
    assert_aws_error(error, 404, "NotFoundException", "Gateway response type not defined on api")


# --- Tags -------------------------------------------------------------------------------------------------------------


def test_tag_resource_on_an_api_arn_answers_204_and_get_tags_returns_them(apigw, rest_api):
    arn = api_arn(rest_api["id"])
    response = apigw.tag_resource(resourceArn=arn, tags={"team": "core", "env": "dev"})
    assert status_of(response) == 204
    assert_request_id(response)
    tags = apigw.get_tags(resourceArn=arn)
    assert status_of(tags) == 200
    assert tags["tags"] == {"team": "core", "env": "dev"}
    assert apigw.get_rest_api(restApiId=rest_api["id"])["tags"] == {"team": "core", "env": "dev"}


def test_tag_resource_overwrites_existing_keys(apigw, rest_api):
    arn = api_arn(rest_api["id"])
    apigw.tag_resource(resourceArn=arn, tags={"team": "core"})
    apigw.tag_resource(resourceArn=arn, tags={"team": "edge", "cost": "42"})
    assert apigw.get_tags(resourceArn=arn)["tags"] == {"team": "edge", "cost": "42"}


def test_untag_resource_answers_204_and_removes_keys(apigw, rest_api):
    arn = api_arn(rest_api["id"])
    apigw.tag_resource(resourceArn=arn, tags={"team": "core", "env": "dev"})
    response = apigw.untag_resource(resourceArn=arn, tagKeys=["env"])
    assert status_of(response) == 204
    assert apigw.get_tags(resourceArn=arn)["tags"] == {"team": "core"}


def test_tags_given_at_creation_are_visible_through_get_tags(apigw):
    api = apigw.create_rest_api(name=unique_name("tagged"), tags={"owner": "me"})
    try:
        assert apigw.get_tags(resourceArn=api_arn(api["id"]))["tags"] == {"owner": "me"}
    finally:
        apigw.delete_rest_api(restApiId=api["id"])


def test_tag_a_stage_arn(apigw, rest_api):
    api = rest_api["id"]
    apigw.put_method(restApiId=api, resourceId=rest_api["rootResourceId"], httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=rest_api["rootResourceId"], httpMethod="GET", type="MOCK")
    apigw.create_deployment(restApiId=api, stageName="dev")
    arn = f"{api_arn(api)}/stages/dev"
    apigw.tag_resource(resourceArn=arn, tags={"stage": "yes"})
    assert apigw.get_tags(resourceArn=arn)["tags"] == {"stage": "yes"}
    assert apigw.get_stage(restApiId=api, stageName="dev")["tags"] == {"stage": "yes"}
    assert "tags" not in apigw.get_rest_api(restApiId=api)


# --- Account ----------------------------------------------------------------------------------------------------------
# The account settings are per region; each test uses a region no other test touches.


def test_get_account_answers_aws_defaults(client_factory):
    client = client_factory(region="eu-west-3")
    response = client.get_account()
    assert status_of(response) == 200
    assert_request_id(response)
    assert body_of(response) == {"throttleSettings": {"burstLimit": 5000, "rateLimit": 10000.0},
                                 "features": ["UsagePlans"], "apiKeyVersion": "4"}


def test_update_account_sets_cloudwatch_role_arn(client_factory):
    client = client_factory(region="ap-southeast-2")
    role = f"arn:aws:iam::{ACCOUNT_ID}:role/apigw-cloudwatch"
    response = client.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role}])
    assert status_of(response) == 200
    assert body_of(response) == {"cloudwatchRoleArn": role, "throttleSettings": {"burstLimit": 5000, "rateLimit": 10000.0},
                                 "features": ["UsagePlans"], "apiKeyVersion": "4"}
    assert body_of(client.get_account()) == body_of(response)


def test_update_account_with_invalid_patch_path_answers_400(client_factory):
    client = client_factory(region="sa-east-1")
    with pytest.raises(ClientError) as error:
        client.update_account(patchOperations=[{"op": "replace", "path": "/apiKeyVersion", "value": "5"}])
    assert_aws_error(error, 400, "BadRequestException")
    assert client.get_account()["apiKeyVersion"] == "4"
