"""Canary releases on REST API stages: the `canarySettings` AWS records for CreateStage,
CreateDeployment and UpdateStage (promotion included), its 400s, and the split of live traffic
with `$context.isCanaryRequest`, the canary's stage variable overrides and its own execution log."""
import json

import pytest
from botocore.exceptions import ClientError

from helpers import assert_aws_error, poll_log_messages

TEMPLATE = ('{"isCanary": "$context.isCanaryRequest", "deployment": "$context.deploymentId", '
            '"variable": "$stageVariables.testVar", "onlyInCanary": "$stageVariables.noStageVar", "release": "RELEASE"}')
NO_METHOD_SETTING = " because there is no method setting for this method "


def mock_release(invokable, release):
    """GET / answers a MOCK naming `release` and what it saw of the canary."""
    invokable.integration_response("/", "GET", 200, template=TEMPLATE.replace("RELEASE", release))


@pytest.fixture
def two_deployments(apigw, invokable):
    """Stage dev on deployment D1 ("base") with variables; D2 ("canary") exists on no stage."""
    invokable.mock("/")
    mock_release(invokable, "base")
    d1 = invokable.deploy("dev", variables={"testVar": "default", "testVar2": "kept"})
    mock_release(invokable, "canary")
    d2 = apigw.create_deployment(restApiId=invokable.id)["id"]
    return d1, d2


def stage(apigw, invokable):
    answer = apigw.get_stage(restApiId=invokable.id, stageName="dev")
    answer.pop("ResponseMetadata")
    return answer


def update(apigw, invokable, *operations):
    return apigw.update_stage(restApiId=invokable.id, stageName="dev", patchOperations=list(operations))


def replace(path, value):
    return {"op": "replace", "path": path, "value": value}


def test_create_stage_with_a_canary_and_patch_its_overrides(apigw, invokable, two_deployments):
    d1, d2 = two_deployments
    created = apigw.create_stage(
        restApiId=invokable.id, stageName="beta", deploymentId=d1, variables={"testVar": "default"},
        canarySettings={"deploymentId": d2, "percentTraffic": 50, "stageVariableOverrides": {"testVar": "canary"}})
    assert created["canarySettings"] == {
        "deploymentId": d2, "percentTraffic": 50.0, "stageVariableOverrides": {"testVar": "canary"}, "useStageCache": False}
    assert created["deploymentId"] == d1
    patched = apigw.update_stage(restApiId=invokable.id, stageName="beta", patchOperations=[
        replace("/canarySettings/stageVariableOverrides/testVar", "updated")])
    assert patched["canarySettings"]["stageVariableOverrides"] == {"testVar": "updated"}
    removed = apigw.update_stage(restApiId=invokable.id, stageName="beta", patchOperations=[
        {"op": "remove", "path": "/canarySettings"}])
    assert "canarySettings" not in removed
    assert "canarySettings" not in apigw.get_stage(restApiId=invokable.id, stageName="beta")
    with pytest.raises(ClientError) as error:
        apigw.create_stage(restApiId=invokable.id, stageName="gamma", deploymentId=d1, canarySettings={"deploymentId": "deploy"})
    assert_aws_error(error, 400, "BadRequestException", "Deployment id does not exist")


def test_a_canary_deployment_leaves_the_stage_on_its_deployment(apigw, invokable, two_deployments):
    d1, _ = two_deployments
    d3 = apigw.create_deployment(restApiId=invokable.id, stageName="dev", canarySettings={
        "percentTraffic": 50, "stageVariableOverrides": {"testVar": "canary"}})
    assert set(d3) - {"ResponseMetadata"} == {"id", "createdDate"}
    current = stage(apigw, invokable)
    assert current["deploymentId"] == d1
    assert current["variables"] == {"testVar": "default", "testVar2": "kept"}
    assert current["canarySettings"] == {
        "deploymentId": d3["id"], "percentTraffic": 50.0, "stageVariableOverrides": {"testVar": "canary"}, "useStageCache": False}
    # The next canary deployment replaces the canary's settings.
    d4 = apigw.create_deployment(restApiId=invokable.id, stageName="dev", canarySettings={"percentTraffic": 10})
    assert stage(apigw, invokable)["canarySettings"] == {"deploymentId": d4["id"], "percentTraffic": 10.0, "useStageCache": False}
    # A plain deployment to a stage with a canary is refused until the canary is removed.
    with pytest.raises(ClientError) as error:
        apigw.create_deployment(restApiId=invokable.id, stageName="dev")
    assert_aws_error(error, 400, "BadRequestException",
                     "Invalid deployment content specified.Non canary deployment not supported on stage dev because Canary "
                     "is enabled. Provide CanarySettings in deploymentInput.")


def test_a_stage_patch_creates_a_canary_with_defaults(apigw, invokable, two_deployments):
    d1, d2 = two_deployments
    assert update(apigw, invokable, replace("/canarySettings/deploymentId", d2))["canarySettings"] == {
        "deploymentId": d2, "percentTraffic": 0.0, "useStageCache": False}
    update(apigw, invokable, {"op": "remove", "path": "/canarySettings"})
    assert update(apigw, invokable, replace("/canarySettings/percentTraffic", "50"))["canarySettings"] == {
        "deploymentId": d1, "percentTraffic": 50.0, "useStageCache": False}
    assert update(apigw, invokable, replace("/canarySettings/useStageCache", "true"))["canarySettings"]["useStageCache"] is True


@pytest.mark.parametrize("kwargs, message", [
    ({}, "Provided value is null"),
    ({"stageName": ""}, "Provided value is "),
])
def test_a_canary_deployment_needs_a_stage_name(apigw, invokable, two_deployments, kwargs, message):
    with pytest.raises(ClientError) as error:
        apigw.create_deployment(restApiId=invokable.id, canarySettings={"percentTraffic": 50}, **kwargs)
    assert_aws_error(error, 400, "BadRequestException",
                     "Invalid deployment content specified.Non null and non empty stageName must be provided for canary "
                     "deployment. " + message)


def test_a_canary_deployment_needs_an_existing_stage(apigw, invokable, two_deployments):
    with pytest.raises(ClientError) as error:
        apigw.create_deployment(restApiId=invokable.id, stageName="non-existing", canarySettings={"percentTraffic": 50})
    assert_aws_error(error, 400, "BadRequestException",
                     "Invalid deployment content specified.Stage non-existing must already be created before making a "
                     "canary release deployment")
    assert not [s for s in apigw.get_stages(restApiId=invokable.id)["item"] if s["stageName"] == "non-existing"]


@pytest.mark.parametrize("operation, message", [
    ({"op": "remove", "path": "/canarySettings/badPath"},
     "Cannot remove method setting canarySettings/badPath" + NO_METHOD_SETTING),
    ({"op": "remove", "path": "/canarySettings/stageVariableOverrides"},
     "Cannot remove method setting canarySettings/stageVariableOverrides" + NO_METHOD_SETTING),
    ({"op": "add", "path": "/canarySettings/deploymentId", "value": "x"}, "Invalid add operation with path: /canarySettings/deploymentId"),
    (replace("/canarySettings/deploymentId", "deploy"), "Deployment id does not exist"),
    (replace("/canarySettings/badPath", "badPath"), "Invalid method setting path: /canarySettings/badPath. Must be one of: ["),
    (replace("/canarySettings", "test"), "Invalid method setting path: /canarySettings. Must be one of: ["),
    ({"op": "copy", "path": "/canarySettings/stageVariableOverrides", "from": "/variables"},
     "Invalid copy operation with path: /canarySettings/stageVariableOverrides and from /variables. Valid copy:path are "
     "[/deploymentId, /variables] and valid copy:from are [/canarySettings/deploymentId, /canarySettings/stageVariableOverrides]"),
    ({"op": "copy", "path": "/variables", "from": "/canarySettings/stageVariableOverrides"},
     "Promotion not available. Canary does not exist."),
    # Gatehouse's words: AWS's answer to a share outside 0–100 is not recorded.
    (replace("/canarySettings/percentTraffic", "150"), "Invalid percentTraffic specified: 150. Must be a number between 0.0 and 100.0"),
    (replace("/canarySettings/percentTraffic", "half"), "Invalid percentTraffic specified: half. Must be a number between 0.0 and 100.0"),
])
def test_invalid_canary_patches_are_refused(apigw, invokable, two_deployments, operation, message):
    before = stage(apigw, invokable)
    with pytest.raises(ClientError) as error:
        update(apigw, invokable, operation)
    got = error.value.response["Error"]["Message"]
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error.value.response["Error"]["Code"] == "BadRequestException"
    assert got == message or (message.endswith("[") and got.startswith(message)), got
    assert stage(apigw, invokable) == before


def test_promotion_copies_the_canary_into_the_stage_and_keeps_it(apigw, invokable, two_deployments):
    d1, _ = two_deployments
    promote = [replace("/canarySettings/percentTraffic", "0.0"),
               {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"},
               {"op": "copy", "from": "/canarySettings/stageVariableOverrides", "path": "/variables"}]
    # Without a canary, the first operation makes one on the stage's own deployment: the copies change nothing.
    promoted = update(apigw, invokable, *promote)
    assert (promoted["deploymentId"], promoted["variables"]) == (d1, {"testVar": "default", "testVar2": "kept"})
    update(apigw, invokable, {"op": "remove", "path": "/canarySettings"})
    d3 = apigw.create_deployment(restApiId=invokable.id, stageName="dev", canarySettings={
        "percentTraffic": 50, "stageVariableOverrides": {"testVar": "override"}})["id"]
    promoted = update(apigw, invokable, *promote)
    assert promoted["deploymentId"] == d3
    assert promoted["variables"] == {"testVar": "override", "testVar2": "kept"}
    assert promoted["canarySettings"] == {
        "deploymentId": d3, "percentTraffic": 0.0, "stageVariableOverrides": {"testVar": "override"}, "useStageCache": False}


def releases(invokable, count):
    answers = []
    for _ in range(count):
        response = invokable.invoke("dev")
        assert response.status_code == 200, response.text
        answers.append(json.loads(response.text))
    return answers


def test_requests_split_between_the_stage_and_its_canary(apigw, invokable, two_deployments):
    d1, d2 = two_deployments
    assert releases(invokable, 3) == [
        {"isCanary": "", "deployment": d1, "variable": "default", "onlyInCanary": "", "release": "base"}] * 3
    update(apigw, invokable, replace("/canarySettings/deploymentId", d2),
           replace("/canarySettings/stageVariableOverrides/testVar", "canary"),
           replace("/canarySettings/stageVariableOverrides/noStageVar", "canary"))
    # 0 %: every request goes to the stage's deployment, which now knows a canary exists.
    assert {json.dumps(a) for a in releases(invokable, 20)} == {json.dumps(
        {"isCanary": "false", "deployment": d1, "variable": "default", "onlyInCanary": "", "release": "base"})}
    update(apigw, invokable, replace("/canarySettings/percentTraffic", "100.0"))
    assert {json.dumps(a) for a in releases(invokable, 20)} == {json.dumps(
        {"isCanary": "true", "deployment": d2, "variable": "canary", "onlyInCanary": "canary", "release": "canary"})}
    update(apigw, invokable, replace("/canarySettings/percentTraffic", "30"))
    answers = releases(invokable, 1000)
    canary = sum(a["release"] == "canary" for a in answers)
    # Binomial(1000, 0.3): mean 300, standard deviation 14.5; the bounds are 6 deviations wide.
    assert 213 <= canary <= 387, canary
    assert all((a["release"] == "canary") == (a["isCanary"] == "true") for a in answers)


def test_canary_requests_log_to_their_own_group(apigw, invokable, two_deployments, logs_client):
    _, d2 = two_deployments
    update(apigw, invokable, replace("/*/*/logging/loglevel", "INFO"), replace("/canarySettings/deploymentId", d2),
           replace("/canarySettings/percentTraffic", "100"))
    canary_id = invokable.invoke("dev").headers["x-amzn-RequestId"]
    update(apigw, invokable, replace("/canarySettings/percentTraffic", "0"))
    base_id = invokable.invoke("dev").headers["x-amzn-RequestId"]
    groups = {f"API-Gateway-Execution-Logs_{invokable.id}/dev/Canary": canary_id,
              f"API-Gateway-Execution-Logs_{invokable.id}/dev": base_id}
    try:
        for group, request_id in groups.items():
            messages = poll_log_messages(logs_client, group, lambda m, rid=request_id: any(rid in line for line in m))
            assert f"({request_id}) Method completed with status: 200" in messages, (group, messages)
            other = canary_id if request_id == base_id else base_id
            assert not any(other in line for line in messages), (group, messages)
    finally:
        for group in groups:
            try:
                logs_client.delete_log_group(logGroupName=group)
            except logs_client.exceptions.ResourceNotFoundException:
                pass
