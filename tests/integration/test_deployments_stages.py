"""Deployments and stages, including the stage patch operations (variables, method settings)."""
import datetime

import pytest
from botocore.exceptions import ClientError

from helpers import ID6, assert_aws_error, assert_request_id, body_of, status_of

DEFAULT_METHOD_SETTING = {
    "metricsEnabled": False, "dataTraceEnabled": False, "throttlingBurstLimit": 5000, "throttlingRateLimit": 10000.0,
    "cachingEnabled": False, "cacheTtlInSeconds": 300, "cacheDataEncrypted": False,
    "requireAuthorizationForCacheControl": True, "unauthorizedCacheControlHeaderStrategy": "SUCCEED_WITH_RESPONSE_HEADER",
}


@pytest.fixture
def deployable(apigw, rest_api):
    """The rest_api with GET /pets backed by a MOCK integration; returns the api id and resource id."""
    api = rest_api["id"]
    pets = apigw.create_resource(restApiId=api, parentId=rest_api["rootResourceId"], pathPart="pets")
    apigw.put_method(restApiId=api, resourceId=pets["id"], httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api, resourceId=pets["id"], httpMethod="GET", type="MOCK")
    return {"api": api, "resource": pets["id"]}


@pytest.fixture
def stage(apigw, deployable):
    """Stage `dev` on a fresh deployment."""
    deployment = apigw.create_deployment(restApiId=deployable["api"], stageName="dev")
    return dict(deployable, deployment=deployment["id"], stage="dev")


def update_stage(apigw, stage, *operations):
    return apigw.update_stage(restApiId=stage["api"], stageName=stage["stage"], patchOperations=list(operations))


# --- Deployments ------------------------------------------------------------------------------------------------------


def test_create_deployment_without_methods_answers_400(apigw, rest_api):
    with pytest.raises(ClientError) as error:
        apigw.create_deployment(restApiId=rest_api["id"])
    assert_aws_error(error, 400, "BadRequestException", "The REST API doesn't contain any methods")


def test_create_deployment_with_a_method_lacking_integration_answers_400(apigw, rest_api):
    apigw.put_method(restApiId=rest_api["id"], resourceId=rest_api["rootResourceId"], httpMethod="GET",
                     authorizationType="NONE")
    with pytest.raises(ClientError) as error:
        apigw.create_deployment(restApiId=rest_api["id"], stageName="dev")
    assert_aws_error(error, 400, "BadRequestException", "No integration defined for method")
    assert apigw.get_deployments(restApiId=rest_api["id"]).get("items", []) == []
    assert apigw.get_stages(restApiId=rest_api["id"]).get("item", []) == []


def test_create_deployment_answers_201_with_id_and_created_date(apigw, deployable):
    response = apigw.create_deployment(restApiId=deployable["api"], description="first")
    assert status_of(response) == 201
    assert_request_id(response)
    assert ID6.match(response["id"])
    assert isinstance(response["createdDate"], datetime.datetime)
    assert body_of(response) == {"id": response["id"], "createdDate": response["createdDate"], "description": "first"}


def test_create_deployment_with_stage_name_creates_the_stage(apigw, deployable):
    deployment = apigw.create_deployment(restApiId=deployable["api"], stageName="dev")
    assert "stageName" not in deployment
    stage = apigw.get_stage(restApiId=deployable["api"], stageName="dev")
    assert status_of(stage) == 200
    assert isinstance(stage.pop("createdDate"), datetime.datetime)
    assert isinstance(stage.pop("lastUpdatedDate"), datetime.datetime)
    assert body_of(stage) == {
        "stageName": "dev", "deploymentId": deployment["id"], "cacheClusterEnabled": False,
        "cacheClusterStatus": "NOT_AVAILABLE", "methodSettings": {}, "tracingEnabled": False}


def test_create_deployment_to_existing_stage_repoints_it(apigw, stage):
    second = apigw.create_deployment(restApiId=stage["api"], stageName="dev")
    assert second["id"] != stage["deployment"]
    assert apigw.get_stage(restApiId=stage["api"], stageName="dev")["deploymentId"] == second["id"]
    ids = {item["id"] for item in apigw.get_deployments(restApiId=stage["api"])["items"]}
    assert ids == {stage["deployment"], second["id"]}


def test_create_deployment_with_stage_variables_sets_them_on_the_stage(apigw, deployable):
    apigw.create_deployment(restApiId=deployable["api"], stageName="prod", stageDescription="production",
                            variables={"lambdaAlias": "live"})
    stage = apigw.get_stage(restApiId=deployable["api"], stageName="prod")
    assert stage["variables"] == {"lambdaAlias": "live"}
    assert stage["description"] == "production"


def test_get_deployment_and_get_deployments(apigw, stage):
    deployment = apigw.get_deployment(restApiId=stage["api"], deploymentId=stage["deployment"])
    assert status_of(deployment) == 200
    assert deployment["id"] == stage["deployment"]
    assert isinstance(deployment["createdDate"], datetime.datetime)
    listed = apigw.get_deployments(restApiId=stage["api"])
    assert [item["id"] for item in listed["items"]] == [stage["deployment"]]


def test_get_deployment_with_unknown_id_answers_404(apigw, deployable):
    with pytest.raises(ClientError) as error:
        apigw.get_deployment(restApiId=deployable["api"], deploymentId="nosuch")
    assert_aws_error(error, 404, "NotFoundException", "Invalid Deployment identifier specified")


def test_update_deployment_replaces_description(apigw, stage):
    response = apigw.update_deployment(restApiId=stage["api"], deploymentId=stage["deployment"], patchOperations=[
        {"op": "replace", "path": "/description", "value": "patched"}])
    assert status_of(response) == 200
    assert response["description"] == "patched"


def test_delete_deployment_in_use_by_a_stage_answers_400(apigw, stage):
    with pytest.raises(ClientError) as error:
        apigw.delete_deployment(restApiId=stage["api"], deploymentId=stage["deployment"])
    assert_aws_error(error, 400, "BadRequestException", "Active stages pointing to this deployment must be moved or deleted")
    assert apigw.get_deployment(restApiId=stage["api"], deploymentId=stage["deployment"])["id"] == stage["deployment"]


def test_delete_unused_deployment_answers_202(apigw, deployable):
    deployment = apigw.create_deployment(restApiId=deployable["api"])
    response = apigw.delete_deployment(restApiId=deployable["api"], deploymentId=deployment["id"])
    assert status_of(response) == 202
    with pytest.raises(ClientError) as error:
        apigw.get_deployment(restApiId=deployable["api"], deploymentId=deployment["id"])
    assert_aws_error(error, 404, "NotFoundException", "Invalid Deployment identifier specified")


def test_delete_deployment_after_its_stage_is_deleted(apigw, stage):
    apigw.delete_stage(restApiId=stage["api"], stageName="dev")
    assert status_of(apigw.delete_deployment(restApiId=stage["api"], deploymentId=stage["deployment"])) == 202


# --- Stages -----------------------------------------------------------------------------------------------------------


def test_create_stage_answers_201(apigw, deployable):
    deployment = apigw.create_deployment(restApiId=deployable["api"])
    response = apigw.create_stage(restApiId=deployable["api"], stageName="s1", deploymentId=deployment["id"],
                                  description="stage one", variables={"a": "b"})
    assert status_of(response) == 201
    assert_request_id(response)
    assert isinstance(response.pop("createdDate"), datetime.datetime)
    assert isinstance(response.pop("lastUpdatedDate"), datetime.datetime)
    assert body_of(response) == {
        "stageName": "s1", "deploymentId": deployment["id"], "description": "stage one", "variables": {"a": "b"},
        "cacheClusterEnabled": False, "cacheClusterStatus": "NOT_AVAILABLE", "methodSettings": {},
        "tracingEnabled": False}


def test_create_stage_with_existing_name_answers_409(apigw, stage):
    with pytest.raises(ClientError) as error:
        apigw.create_stage(restApiId=stage["api"], stageName="dev", deploymentId=stage["deployment"])
    assert_aws_error(error, 409, "ConflictException", "Stage already exists")


def test_create_stage_with_unknown_deployment_answers_404(apigw, deployable):
    with pytest.raises(ClientError) as error:
        apigw.create_stage(restApiId=deployable["api"], stageName="s1", deploymentId="nosuch")
    assert_aws_error(error, 404, "NotFoundException", "Invalid Deployment identifier specified")


def test_get_stage_with_unknown_name_answers_404(apigw, deployable):
    with pytest.raises(ClientError) as error:
        apigw.get_stage(restApiId=deployable["api"], stageName="nosuch")
    assert_aws_error(error, 404, "NotFoundException", "Invalid stage identifier specified")


def test_get_stages_lists_under_item_and_filters_by_deployment(apigw, stage):
    other = apigw.create_deployment(restApiId=stage["api"])
    apigw.create_stage(restApiId=stage["api"], stageName="qa", deploymentId=other["id"])
    response = apigw.get_stages(restApiId=stage["api"])
    assert status_of(response) == 200
    assert sorted(item["stageName"] for item in response["item"]) == ["dev", "qa"]
    assert "position" not in response
    filtered = apigw.get_stages(restApiId=stage["api"], deploymentId=other["id"])
    assert [item["stageName"] for item in filtered["item"]] == ["qa"]


def test_update_stage_replace_variable_creates_it(apigw, stage):
    response = update_stage(apigw, stage, {"op": "replace", "path": "/variables/x", "value": "1"})
    assert status_of(response) == 200
    assert response["variables"] == {"x": "1"}
    response = update_stage(apigw, stage, {"op": "replace", "path": "/variables/y", "value": "two"})
    assert response["variables"] == {"x": "1", "y": "two"}
    assert apigw.get_stage(restApiId=stage["api"], stageName="dev")["variables"] == {"x": "1", "y": "two"}


def test_update_stage_removing_the_last_variable_omits_variables(apigw, stage):
    update_stage(apigw, stage, {"op": "replace", "path": "/variables/x", "value": "1"})
    response = update_stage(apigw, stage, {"op": "remove", "path": "/variables/x"})
    assert "variables" not in response


def test_update_stage_wildcard_throttling_materialises_method_settings_with_defaults(apigw, stage):
    response = update_stage(apigw, stage, {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "100"})
    assert response["methodSettings"] == {"*/*": dict(DEFAULT_METHOD_SETTING, throttlingRateLimit=100.0)}
    assert "loggingLevel" not in response["methodSettings"]["*/*"]
    assert apigw.get_stage(restApiId=stage["api"], stageName="dev")["methodSettings"] == response["methodSettings"]


def test_update_stage_method_specific_setting_starts_from_the_wildcard(apigw, stage):
    update_stage(apigw, stage, {"op": "replace", "path": "/*/*/caching/enabled", "value": "true"})
    response = update_stage(apigw, stage, {"op": "replace", "path": "/pets/GET/throttling/burstLimit", "value": "42"})
    assert response["methodSettings"]["pets/GET"] == dict(
        DEFAULT_METHOD_SETTING, cachingEnabled=True, throttlingBurstLimit=42)
    later = update_stage(apigw, stage, {"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"})
    assert later["methodSettings"]["pets/GET"]["metricsEnabled"] is False
    assert later["methodSettings"]["*/*"]["metricsEnabled"] is True


def test_update_stage_logging_level_appears_once_set(apigw, stage):
    response = update_stage(apigw, stage, {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"})
    assert response["methodSettings"]["*/*"]["loggingLevel"] == "INFO"


def test_update_stage_remove_wildcard_setting(apigw, stage):
    update_stage(apigw, stage, {"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"})
    response = update_stage(apigw, stage, {"op": "remove", "path": "/*/*"})
    assert response["methodSettings"] == {}


def test_update_stage_remove_missing_wildcard_setting_answers_400(apigw, stage):
    with pytest.raises(ClientError) as error:
        update_stage(apigw, stage, {"op": "remove", "path": "/*/*"})
    assert_aws_error(error, 400, "BadRequestException",
                     "Cannot remove method setting */* because there is no method setting for this method ")


def test_update_stage_tracing_and_description(apigw, stage):
    response = update_stage(apigw, stage,
                            {"op": "replace", "path": "/tracingEnabled", "value": "true"},
                            {"op": "replace", "path": "/description", "value": "described"})
    assert response["tracingEnabled"] is True
    assert response["description"] == "described"


def test_update_stage_deployment_id_repoints_the_stage(apigw, stage):
    other = apigw.create_deployment(restApiId=stage["api"])
    response = update_stage(apigw, stage, {"op": "replace", "path": "/deploymentId", "value": other["id"]})
    assert response["deploymentId"] == other["id"]
    assert status_of(apigw.delete_deployment(restApiId=stage["api"], deploymentId=stage["deployment"])) == 202


def test_update_stage_with_invalid_path_answers_400(apigw, stage):
    with pytest.raises(ClientError) as error:
        update_stage(apigw, stage, {"op": "replace", "path": "/tags/tag1", "value": "x"})
    assert_aws_error(
        error, 400, "BadRequestException",
        "Invalid method setting path: /tags/tag1. Must be one of: [/deploymentId, /description, /cacheClusterEnabled, "
        "/cacheClusterSize, /clientCertificateId, /accessLogSettings, /accessLogSettings/destinationArn, "
        "/accessLogSettings/format, /{resourcePath}/{httpMethod}/metrics/enabled, "
        "/{resourcePath}/{httpMethod}/logging/dataTrace, /{resourcePath}/{httpMethod}/logging/loglevel, "
        "/{resourcePath}/{httpMethod}/throttling/burstLimit/{resourcePath}/{httpMethod}/throttling/rateLimit"
        "/{resourcePath}/{httpMethod}/caching/ttlInSeconds, /{resourcePath}/{httpMethod}/caching/enabled, "
        "/{resourcePath}/{httpMethod}/caching/dataEncrypted, "
        "/{resourcePath}/{httpMethod}/caching/requireAuthorizationForCacheControl, "
        "/{resourcePath}/{httpMethod}/caching/unauthorizedCacheControlHeaderStrategy, /*/*/metrics/enabled, "
        "/*/*/logging/dataTrace, /*/*/logging/loglevel, /*/*/throttling/burstLimit /*/*/throttling/rateLimit "
        "/*/*/caching/ttlInSeconds, /*/*/caching/enabled, /*/*/caching/dataEncrypted, "
        "/*/*/caching/requireAuthorizationForCacheControl, /*/*/caching/unauthorizedCacheControlHeaderStrategy, "
        "/variables/{variable_name}, /tracingEnabled]")


def test_update_stage_with_unknown_name_answers_404(apigw, deployable):
    with pytest.raises(ClientError) as error:
        apigw.update_stage(restApiId=deployable["api"], stageName="nosuch", patchOperations=[
            {"op": "replace", "path": "/variables/x", "value": "1"}])
    assert_aws_error(error, 404, "NotFoundException", "Invalid stage identifier specified")


def test_delete_stage_answers_202(apigw, stage):
    response = apigw.delete_stage(restApiId=stage["api"], stageName="dev")
    assert status_of(response) == 202
    with pytest.raises(ClientError) as error:
        apigw.get_stage(restApiId=stage["api"], stageName="dev")
    assert_aws_error(error, 404, "NotFoundException", "Invalid stage identifier specified")
    with pytest.raises(ClientError) as error:
        apigw.delete_stage(restApiId=stage["api"], stageName="dev")
    assert_aws_error(error, 404, "NotFoundException", "Invalid stage identifier specified")


def test_deployment_snapshots_the_api(apigw, stage):
    """Changing the API after deploying changes nothing in the deployment's summary."""
    apigw.put_method(restApiId=stage["api"], resourceId=stage["resource"], httpMethod="POST", authorizationType="NONE")
    summary = apigw.get_deployment(restApiId=stage["api"], deploymentId=stage["deployment"],
                                   embed=["apisummary"])["apiSummary"]
    assert summary == {"/pets": {"GET": {"authorizationType": "NONE", "apiKeyRequired": False}}}
