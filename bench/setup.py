#!/usr/bin/env python3
"""Create the benchmark REST API on a running Gatehouse and print its three invoke URLs.

    setup.py GATEHOUSE_URL UPSTREAM_URL

creates a REST API with
  GET /mock   MOCK integration answering 200 "hello"
  GET /proxy  HTTP_PROXY integration (GET) to UPSTREAM_URL
  GET /template  MOCK whose response template builds "hello" with #foreach, reading
                 $input.params() and $context on the way (the cost of a real mapping template)
deploys it to stage "bench" and prints three lines, the mock, proxy and template URLs, in path form
(GATEHOUSE_URL/restapis/{id}/bench/_user_request_/...).
"""
import sys

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
    """GET /path_part: a MOCK integration answering 200 with `response_template`."""
    resource = client.create_resource(restApiId=api, parentId=parent, pathPart=path_part)["id"]
    method = dict(restApiId=api, resourceId=resource, httpMethod="GET")
    client.put_method(**method, authorizationType="NONE")
    client.put_integration(**method, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    client.put_method_response(**method, statusCode="200")
    client.put_integration_response(**method, statusCode="200",
                                    responseTemplates={"application/json": response_template})


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    gatehouse, upstream = sys.argv[1].rstrip("/"), sys.argv[2]
    if not upstream.endswith("/"):
        upstream += "/"
    client = boto3.client(
        "apigateway", endpoint_url=gatehouse, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30))

    api = client.create_rest_api(name="gatehouse-bench")["id"]
    root = client.get_resources(restApiId=api)["items"][0]["id"]

    mock_route(client, api, root, "mock", "hello")

    proxy = client.create_resource(restApiId=api, parentId=root, pathPart="proxy")["id"]
    client.put_method(restApiId=api, resourceId=proxy, httpMethod="GET", authorizationType="NONE")
    client.put_integration(restApiId=api, resourceId=proxy, httpMethod="GET", type="HTTP_PROXY",
                           integrationHttpMethod="GET", uri=upstream)

    mock_route(client, api, root, "template", TEMPLATE)

    client.create_deployment(restApiId=api, stageName=STAGE)

    base = f"{gatehouse}/restapis/{api}/{STAGE}/_user_request_"
    print(f"{base}/mock")
    print(f"{base}/proxy")
    print(f"{base}/template")
    return 0


if __name__ == "__main__":
    sys.exit(main())
