"""AWS service integrations and the service endpoint map: a DynamoDB CRUD API made of `AWS`
integrations (`action/PutItem`, `GetItem`, `DeleteItem`) against moto's server, the same CRUD
from a Lambda handler whose boto3 reaches DynamoDB through Gatehouse, a served service called
in-process, and services configured nowhere answered in their own protocol."""
import json

import pytest
from botocore.exceptions import ClientError

from conftest import InvokableApi, _served, make_client
from helpers import REGION, create_python_function, run_readme_block, unique_name

TABLE = "pets"
PUT_TEMPLATE = ('{"TableName": "%s", "Item": {"id": {"S": "$input.params(\'id\')"}, "name": {"S": $input.json(\'$.name\')}}}' % TABLE)
KEY_TEMPLATE = '{"TableName": "%s", "Key": {"id": {"S": "$input.params(\'id\')"}}}' % TABLE
GET_RESPONSE = ('#set($item = $input.path(\'$.Item\'))#if($item.id)'
                '{"id": "$item.id.S", "name": "$item.name.S"}#else{"message": "not found"}#end')
ERROR_RESPONSE = '{"error": $input.json(\'$.__type\'), "message": $input.json(\'$.message\')}'

HANDLER = """
import json
import boto3

table = boto3.resource("dynamodb").Table("%s")

def handler(event, context):
    pet = event["pathParameters"]["id"]
    if event["httpMethod"] == "PUT":
        table.put_item(Item={"id": pet, "name": json.loads(event["body"])["name"]})
        return {"statusCode": 201, "body": json.dumps({"saved": pet})}
    item = table.get_item(Key={"id": pet}).get("Item")
    return {"statusCode": 200 if item else 404, "body": json.dumps(item or {"message": "not found"})}
""" % TABLE


@pytest.fixture(scope="module")
def mapped(moto):
    """A Gatehouse that sends DynamoDB's requests to moto."""
    yield from _served({"GATEHOUSE_SERVICE_ENDPOINTS": f"dynamodb={moto}"})


@pytest.fixture(scope="module")
def table(mapped, moto):
    """The pets table, created through Gatehouse (which passes the call on to moto)."""
    dynamodb = make_client(mapped, "dynamodb")
    dynamodb.create_table(TableName=TABLE, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    return dynamodb


def dynamodb_method(client, api, http_method, action, template, responses):
    resource = api.method("/pets/{id}", http_method)
    client.put_integration(
        restApiId=api.id, resourceId=resource, httpMethod=http_method, type="AWS", integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:dynamodb:action/{action}", credentials="arn:aws:iam::000000000000:role/apigateway-dynamodb",
        requestTemplates={"application/json": template}, passthroughBehavior="WHEN_NO_TEMPLATES")
    for status, pattern, body in responses:
        api.method_response("/pets/{id}", http_method, status)
        api.integration_response("/pets/{id}", http_method, status, pattern=pattern, template=body)


@pytest.fixture(scope="module")
def crud(mapped, table):
    client = make_client(mapped)
    api = InvokableApi(client, mapped, client.create_rest_api(name=unique_name("pets")))
    errors = (400, r"4\d{2}", ERROR_RESPONSE)
    dynamodb_method(client, api, "PUT", "PutItem", PUT_TEMPLATE, [(200, None, '{"saved": "$input.params(\'id\')"}'), errors])
    dynamodb_method(client, api, "GET", "GetItem", KEY_TEMPLATE, [(200, None, GET_RESPONSE), errors])
    dynamodb_method(client, api, "DELETE", "DeleteItem", KEY_TEMPLATE, [(200, None, '{"deleted": "$input.params(\'id\')"}'), errors])
    api.deploy("dev")
    return api


def test_a_crud_api_of_dynamodb_integrations(crud, table):
    put = crud.invoke("dev", "pets/7", method="PUT", json={"name": "Rex"})
    assert (put.status_code, put.json()) == (200, {"saved": "7"})
    # The item is in moto's table.
    assert table.get_item(TableName=TABLE, Key={"id": {"S": "7"}})["Item"]["name"] == {"S": "Rex"}
    got = crud.invoke("dev", "pets/7")
    assert (got.status_code, got.json()) == (200, {"id": "7", "name": "Rex"})
    assert crud.invoke("dev", "pets/7", method="DELETE").json() == {"deleted": "7"}
    assert crud.invoke("dev", "pets/7").json() == {"message": "not found"}


def test_a_service_error_goes_through_integration_responses(mapped, crud, table):
    client = make_client(mapped)
    resource = crud.resource("/pets/{id}")
    client.update_integration(restApiId=crud.id, resourceId=resource, httpMethod="GET", patchOperations=[
        {"op": "replace", "path": "/requestTemplates/application~1json", "value": KEY_TEMPLATE.replace(TABLE, "missing")}])
    client.create_deployment(restApiId=crud.id, stageName="broken")
    answer = crud.invoke("broken", "pets/1")
    assert answer.status_code == 400
    assert answer.json()["error"].endswith("ResourceNotFoundException")


def test_a_handler_reaches_dynamodb_through_gatehouse(mapped, table):
    lambda_client = make_client(mapped, "lambda")
    function = create_python_function(lambda_client, HANDLER, prefix="pets", apigateway_may_invoke=True)
    arn = lambda_client.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    client = make_client(mapped)
    api = InvokableApi(client, mapped, client.create_rest_api(name=unique_name("pets-fn")))
    resource = api.method("/pets/{id}", "ANY")
    client.put_integration(restApiId=api.id, resourceId=resource, httpMethod="ANY", type="AWS_PROXY", integrationHttpMethod="POST",
                           uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations")
    api.deploy("dev")
    put = api.invoke("dev", "pets/9", method="PUT", json={"name": "Fido"})
    assert (put.status_code, put.json()) == (201, {"saved": "9"}), put.text
    got = api.invoke("dev", "pets/9")
    assert (got.status_code, got.json()) == (200, {"id": "9", "name": "Fido"})
    assert table.get_item(TableName=TABLE, Key={"id": {"S": "9"}})["Item"]["name"] == {"S": "Fido"}


def test_a_served_service_is_called_in_process(mapped):
    client = make_client(mapped)
    api = InvokableApi(client, mapped, client.create_rest_api(name=unique_name("local")))
    resource = api.method("/functions")
    client.put_integration(restApiId=api.id, resourceId=resource, httpMethod="GET", type="AWS", integrationHttpMethod="GET",
                           uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/")
    api.method_response("/functions", "GET", 200)
    api.integration_response("/functions", "GET", 200, template="#set($f = $input.path('$.Functions'))$f.size()")
    api.deploy("dev")
    answer = api.invoke("dev", "functions")
    assert answer.status_code == 200, answer.text
    assert int(answer.text) == len(make_client(mapped, "lambda").list_functions()["Functions"])


def test_a_service_configured_nowhere_fails_the_integration(gatehouse, apigw):
    api = InvokableApi(apigw, gatehouse, apigw.create_rest_api(name=unique_name("nowhere")))
    dynamodb_method(apigw, api, "GET", "GetItem", KEY_TEMPLATE, [(200, None, GET_RESPONSE)])
    api.deploy("dev")
    answer = api.invoke("dev", "pets/1")
    assert (answer.status_code, answer.json()) == (500, {"message": "Internal server error"})


@pytest.mark.parametrize("service, call", [
    ("sns", lambda client: client.list_topics()),
    ("cloudformation", lambda client: client.list_stacks()),
    ("dynamodb", lambda client: client.list_tables()),
    ("s3", lambda client: client.list_buckets()),
])
def test_an_unserved_service_is_answered_in_its_own_protocol(gatehouse, service, call):
    with pytest.raises(ClientError) as error:
        call(make_client(gatehouse, service))
    response = error.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert response["Error"]["Code"] == "NotImplemented"
    assert f"The service '{service}' is not served by Gatehouse" in response["Error"]["Message"]
    assert "GATEHOUSE_SERVICE_ENDPOINTS" in response["Error"]["Message"]


def test_readme_dynamodb_walkthrough_stores_through_a_function(mapped, table, tmp_path):
    out = run_readme_block("dynamodb", mapped, tmp_path)
    assert '"ACTIVE"\n' in out, out
    assert '{"saved": "7"}\n' in out
    assert '{"id": "7", "name": "Rex", "kind": "dog"}\n' in out
    assert out.endswith("Rex\n")


def test_an_unreachable_endpoint_is_a_service_error_the_sdk_reads(closed_port):
    for server in _served({"GATEHOUSE_SERVICE_ENDPOINTS": f"dynamodb=http://127.0.0.1:{closed_port}"}):
        with pytest.raises(ClientError) as error:
            make_client(server, "dynamodb").list_tables()
        response = error.value.response
        assert (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]) == (502, "ServiceUnavailable")
        assert f"127.0.0.1:{closed_port}" in response["Error"]["Message"]
