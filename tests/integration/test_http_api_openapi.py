"""OpenAPI for HTTP APIs: ImportApi, ReimportApi and ExportApi (OAS30, JSON and YAML), with
`x-amazon-apigateway-integration(s)`, JWT authorizers, `x-amazon-apigateway-cors`, and an export
imported again as the same API."""
import json

import pytest
import requests
import yaml
from botocore.exceptions import ClientError

from helpers import create_python_function, unique_name

DEFINITION = """
openapi: 3.0.1
info:
  title: TITLE
  version: "1.0"
paths:
  /pets:
    get:
      x-amazon-apigateway-integration:
        $ref: "#/components/x-amazon-apigateway-integrations/upstream"
  /pets/{id}:
    x-amazon-apigateway-any-method:
      security:
        - tokens: [pets.read]
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: FUNCTION_ARN
        payloadFormatVersion: "2.0"
  /toys:
    get:
      x-amazon-apigateway-integration:
        $ref: "#/components/x-amazon-apigateway-integrations/upstream"
components:
  securitySchemes:
    tokens:
      type: oauth2
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: $request.header.Authorization
        jwtConfiguration:
          issuer: https://issuer.example.com
          audience: [pets]
  x-amazon-apigateway-integrations:
    upstream:
      type: http_proxy
      httpMethod: GET
      uri: UPSTREAM/imported
      payloadFormatVersion: "1.0"
x-amazon-apigateway-cors:
  allowOrigins: ["https://example.com"]
  allowMethods: [GET]
x-amazon-apigateway-importexport-version: "1.0"
"""

FUNCTION = "import json\n\ndef handler(event, context):\n    return {'id': event['pathParameters']['id']}\n"


@pytest.fixture
def v2(client_factory):
    return client_factory(service="apigatewayv2")


@pytest.fixture
def definition(lambda_client, upstream):
    name = create_python_function(lambda_client, FUNCTION, prefix="oas", apigateway_may_invoke=True)
    arn = lambda_client.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    return DEFINITION.replace("TITLE", unique_name("pets")).replace("FUNCTION_ARN", arn).replace("UPSTREAM", upstream.url)


def shape(v2, api):
    """Route keys with their integration type and uri, authorization and scopes."""
    integrations = {i["IntegrationId"]: i for i in v2.get_integrations(ApiId=api)["Items"]}
    routes = {}
    for route in v2.get_routes(ApiId=api)["Items"]:
        integration = integrations[route["Target"].split("/")[1]]
        routes[route["RouteKey"]] = (integration["IntegrationType"], integration["IntegrationUri"], route.get("AuthorizationType"),
                                     tuple(route.get("AuthorizationScopes", [])))
    return routes


def test_import_serves_and_exports_round_trip(v2, gatehouse, definition, upstream):
    api = v2.import_api(Body=definition)
    assert api["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert (api["ProtocolType"], api["Version"]) == ("HTTP", "1.0")
    assert api["CorsConfiguration"]["AllowOrigins"] == ["https://example.com"]
    routes = shape(v2, api["ApiId"])
    assert set(routes) == {"GET /pets", "ANY /pets/{id}", "GET /toys"}
    assert routes["GET /pets"][:2] == ("HTTP_PROXY", upstream.url + "/imported")
    assert routes["ANY /pets/{id}"][0] == "AWS_PROXY" and routes["ANY /pets/{id}"][2:] == ("JWT", ("pets.read",))
    # One integration shared by the two routes that name it.
    assert len(v2.get_integrations(ApiId=api["ApiId"])["Items"]) == 2
    authorizer = v2.get_authorizers(ApiId=api["ApiId"])["Items"][0]
    assert (authorizer["Name"], authorizer["JwtConfiguration"]) == ("tokens", {"Issuer": "https://issuer.example.com", "Audience": ["pets"]})
    v2.create_stage(ApiId=api["ApiId"], StageName="$default", AutoDeploy=True)
    answer = requests.get(f"{gatehouse.url}/pets", headers={"Host": f"{api['ApiId']}.execute-api.localhost"}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["path"] == "/imported"

    exported = json.loads(v2.export_api(ApiId=api["ApiId"], Specification="OAS30", OutputType="JSON")["body"].read())
    assert exported["openapi"] == "3.0.1"
    assert exported["paths"]["/pets/{id}"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]["type"] == "aws_proxy"
    assert exported["x-amazon-apigateway-cors"]["allowOrigins"] == ["https://example.com"]
    as_yaml = yaml.safe_load(v2.export_api(ApiId=api["ApiId"], Specification="OAS30", OutputType="YAML")["body"].read())
    assert as_yaml["info"]["title"] == api["Name"]
    again = v2.import_api(Body=json.dumps(exported))
    assert shape(v2, again["ApiId"]) == routes


def test_reimport_replaces_routes_and_keeps_stages(v2, definition):
    api = v2.import_api(Body=definition)["ApiId"]
    v2.create_stage(ApiId=api, StageName="dev")
    smaller = yaml.safe_load(definition)
    del smaller["paths"]["/toys"]
    smaller["info"]["title"] = "renamed"
    reimported = v2.reimport_api(ApiId=api, Body=json.dumps(smaller))
    assert reimported["Name"] == "renamed"
    assert set(shape(v2, api)) == {"GET /pets", "ANY /pets/{id}"}
    assert [s["StageName"] for s in v2.get_stages(ApiId=api)["Items"]] == ["dev"]


def test_a_bad_definition_is_refused_and_leaves_nothing(v2):
    with pytest.raises(ClientError) as error:
        v2.import_api(Body="openapi: [")
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    before = len(v2.get_apis()["Items"])
    broken = {"openapi": "3.0.1", "info": {"title": "broken", "version": "1"},
              "paths": {"/x": {"get": {"x-amazon-apigateway-integration": {"type": "bogus", "httpMethod": "GET", "uri": "http://example.com"}}}}}
    with pytest.raises(ClientError) as error:
        v2.import_api(Body=json.dumps(broken))
    assert error.value.response["Error"]["Message"].startswith("Errors found during import:")
    assert len(v2.get_apis()["Items"]) == before
