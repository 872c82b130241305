"""The README walkthrough with the real aws CLI: build a MOCK API, deploy it, patch the stage."""
import json

import pytest

from helpers import ID6, ID10, AwsCliError

ISO_OR_EPOCH = (str, int, float)


def test_cli_walkthrough_builds_deploys_and_deletes_an_api(aws_cli):
    api = aws_cli("create-rest-api", "--name", "demo")
    api_id = api["id"]
    try:
        assert ID10.match(api_id) and ID10.match(api["rootResourceId"])
        assert api["name"] == "demo"
        assert api["apiKeySource"] == "HEADER"
        assert api["disableExecuteApiEndpoint"] is False
        assert api["endpointConfiguration"] == {"types": ["EDGE"], "ipAddressType": "ipv4"}
        assert isinstance(api["createdDate"], ISO_OR_EPOCH)

        resources = aws_cli("get-resources", "--rest-api-id", api_id)
        assert resources == {"items": [{"id": api["rootResourceId"], "path": "/"}]}

        states = aws_cli("create-resource", "--rest-api-id", api_id, "--parent-id", api["rootResourceId"],
                         "--path-part", "states")
        assert ID6.match(states["id"])
        assert states == {"id": states["id"], "parentId": api["rootResourceId"], "pathPart": "states", "path": "/states"}
        where = ["--rest-api-id", api_id, "--resource-id", states["id"], "--http-method", "GET"]

        method = aws_cli("put-method", *where, "--authorization-type", "NONE")
        assert method == {"httpMethod": "GET", "authorizationType": "NONE", "apiKeyRequired": False}

        integration = aws_cli("put-integration", *where, "--type", "MOCK",
                              "--request-templates", '{"application/json":"{\\"statusCode\\": 200}"}')
        assert integration == {
            "type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "passthroughBehavior": "WHEN_NO_MATCH", "timeoutInMillis": 29000, "cacheNamespace": states["id"],
            "cacheKeyParameters": []}

        method_response = aws_cli("put-method-response", *where, "--status-code", "200")
        assert method_response == {"statusCode": "200"}

        templates = {"application/json": json.dumps({"states": ["CA", "WA"]})}
        integration_response = aws_cli("put-integration-response", *where, "--status-code", "200",
                                       "--response-templates", json.dumps(templates))
        assert integration_response == {"statusCode": "200", "responseTemplates": templates}

        method = aws_cli("get-method", *where)
        assert method["methodResponses"] == {"200": {"statusCode": "200"}}
        assert method["methodIntegration"]["integrationResponses"] == {"200": {"statusCode": "200",
                                                                               "responseTemplates": templates}}

        deployment = aws_cli("create-deployment", "--rest-api-id", api_id, "--stage-name", "dev")
        assert ID6.match(deployment["id"])
        assert set(deployment) == {"id", "createdDate"}

        stages = aws_cli("get-stages", "--rest-api-id", api_id)
        assert list(stages) == ["item"]
        assert len(stages["item"]) == 1
        stage = stages["item"][0]
        assert stage["stageName"] == "dev"
        assert stage["deploymentId"] == deployment["id"]
        assert (stage["cacheClusterEnabled"], stage["cacheClusterStatus"]) == (False, "NOT_AVAILABLE")
        assert (stage["methodSettings"], stage["tracingEnabled"]) == ({}, False)
        assert "variables" not in stage

        updated = aws_cli("update-stage", "--rest-api-id", api_id, "--stage-name", "dev",
                          "--patch-operations", "op=replace,path=/variables/x,value=1")
        assert updated["variables"] == {"x": "1"}
        assert updated["stageName"] == "dev"
        assert updated["deploymentId"] == deployment["id"]

        assert aws_cli("delete-rest-api", "--rest-api-id", api_id) is None
        api_id = None
        with pytest.raises(AwsCliError) as error:
            aws_cli("get-rest-api", "--rest-api-id", api["id"])
        assert "NotFoundException" in error.value.stderr
        assert f"Invalid API identifier specified 000000000000:{api['id']}" in error.value.stderr
    finally:
        if api_id:
            aws_cli("delete-rest-api", "--rest-api-id", api_id)


def test_cli_reports_aws_errors_with_code_and_message(aws_cli):
    with pytest.raises(AwsCliError) as error:
        aws_cli("get-rest-api", "--rest-api-id", "nosuchapi0")
    assert error.value.returncode == 255  # aws CLI v1's exit code for a service error
    assert ("An error occurred (NotFoundException) when calling the GetRestApi operation: "
            "Invalid API identifier specified 000000000000:nosuchapi0") in error.value.stderr
