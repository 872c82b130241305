"""Models, request validators and authorizers."""
import json

import pytest
from botocore.exceptions import ClientError

from helpers import ID6, assert_aws_error, assert_request_id, body_of, status_of

PET_SCHEMA = json.dumps({"type": "object", "properties": {"name": {"type": "string"}}})
LAMBDA_URI = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
              "arn:aws:lambda:us-east-1:000000000000:function:auth/invocations")


# --- Models -----------------------------------------------------------------------------------------------------------


def test_create_model_answers_201(apigw, rest_api):
    response = apigw.create_model(restApiId=rest_api["id"], name="Pet", contentType="application/json",
                                  schema=PET_SCHEMA, description="a pet")
    assert status_of(response) == 201
    assert_request_id(response)
    assert ID6.match(response["id"])
    assert body_of(response) == {"id": response["id"], "name": "Pet", "contentType": "application/json",
                                 "schema": PET_SCHEMA, "description": "a pet"}
    fetched = apigw.get_model(restApiId=rest_api["id"], modelName="Pet")
    assert status_of(fetched) == 200
    assert body_of(fetched) == body_of(response)


def test_create_model_with_empty_description_omits_it(apigw, rest_api):
    response = apigw.create_model(restApiId=rest_api["id"], name="Quiet", contentType="application/json",
                                  schema=PET_SCHEMA, description="")
    assert status_of(response) == 201
    assert "description" not in response
    assert "description" not in apigw.get_model(restApiId=rest_api["id"], modelName="Quiet")


def test_create_model_with_existing_name_answers_409(apigw, rest_api):
    with pytest.raises(ClientError) as error:
        apigw.create_model(restApiId=rest_api["id"], name="Empty", contentType="application/json", schema=PET_SCHEMA)
    assert_aws_error(error, 409, "ConflictException", "Model name already exists for this REST API")


def test_get_model_with_unknown_name_answers_404(apigw, rest_api):
    with pytest.raises(ClientError) as error:
        apigw.get_model(restApiId=rest_api["id"], modelName="MySchema")
    assert_aws_error(error, 404, "NotFoundException", "Invalid model name specified: MySchema")


def test_get_model_of_unknown_api_answers_404_invalid_model_name(apigw):
    with pytest.raises(ClientError) as error:
        apigw.get_model(restApiId="nosuchapi0", modelName="MySchema")
    assert_aws_error(error, 404, "NotFoundException", "Invalid model name specified: MySchema")


def test_get_models_pages_with_limit_and_position(apigw, rest_api):
    for name in ("Alpha", "Beta", "Gamma"):
        apigw.create_model(restApiId=rest_api["id"], name=name, contentType="application/json", schema=PET_SCHEMA)
    names, pages, position = [], [], None
    while True:
        kwargs = {"restApiId": rest_api["id"], "limit": 2}
        if position:
            kwargs["position"] = position
        page = apigw.get_models(**kwargs)
        pages.append(len(page["items"]))
        names += [model["name"] for model in page["items"]]
        position = page.get("position")
        if not position:
            break
        assert len(pages) < 10
    assert pages == [2, 2, 1]
    assert sorted(names) == ["Alpha", "Beta", "Empty", "Error", "Gamma"]


def test_update_model_replaces_description_and_schema(apigw, rest_api):
    apigw.create_model(restApiId=rest_api["id"], name="Pet", contentType="application/json", schema=PET_SCHEMA)
    new_schema = json.dumps({"type": "array", "items": {"type": "string"}})
    response = apigw.update_model(restApiId=rest_api["id"], modelName="Pet", patchOperations=[
        {"op": "replace", "path": "/description", "value": "now described"},
        {"op": "replace", "path": "/schema", "value": new_schema}])
    assert status_of(response) == 200
    assert (response["description"], response["schema"]) == ("now described", new_schema)


def test_delete_model_answers_202(apigw, rest_api):
    apigw.create_model(restApiId=rest_api["id"], name="Pet", contentType="application/json", schema=PET_SCHEMA)
    response = apigw.delete_model(restApiId=rest_api["id"], modelName="Pet")
    assert status_of(response) == 202
    with pytest.raises(ClientError) as error:
        apigw.get_model(restApiId=rest_api["id"], modelName="Pet")
    assert_aws_error(error, 404, "NotFoundException", "Invalid model name specified: Pet")
    with pytest.raises(ClientError) as error:
        apigw.delete_model(restApiId=rest_api["id"], modelName="Pet")
    assert_aws_error(error, 404, "NotFoundException", "Invalid model name specified: Pet")


def test_delete_model_referenced_by_a_method_answers_409(apigw, rest_api):
    apigw.create_model(restApiId=rest_api["id"], name="Pet", contentType="application/json", schema=PET_SCHEMA)
    apigw.put_method(restApiId=rest_api["id"], resourceId=rest_api["rootResourceId"], httpMethod="ANY",
                     authorizationType="NONE", requestModels={"application/json": "Pet"})
    with pytest.raises(ClientError) as error:
        apigw.delete_model(restApiId=rest_api["id"], modelName="Pet")
    assert_aws_error(error, 409, "ConflictException", "Cannot delete model 'Pet', is referenced in method request: //ANY")
    assert apigw.get_model(restApiId=rest_api["id"], modelName="Pet")["name"] == "Pet"


def test_put_method_with_unknown_request_model_answers_400(apigw, rest_api):
    with pytest.raises(ClientError) as error:
        apigw.put_method(restApiId=rest_api["id"], resourceId=rest_api["rootResourceId"], httpMethod="POST",
                         authorizationType="NONE", requestModels={"application/json": "petModel"})
    assert_aws_error(error, 400, "BadRequestException", "Invalid model identifier specified: petModel")


# --- Request validators -----------------------------------------------------------------------------------------------


def test_create_request_validator_answers_201_with_defaults_false(apigw, rest_api):
    response = apigw.create_request_validator(restApiId=rest_api["id"], name="body-only")
    assert status_of(response) == 201
    assert_request_id(response)
    assert ID6.match(response["id"])
    assert body_of(response) == {"id": response["id"], "name": "body-only", "validateRequestBody": False,
                                 "validateRequestParameters": False}


def test_request_validator_get_list_update_delete(apigw, rest_api):
    created = apigw.create_request_validator(restApiId=rest_api["id"], name="v", validateRequestBody=True)
    assert created["validateRequestBody"] is True
    fetched = apigw.get_request_validator(restApiId=rest_api["id"], requestValidatorId=created["id"])
    assert body_of(fetched) == body_of(created)
    listed = apigw.get_request_validators(restApiId=rest_api["id"])
    assert [item["id"] for item in listed["items"]] == [created["id"]]
    updated = apigw.update_request_validator(restApiId=rest_api["id"], requestValidatorId=created["id"],
                                             patchOperations=[
                                                 {"op": "replace", "path": "/validateRequestParameters", "value": "true"},
                                                 {"op": "replace", "path": "/name", "value": "renamed"}])
    assert status_of(updated) == 200
    assert (updated["validateRequestParameters"], updated["name"]) == (True, "renamed")
    deleted = apigw.delete_request_validator(restApiId=rest_api["id"], requestValidatorId=created["id"])
    assert status_of(deleted) == 202
    with pytest.raises(ClientError) as error:
        apigw.get_request_validator(restApiId=rest_api["id"], requestValidatorId=created["id"])
    assert_aws_error(error, 404, "NotFoundException", "Invalid Request Validator identifier specified")


def test_method_can_reference_a_request_validator(apigw, rest_api):
    validator = apigw.create_request_validator(restApiId=rest_api["id"], name="v")
    method = apigw.put_method(restApiId=rest_api["id"], resourceId=rest_api["rootResourceId"], httpMethod="POST",
                              authorizationType="NONE", requestValidatorId=validator["id"])
    assert method["requestValidatorId"] == validator["id"]


def test_create_request_validator_on_unknown_api_answers_400(apigw):
    with pytest.raises(ClientError) as error:
        apigw.create_request_validator(restApiId="nosuchapi0", name="v")
    assert_aws_error(error, 400, "BadRequestException", "Invalid REST API identifier specified")


def test_get_request_validator_of_unknown_api_answers_404(apigw):
    with pytest.raises(ClientError) as error:
        apigw.get_request_validator(restApiId="nosuchapi0", requestValidatorId="abcdef")
    assert_aws_error(error, 404, "NotFoundException", "Invalid Request Validator identifier specified")


# --- Authorizers ------------------------------------------------------------------------------------------------------


def test_create_token_authorizer_answers_201(apigw, rest_api):
    response = apigw.create_authorizer(restApiId=rest_api["id"], name="tok", type="TOKEN", authorizerUri=LAMBDA_URI,
                                       identitySource="method.request.header.Authorization")
    assert status_of(response) == 201
    assert_request_id(response)
    assert ID6.match(response["id"])
    assert response["name"] == "tok"
    assert response["type"] == "TOKEN"
    assert response["authorizerUri"] == LAMBDA_URI
    assert response["identitySource"] == "method.request.header.Authorization"
    assert response["authorizerResultTtlInSeconds"] == 300


def test_authorizer_get_list_update_delete(apigw, rest_api):
    created = apigw.create_authorizer(restApiId=rest_api["id"], name="cog", type="COGNITO_USER_POOLS",
                                      providerARNs=["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc"],
                                      identitySource="method.request.header.Authorization")
    fetched = apigw.get_authorizer(restApiId=rest_api["id"], authorizerId=created["id"])
    assert status_of(fetched) == 200
    assert body_of(fetched) == body_of(created)
    assert [item["id"] for item in apigw.get_authorizers(restApiId=rest_api["id"])["items"]] == [created["id"]]
    updated = apigw.update_authorizer(restApiId=rest_api["id"], authorizerId=created["id"], patchOperations=[
        {"op": "replace", "path": "/name", "value": "renamed"}])
    assert status_of(updated) == 200
    assert updated["name"] == "renamed"
    deleted = apigw.delete_authorizer(restApiId=rest_api["id"], authorizerId=created["id"])
    assert status_of(deleted) == 202
    with pytest.raises(ClientError) as error:
        apigw.get_authorizer(restApiId=rest_api["id"], authorizerId=created["id"])
    assert_aws_error(error, 404, "NotFoundException", "Invalid Authorizer identifier specified")


def test_method_with_custom_authorization_references_the_authorizer(apigw, rest_api):
    authorizer = apigw.create_authorizer(restApiId=rest_api["id"], name="req", type="REQUEST", authorizerUri=LAMBDA_URI,
                                         identitySource="method.request.header.X-Key")
    method = apigw.put_method(restApiId=rest_api["id"], resourceId=rest_api["rootResourceId"], httpMethod="GET",
                              authorizationType="CUSTOM", authorizerId=authorizer["id"])
    assert (method["authorizationType"], method["authorizerId"]) == ("CUSTOM", authorizer["id"])


def test_create_authorizer_on_unknown_api_answers_409(apigw):
    with pytest.raises(ClientError) as error:
        apigw.create_authorizer(restApiId="nosuchapi0", name="tok", type="TOKEN", authorizerUri=LAMBDA_URI,
                                identitySource="method.request.header.Authorization")
    assert_aws_error(error, 409, "ConflictException",
                     "Unable to complete operation due to concurrent modification. Please try again later.")
