"""Everything survives a graceful restart: same ids, same contents."""
from conftest import make_client
from helpers import body_of


def snapshot(client, api_id):
    resources = client.get_resources(restApiId=api_id, embed=["methods"])["items"]
    return {
        "api": body_of(client.get_rest_api(restApiId=api_id)),
        "resources": sorted(resources, key=lambda item: item["path"]),
        "models": sorted(client.get_models(restApiId=api_id)["items"], key=lambda item: item["name"]),
        "deployments": client.get_deployments(restApiId=api_id)["items"],
        "stages": client.get_stages(restApiId=api_id)["item"],
        "gateway_response": body_of(client.get_gateway_response(restApiId=api_id, responseType="DEFAULT_4XX")),
        "tags": client.get_tags(resourceArn=f"arn:aws:apigateway:us-east-1::/restapis/{api_id}")["tags"],
    }


def test_api_resources_methods_deployments_and_stages_survive_a_restart(fresh_gatehouse):
    client = make_client(fresh_gatehouse)
    api = client.create_rest_api(name="persistent", description="kept", tags={"keep": "yes"})
    pets = client.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="pets")
    pet = client.create_resource(restApiId=api["id"], parentId=pets["id"], pathPart="{petId}")
    where = {"restApiId": api["id"], "resourceId": pet["id"], "httpMethod": "GET"}
    client.put_method(**where, authorizationType="NONE")
    client.put_integration(**where, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    client.put_method_response(**where, statusCode="200")
    client.put_integration_response(**where, statusCode="200", selectionPattern="")
    deployment = client.create_deployment(restApiId=api["id"], stageName="dev", description="v1")
    client.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
        {"op": "replace", "path": "/variables/color", "value": "blue"},
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "50"}])
    client.put_gateway_response(restApiId=api["id"], responseType="DEFAULT_4XX", statusCode="418")
    before = snapshot(client, api["id"])

    assert fresh_gatehouse.restart() == 0, fresh_gatehouse.log()

    client = make_client(fresh_gatehouse)
    after = snapshot(client, api["id"])
    assert after == before
    assert after["api"]["id"] == api["id"]
    assert after["api"]["rootResourceId"] == api["rootResourceId"]
    assert {item["id"] for item in after["resources"]} == {api["rootResourceId"], pets["id"], pet["id"]}
    assert [item["id"] for item in after["deployments"]] == [deployment["id"]]
    stage = after["stages"][0]
    assert (stage["stageName"], stage["deploymentId"], stage["variables"]) == ("dev", deployment["id"], {"color": "blue"})
    method = client.get_method(**where)
    assert method["methodIntegration"]["type"] == "MOCK"
    assert method["methodIntegration"]["integrationResponses"]["200"]["statusCode"] == "200"

    # The restarted server keeps working: new writes land next to the old data.
    extra = client.create_resource(restApiId=api["id"], parentId=pets["id"], pathPart="search")
    assert extra["path"] == "/pets/search"


def test_deleted_api_stays_deleted_after_a_restart(fresh_gatehouse):
    client = make_client(fresh_gatehouse)
    kept = client.create_rest_api(name="kept")
    gone = client.create_rest_api(name="gone")
    client.delete_rest_api(restApiId=gone["id"])

    assert fresh_gatehouse.restart() == 0, fresh_gatehouse.log()

    client = make_client(fresh_gatehouse)
    ids = {item["id"] for item in client.get_rest_apis()["items"]}
    assert ids == {kept["id"]}


def test_usage_plan_quotas_and_counts_survive_a_restart(fresh_gatehouse):
    import datetime

    import requests

    client = make_client(fresh_gatehouse)
    api = client.create_rest_api(name="metered")
    where = {"restApiId": api["id"], "resourceId": api["rootResourceId"], "httpMethod": "GET"}
    client.put_method(**where, authorizationType="NONE", apiKeyRequired=True)
    client.put_integration(**where, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    client.put_method_response(**where, statusCode="200")
    client.put_integration_response(**where, statusCode="200", responseTemplates={"application/json": "ok"})
    client.create_deployment(restApiId=api["id"], stageName="dev")
    plan = client.create_usage_plan(name="p", apiStages=[{"apiId": api["id"], "stage": "dev"}],
                                    quota={"limit": 3, "period": "DAY"})
    key = client.create_api_key(name="k", enabled=True)
    client.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    url = f"{fresh_gatehouse.url}/restapis/{api['id']}/dev/_user_request_/"
    headers = {"x-api-key": key["value"]}
    assert [requests.get(url, headers=headers, timeout=10).status_code for _ in range(2)] == [200, 200]

    assert fresh_gatehouse.restart() == 0, fresh_gatehouse.log()

    client = make_client(fresh_gatehouse)
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    assert client.get_usage(usagePlanId=plan["id"], startDate=today, endDate=today)["items"] == {key["id"]: [[2, 1]]}
    assert [requests.get(url, headers=headers, timeout=10).status_code for _ in range(2)] == [200, 429]
