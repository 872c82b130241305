#!/usr/bin/env python3
"""Create the benchmark REST API on a running Gatehouse and print its two invoke URLs.

    setup.py GATEHOUSE_URL UPSTREAM_URL

creates a REST API with
  GET /mock   MOCK integration answering 200 "hello"
  GET /proxy  HTTP_PROXY integration (GET) to UPSTREAM_URL
deploys it to stage "bench" and prints two lines, "mock URL" and "proxy URL", in path form
(GATEHOUSE_URL/restapis/{id}/bench/_user_request_/...).
"""
import sys

import boto3
from botocore.config import Config

STAGE = "bench"


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

    mock = client.create_resource(restApiId=api, parentId=root, pathPart="mock")["id"]
    client.put_method(restApiId=api, resourceId=mock, httpMethod="GET", authorizationType="NONE")
    client.put_integration(restApiId=api, resourceId=mock, httpMethod="GET", type="MOCK",
                           requestTemplates={"application/json": '{"statusCode": 200}'})
    client.put_method_response(restApiId=api, resourceId=mock, httpMethod="GET", statusCode="200")
    client.put_integration_response(restApiId=api, resourceId=mock, httpMethod="GET", statusCode="200",
                                    responseTemplates={"application/json": "hello"})

    proxy = client.create_resource(restApiId=api, parentId=root, pathPart="proxy")["id"]
    client.put_method(restApiId=api, resourceId=proxy, httpMethod="GET", authorizationType="NONE")
    client.put_integration(restApiId=api, resourceId=proxy, httpMethod="GET", type="HTTP_PROXY",
                           integrationHttpMethod="GET", uri=upstream)

    client.create_deployment(restApiId=api, stageName=STAGE)

    base = f"{gatehouse}/restapis/{api}/{STAGE}/_user_request_"
    print(f"{base}/mock")
    print(f"{base}/proxy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
