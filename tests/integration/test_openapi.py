"""OpenAPI for REST APIs: ImportRestApi (OpenAPI 3 in YAML, Swagger 2 in JSON, API Gateway's
extensions, base paths, warnings, errors that leave nothing behind), PutRestApi (merge and
overwrite) and GetExport (OpenAPI 3 and Swagger, JSON and YAML), and an export imported again
giving the same API."""
import json

import pytest
import requests
import yaml
from botocore.exceptions import ClientError

from helpers import assert_aws_error, unique_name

PETS_YAML = """
openapi: 3.0.1
info:
  title: TITLE
  description: A pet store
  version: 1
servers:
  - url: https://example.com/{basePath}
    variables:
      basePath:
        default: /v1
paths:
  /pets:
    get:
      operationId: listPets
      parameters:
        - name: type
          in: query
          schema: {type: string}
      responses:
        "200":
          description: ok
          headers:
            X-Count: {schema: {type: string}}
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Pets"}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{"statusCode": 200}'
        responses:
          default:
            statusCode: 200
            responseParameters: {method.response.header.X-Count: "'1'"}
            responseTemplates:
              application/json: '[{"id": 1, "type": "$input.params(''type'')"}]'
    post:
      x-amazon-apigateway-request-validator: body-only
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Pet"}
      responses:
        "201": {description: created}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 201}'}
        responses:
          default: {statusCode: 201, responseTemplates: {application/json: '{"created": true}'}}
  /pets/{id}:
    x-amazon-apigateway-any-method:
      security: [{api_key: []}]
      responses:
        "200": {description: ok}
      x-amazon-apigateway-integration:
        type: MOCK
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default: {statusCode: "200", responseTemplates: {application/json: '{"id": "$input.params(''id'')"}'}}
  /signed:
    get:
      x-amazon-apigateway-auth:
        type: AWS_IAM
      responses:
        "200": {description: ok}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default: {statusCode: 200}
  /secret:
    get:
      security: [{tokens: []}]
      responses:
        "200": {description: ok}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default: {statusCode: 200}
components:
  schemas:
    Pet:
      type: object
      required: [name]
      properties:
        name: {type: string}
    Pets:
      type: array
      items: {$ref: "#/components/schemas/Pet"}
  securitySchemes:
    api_key: {type: apiKey, name: x-api-key, in: header}
    tokens:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations
        authorizerResultTtlInSeconds: 60
x-amazon-apigateway-request-validators:
  body-only: {validateRequestBody: true, validateRequestParameters: false}
x-amazon-apigateway-gateway-responses:
  BAD_REQUEST_BODY:
    statusCode: 422
    responseTemplates: {application/json: '{"problem": $context.error.messageString}'}
x-amazon-apigateway-binary-media-types: ["image/png"]
x-amazon-apigateway-documentation:
  version: v1
  documentationParts:
    - location: {type: API}
      properties: {description: The pets API}
    - location: {type: METHOD, path: /pets, method: GET}
      properties: {summary: List the pets}
x-amazon-apigateway-api-key-source: HEADER
x-amazon-apigateway-minimum-compression-size: 1024
x-amazon-apigateway-endpoint-configuration:
  disableExecuteApiEndpoint: false
x-amazon-apigateway-policy:
  Version: "2012-10-17"
  Statement:
    - Effect: Allow
      Principal: "*"
      Action: execute-api:Invoke
      Resource: execute-api:/*
"""

PETSTORE_SWAGGER = {
    "swagger": "2.0",
    "info": {"title": "PetStore", "version": "2016-10-13T23:04:43Z"},
    "basePath": "/api/v2",
    "schemes": ["https"],
    "paths": {
        "/pets": {
            "get": {
                "produces": ["application/json"],
                "parameters": [{"name": "page", "in": "query", "required": False, "type": "string"}],
                "responses": {"200": {"description": "200 response", "schema": {"$ref": "#/definitions/Pets"}}},
                "x-amazon-apigateway-integration": {
                    "type": "http_proxy", "httpMethod": "GET", "uri": "UPSTREAM/petstore/pets",
                    "passthroughBehavior": "when_no_match",
                    "requestParameters": {"integration.request.querystring.page": "method.request.querystring.page"},
                    "responses": {"default": {"statusCode": "200"}},
                },
            },
        },
        "/pets/{petId}": {
            "get": {
                "parameters": [{"name": "petId", "in": "path", "required": True, "type": "string"}],
                "responses": {"200": {"description": "200 response", "schema": {"$ref": "#/definitions/Pet"}}},
                "x-amazon-apigateway-integration": {
                    "type": "http", "httpMethod": "GET", "uri": "UPSTREAM/petstore/pets/{id}",
                    "requestParameters": {"integration.request.path.id": "method.request.path.petId"},
                    "responses": {"default": {"statusCode": "200"}},
                },
            },
        },
    },
    "definitions": {
        "Pet": {"type": "object", "properties": {"id": {"type": "integer"}, "type": {"type": "string"}}},
        "Pets": {"type": "array", "items": {"$ref": "#/definitions/Pet"}},
    },
}


@pytest.fixture
def imported(apigw):
    """Imports a definition (str or dict) and deletes the API afterwards; returns the RestApi."""
    made = []

    def run(definition, **kwargs):
        body = definition if isinstance(definition, str) else json.dumps(definition)
        api = apigw.import_rest_api(body=body.encode(), **kwargs)
        made.append(api["id"])
        return api

    yield run
    for api in made:
        try:
            apigw.delete_rest_api(restApiId=api)
        except apigw.exceptions.NotFoundException:
            pass


def pets_yaml():
    return PETS_YAML.replace("TITLE", unique_name("pets"))


def resources(apigw, api):
    items = apigw.get_resources(restApiId=api, embed=["methods"], limit=500)["items"]
    return {item["path"]: item for item in items}


def invoke(gatehouse, api, stage, path, method="GET", **kwargs):
    return requests.request(method, f"{gatehouse.url}/restapis/{api}/{stage}/_user_request_{path}", timeout=10, **kwargs)


def test_an_openapi_3_yaml_definition_imports_with_its_extensions(apigw, gatehouse, imported):
    api = imported(pets_yaml(), parameters={"basepath": "prepend"})
    assert (api["description"], api["version"], api["binaryMediaTypes"]) == ("A pet store", "1", ["image/png"])
    assert (api["apiKeySource"], api["minimumCompressionSize"], api["disableExecuteApiEndpoint"]) == ("HEADER", 1024, False)
    assert json.loads(api["policy"])["Statement"][0]["Action"] == "execute-api:Invoke"
    assert "warnings" not in api
    tree = resources(apigw, api["id"])
    assert set(tree) == {"/", "/v1", "/v1/pets", "/v1/pets/{id}", "/v1/secret", "/v1/signed"}
    assert tree["/v1/signed"]["resourceMethods"]["GET"]["authorizationType"] == "AWS_IAM"
    pets = tree["/v1/pets"]["resourceMethods"]
    assert pets["GET"]["operationName"] == "listPets"
    assert pets["GET"]["requestParameters"] == {"method.request.querystring.type": False}
    assert pets["GET"]["methodResponses"]["200"]["responseModels"] == {"application/json": "Pets"}
    assert pets["POST"]["requestModels"] == {"application/json": "Pet"}
    validator = apigw.get_request_validator(restApiId=api["id"], requestValidatorId=pets["POST"]["requestValidatorId"])
    assert (validator["name"], validator["validateRequestBody"]) == ("body-only", True)
    anything = tree["/v1/pets/{id}"]["resourceMethods"]["ANY"]
    assert anything["apiKeyRequired"] is True
    assert anything["requestParameters"] == {"method.request.path.id": True}
    secret = tree["/v1/secret"]["resourceMethods"]["GET"]
    authorizer = apigw.get_authorizer(restApiId=api["id"], authorizerId=secret["authorizerId"])
    assert (secret["authorizationType"], authorizer["name"], authorizer["type"], authorizer["identitySource"]) == (
        "CUSTOM", "tokens", "TOKEN", "method.request.header.Authorization")
    parts = apigw.get_documentation_parts(restApiId=api["id"])["items"]
    assert sorted((p["location"]["type"], json.loads(p["properties"]).popitem()[1]) for p in parts) == [
        ("API", "The pets API"), ("METHOD", "List the pets")]
    assert [v["version"] for v in apigw.get_documentation_versions(restApiId=api["id"])["items"]] == ["v1"]
    models = {m["name"]: json.loads(m["schema"]) for m in apigw.get_models(restApiId=api["id"])["items"]}
    assert set(models) == {"Pet", "Pets"}
    assert models["Pets"]["items"]["$ref"] == f"https://apigateway.amazonaws.com/restapis/{api['id']}/models/Pet"

    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    listed = invoke(gatehouse, api["id"], "dev", "/v1/pets?type=cat")
    assert (listed.status_code, listed.json(), listed.headers["X-Count"]) == (200, [{"id": 1, "type": "cat"}], "1")
    refused = invoke(gatehouse, api["id"], "dev", "/v1/pets", "POST", json={"age": 3})
    assert (refused.status_code, refused.json()) == (422, {"problem": "Invalid request body"})
    assert invoke(gatehouse, api["id"], "dev", "/v1/pets", "POST", json={"name": "Rex"}).json() == {"created": True}
    assert invoke(gatehouse, api["id"], "dev", "/v1/pets/7").status_code == 403  # no API key


def test_a_swagger_json_definition_imports_and_serves(apigw, gatehouse, imported, upstream):
    definition = json.loads(json.dumps(PETSTORE_SWAGGER).replace("UPSTREAM", upstream.url))
    definition["info"]["title"] = unique_name("petstore")
    api = imported(definition, parameters={"basepath": "split"})
    assert api["version"] == "2016-10-13T23:04:43Z"
    assert set(resources(apigw, api["id"])) == {"/", "/v2", "/v2/pets", "/v2/pets/{petId}"}
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    listed = invoke(gatehouse, api["id"], "prod", "/v2/pets?page=2")
    assert listed.status_code == 200
    assert (listed.json()["path"], listed.json()["query"]) == ("/petstore/pets", {"page": ["2"]})
    one = invoke(gatehouse, api["id"], "prod", "/v2/pets/42")
    assert one.json()["path"] == "/petstore/pets/42"


def comparable(apigw, api):
    """What an API is, without its ids: resources with their methods, models, validators, authorizers."""
    validators = {v["id"]: v["name"] for v in apigw.get_request_validators(restApiId=api)["items"]}
    authorizers = {a["id"]: a["name"] for a in apigw.get_authorizers(restApiId=api)["items"]}
    tree = {}
    for path, resource in resources(apigw, api).items():
        methods = {}
        for name, method in (resource.get("resourceMethods") or {}).items():
            method = {k: v for k, v in method.items() if k != "ResponseMetadata"}
            if "requestValidatorId" in method:
                method["requestValidatorId"] = validators[method["requestValidatorId"]]
            if "authorizerId" in method:
                method["authorizerId"] = authorizers[method["authorizerId"]]
            integration = method.get("methodIntegration")
            if integration:
                integration.pop("cacheNamespace", None)
            methods[name] = method
        tree[path] = methods
    models = {m["name"]: json.loads(m["schema"].replace(api, "API")) for m in apigw.get_models(restApiId=api)["items"]}
    return tree, models, sorted(validators.values()), sorted(authorizers.values())


def test_an_export_imports_again_as_the_same_api(apigw, imported):
    original = imported(pets_yaml())
    apigw.create_deployment(restApiId=original["id"], stageName="dev")
    exported = apigw.get_export(restApiId=original["id"], stageName="dev", exportType="oas30",
                                parameters={"extensions": "apigateway"})
    document = json.loads(exported["body"].read())
    assert exported["contentType"] == "application/json"
    assert exported["contentDisposition"] == 'attachment; filename="oas30_1.json"'
    assert document["openapi"] == "3.0.1"
    assert document["servers"][0]["variables"]["basePath"]["default"] == "dev"
    assert document["paths"]["/pets/{id}"]["x-amazon-apigateway-any-method"]["security"] == [{"api_key": []}]
    assert document["paths"]["/pets"]["get"]["x-amazon-apigateway-integration"]["type"] == "mock"
    assert document["x-amazon-apigateway-request-validators"] == {"body-only": {"validateRequestBody": True, "validateRequestParameters": False}}
    assert document["x-amazon-apigateway-minimum-compression-size"] == 1024
    assert document["x-amazon-apigateway-policy"]["Statement"][0]["Effect"] == "Allow"
    assert document["paths"]["/signed"]["get"]["security"] == [{"sigv4": []}]
    assert len(document["x-amazon-apigateway-documentation"]["documentationParts"]) == 2
    again = imported(document)
    assert comparable(apigw, again["id"]) == comparable(apigw, original["id"])


def test_exports_in_swagger_and_yaml(apigw, imported):
    api = imported(pets_yaml())
    apigw.create_deployment(restApiId=api["id"], stageName="dev")
    swagger = json.loads(apigw.get_export(restApiId=api["id"], stageName="dev", exportType="swagger")["body"].read())
    assert (swagger["swagger"], swagger["basePath"]) == ("2.0", "/dev")
    assert swagger["host"] == f"{api['id']}.execute-api.us-east-1.amazonaws.com"
    assert swagger["paths"]["/pets"]["get"]["responses"]["200"]["schema"] == {"$ref": "#/definitions/Pets"}
    assert "x-amazon-apigateway-integration" not in swagger["paths"]["/pets"]["get"]
    as_yaml = apigw.get_export(restApiId=api["id"], stageName="dev", exportType="oas30", accepts="application/yaml")
    assert as_yaml["contentType"] == "application/yaml"
    assert yaml.safe_load(as_yaml["body"].read())["info"]["title"] == api["name"]
    with pytest.raises(ClientError) as error:
        apigw.get_export(restApiId=api["id"], stageName="nope", exportType="oas30")
    assert_aws_error(error, 404, "NotFoundException", "Invalid stage identifier specified")


def api_count(apigw):
    return len(apigw.get_rest_apis(limit=500)["items"])


def test_invalid_input_is_refused(apigw):
    for body in (b"not an api", b'{"openapi": "3.0.1"}', b"[1, 2]"):
        with pytest.raises(ClientError) as error:
            apigw.import_rest_api(body=body)
        assert_aws_error(error, 400, "BadRequestException", "Invalid OpenAPI input.")


def test_a_failing_import_leaves_nothing_behind(apigw):
    broken = pets_yaml().replace("type: MOCK", "type: HTTP")  # an HTTP integration without a uri
    before = api_count(apigw)
    with pytest.raises(ClientError) as error:
        apigw.import_rest_api(body=broken.encode())
    message = error.value.response["Error"]["Message"]
    assert message.startswith("Errors found during import:\n\tUnable to put integration on 'ANY' for resource at path '/pets/{id}': ")
    assert api_count(apigw) == before


def test_warnings_are_reported_or_fail_the_import(apigw, imported):
    warned = pets_yaml().replace(
        "        type: mock\n        requestTemplates:\n          application/json: '{\"statusCode\": 200}'\n        responses:\n          default:\n            statusCode: 200\n            responseParameters",
        "        type: mock\n        requestParameters: {integration.request.header.nothing: true}\n        requestTemplates:\n          application/json: '{\"statusCode\": 200}'\n        responses:\n          default:\n            statusCode: 200\n            responseParameters")
    expected = ("Invalid format for 'requestParameters'. Expected type string for property 'integration.request.header.nothing' "
                "of resource '/pets' and method 'GET' but got 'true'")
    assert imported(warned)["warnings"] == [expected]
    before = api_count(apigw)
    with pytest.raises(ClientError) as error:
        apigw.import_rest_api(body=warned.encode(), failOnWarnings=True)
    assert_aws_error(error, 400, "BadRequestException", "Warnings found during import:\n\t" + expected)
    assert api_count(apigw) == before


def test_put_rest_api_merges_or_overwrites(apigw, imported):
    api = imported(pets_yaml())["id"]
    apigw.create_deployment(restApiId=api, stageName="dev")
    kept_id = resources(apigw, api)["/pets"]["id"]
    addition = {
        "openapi": "3.0.1", "info": {"title": "Renamed", "version": "2"},
        "paths": {"/toys": {"get": {"responses": {"200": {"description": "ok"}}, "x-amazon-apigateway-integration": {
            "type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'}, "responses": {"default": {"statusCode": 200}}}}},
                  "/pets": {"get": {"responses": {"204": {"description": "none"}}}}},
        "x-amazon-apigateway-binary-media-types": ["image/gif"],
    }
    merged = apigw.put_rest_api(restApiId=api, mode="merge", body=json.dumps(addition).encode())
    assert (merged["name"], merged["version"], merged["binaryMediaTypes"]) == ("Renamed", "2", ["image/png", "image/gif"])
    tree = resources(apigw, api)
    assert {"/pets", "/pets/{id}", "/secret", "/toys"} <= set(tree)
    # The incoming GET /pets replaced the old one whole; POST /pets stayed.
    assert set(tree["/pets"]["resourceMethods"]["GET"]["methodResponses"]) == {"204"}
    assert "POST" in tree["/pets"]["resourceMethods"]
    overwritten = apigw.put_rest_api(restApiId=api, mode="overwrite", body=json.dumps(addition).encode())
    assert overwritten["binaryMediaTypes"] == ["image/gif"]
    tree = resources(apigw, api)
    assert set(tree) == {"/", "/pets", "/toys"}
    assert tree["/pets"]["id"] == kept_id
    assert set(tree["/pets"]["resourceMethods"]) == {"GET"}
    assert apigw.get_models(restApiId=api)["items"] == []
    assert [s["stageName"] for s in apigw.get_stages(restApiId=api)["item"]] == ["dev"]


def test_a_failing_put_changes_nothing(apigw, imported):
    api = imported(pets_yaml())["id"]
    before = resources(apigw, api)
    broken = {"openapi": "3.0.1", "info": {"title": "Broken", "version": "3"}, "paths": {"/x": {"get": {
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": {"type": "http", "httpMethod": "GET"}}}}}
    with pytest.raises(ClientError) as error:
        apigw.put_rest_api(restApiId=api, mode="overwrite", body=json.dumps(broken).encode())
    assert error.value.response["Error"]["Message"].startswith("Errors found during import:")
    assert resources(apigw, api) == before
    assert apigw.get_rest_api(restApiId=api)["version"] == "1"


def test_documentation_can_be_left_out_of_an_import(apigw, imported):
    api = imported(pets_yaml(), parameters={"ignore": "documentation"})
    assert apigw.get_documentation_parts(restApiId=api["id"])["items"] == []


def test_documentation_parts_and_versions(apigw, rest_api):
    api = rest_api["id"]
    part = apigw.create_documentation_part(restApiId=api, location={"type": "API"}, properties='{"description": "first"}')
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 201
    with pytest.raises(ClientError) as error:
        apigw.create_documentation_part(restApiId=api, location={"type": "API"}, properties='{"description": "again"}')
    assert error.value.response["Error"]["Code"] == "ConflictException"
    updated = apigw.update_documentation_part(restApiId=api, documentationPartId=part["id"], patchOperations=[
        {"op": "replace", "path": "/properties", "value": '{"description": "second"}'}])
    assert json.loads(updated["properties"]) == {"description": "second"}
    version = apigw.create_documentation_version(restApiId=api, documentationVersion="1.0", description="launch")
    assert (version["version"], version["description"]) == ("1.0", "launch")
    with pytest.raises(ClientError) as error:
        apigw.create_documentation_version(restApiId=api, documentationVersion="1.0")
    assert error.value.response["Error"]["Code"] == "ConflictException"
    imported = apigw.import_documentation_parts(restApiId=api, mode="overwrite", body=json.dumps({"documentationParts": [
        {"location": {"type": "RESOURCE", "path": "/"}, "properties": {"summary": "root"}}]}).encode())
    assert len(imported["ids"]) == 1
    assert [p["location"]["type"] for p in apigw.get_documentation_parts(restApiId=api)["items"]] == ["RESOURCE"]
    apigw.delete_documentation_version(restApiId=api, documentationVersion="1.0")
    with pytest.raises(ClientError) as error:
        apigw.get_documentation_version(restApiId=api, documentationVersion="1.0")
    assert error.value.response["Error"]["Code"] == "NotFoundException"
