#!/usr/bin/env python3
"""Create the benchmark REST API on a running Gatehouse and print its invoke URLs.

    setup.py GATEHOUSE_URL UPSTREAM_URL

creates a REST API with
  GET /mock        MOCK integration answering 200 "hello"
  GET /proxy       HTTP_PROXY integration (GET) to UPSTREAM_URL
  GET /template    MOCK whose response template builds "hello" with #foreach, reading
                   $input.params() and $context on the way (the cost of a real mapping template)
  GET /keyed       the MOCK route with apiKeyRequired, an API key in a usage plan (generous
                   throttle and quota) — the cost of the key check, throttle and quota count
  GET /authorized  the MOCK route behind a Lambda TOKEN authorizer whose result is cached
deploys it to stage "bench", lifts the account throttle (10 000 rps by default, which the MOCK
route exceeds on a quiet machine), and prints one line per route in that order: the URL in path
form (GATEHOUSE_URL/restapis/{id}/bench/_user_request_/...), then a tab and the header the
request needs, if any.
"""
import io
import sys
import zipfile

import boto3
from botocore.config import Config

STAGE = "bench"
# Renders "hello": a loop with a condition per item, a map built from the request's parameters
# and context variables read, all on one line so no whitespace rule is involved.
TEMPLATE = (
    '#set($params = $input.params())#set($seen = {"ip": $context.identity.sourceIp, "id": $context.requestId})'
    '#set($letters = ["h", "e", "l", "l", "o"])'
    '#foreach($letter in $letters)#if($foreach.index < $letters.size() && $seen.size() == 2)$letter#end#end'
)


def mock_route(client, api, parent, path_part, response_template):
    """GET /path_part: a MOCK integration answering 200 with `response_template`; returns the resource id."""
    resource = client.create_resource(restApiId=api, parentId=parent, pathPart=path_part)["id"]
    method = dict(restApiId=api, resourceId=resource, httpMethod="GET")
    client.put_method(**method, authorizationType="NONE")
    client.put_integration(**method, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    client.put_method_response(**method, statusCode="200")
    client.put_integration_response(**method, statusCode="200",
                                    responseTemplates={"application/json": response_template})
    return resource


AUTHORIZER = """
def handler(event, context):
    return {"principalId": "bench", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "arn:aws:execute-api:*"}]}}
"""


def authorizer_function(gatehouse, credentials):
    """A Python function answering an Allow policy; returns its ARN."""
    lambda_client = boto3.client("lambda", endpoint_url=gatehouse, **credentials)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("authorizer.py", AUTHORIZER)
    arn = lambda_client.create_function(
        FunctionName="bench-authorizer", Runtime="python3.12", Handler="authorizer.handler",
        Role="arn:aws:iam::000000000000:role/bench", Code={"ZipFile": archive.getvalue()})["FunctionArn"]
    lambda_client.add_permission(FunctionName="bench-authorizer", StatementId="apigateway",
                                 Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com")
    return arn


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    gatehouse, upstream = sys.argv[1].rstrip("/"), sys.argv[2]
    if not upstream.endswith("/"):
        upstream += "/"
    credentials = dict(region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test",
                       config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30))
    client = boto3.client("apigateway", endpoint_url=gatehouse, **credentials)
    client.update_account(patchOperations=[
        {"op": "replace", "path": "/throttleSettings/rateLimit", "value": "1000000"},
        {"op": "replace", "path": "/throttleSettings/burstLimit", "value": "1000000"}])

    api = client.create_rest_api(name="gatehouse-bench")["id"]
    root = client.get_resources(restApiId=api)["items"][0]["id"]

    mock_route(client, api, root, "mock", "hello")

    proxy = client.create_resource(restApiId=api, parentId=root, pathPart="proxy")["id"]
    client.put_method(restApiId=api, resourceId=proxy, httpMethod="GET", authorizationType="NONE")
    client.put_integration(restApiId=api, resourceId=proxy, httpMethod="GET", type="HTTP_PROXY",
                           integrationHttpMethod="GET", uri=upstream)

    mock_route(client, api, root, "template", TEMPLATE)

    keyed = mock_route(client, api, root, "keyed", "hello")
    client.update_method(restApiId=api, resourceId=keyed, httpMethod="GET",
                         patchOperations=[{"op": "replace", "path": "/apiKeyRequired", "value": "true"}])

    authorizer = client.create_authorizer(
        restApiId=api, name="bench", type="TOKEN", identitySource="method.request.header.Authorization",
        authorizerUri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                      f"{authorizer_function(gatehouse, credentials)}/invocations",
        authorizerResultTtlInSeconds=300)["id"]
    authorized = mock_route(client, api, root, "authorized", "hello")
    client.update_method(restApiId=api, resourceId=authorized, httpMethod="GET", patchOperations=[
        {"op": "replace", "path": "/authorizationType", "value": "CUSTOM"},
        {"op": "replace", "path": "/authorizerId", "value": authorizer}])

    client.create_deployment(restApiId=api, stageName=STAGE)
    plan = client.create_usage_plan(name="bench", apiStages=[{"apiId": api, "stage": STAGE}],
                                    throttle={"rateLimit": 1000000.0, "burstLimit": 1000000},
                                    quota={"limit": 1000000000, "period": "DAY"})["id"]
    key = client.create_api_key(name="bench", enabled=True)
    client.create_usage_plan_key(usagePlanId=plan, keyId=key["id"], keyType="API_KEY")

    base = f"{gatehouse}/restapis/{api}/{STAGE}/_user_request_"
    print(f"{base}/mock")
    print(f"{base}/proxy")
    print(f"{base}/template")
    print(f"{base}/keyed\tx-api-key: {key['value']}")
    print(f"{base}/authorized\tAuthorization: bench-token")
    return 0


if __name__ == "__main__":
    sys.exit(main())
