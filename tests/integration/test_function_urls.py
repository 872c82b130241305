"""Function URLs: the `…/url` operations, and requests to `{url-id}.lambda-url.{region}.localhost`
invoking the function with payload 2.0 — public URLs needing the `lambda:InvokeFunctionUrl`
permission, IAM URLs needing a signature, CORS, results, errors, aliases."""
import json
from urllib.parse import urlsplit

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from helpers import ACCESS_KEY, REGION, SECRET_KEY, create_python_function

ECHO = """
import json

def handler(event, context):
    if event["rawPath"] == "/fail":
        raise RuntimeError("boom")
    if event["rawPath"] == "/created":
        return {"statusCode": 201, "headers": {"X-Made": "yes"}, "cookies": ["a=1"], "body": "made"}
    return {"path": event["rawPath"], "method": event["requestContext"]["http"]["method"],
            "prefix": event["requestContext"]["domainPrefix"], "query": event.get("queryStringParameters"),
            "body": event.get("body"), "account": event["requestContext"]["accountId"], "version": event["version"]}
"""


@pytest.fixture
def function(lambda_client):
    return create_python_function(lambda_client, ECHO, prefix="url")


def call(gatehouse, config, path="/", method="GET", **kwargs):
    host = urlsplit(config["FunctionUrl"]).netloc
    headers = {"Host": host, **kwargs.pop("headers", {})}
    return requests.request(method, gatehouse.url + path, headers=headers, timeout=30, **kwargs)


def make_public(lambda_client, function):
    lambda_client.add_permission(FunctionName=function, StatementId="public-url", Action="lambda:InvokeFunctionUrl",
                                 Principal="*", FunctionUrlAuthType="NONE")


def test_url_configs_are_created_read_updated_and_deleted(lambda_client, gatehouse, function):
    created = lambda_client.create_function_url_config(FunctionName=function, AuthType="NONE")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    url = urlsplit(created["FunctionUrl"])
    assert url.netloc == f"{url.hostname.split('.')[0]}.lambda-url.us-east-1.localhost:{gatehouse.port}"
    assert len(url.hostname.split(".")[0]) == 32
    assert (created["AuthType"], created["InvokeMode"]) == ("NONE", "BUFFERED")
    assert created["FunctionArn"].endswith(f":function:{function}")
    assert lambda_client.get_function_url_config(FunctionName=function)["FunctionUrl"] == created["FunctionUrl"]
    with pytest.raises(ClientError) as error:
        lambda_client.create_function_url_config(FunctionName=function, AuthType="NONE")
    assert error.value.response["Error"]["Code"] == "ResourceConflictException"
    updated = lambda_client.update_function_url_config(FunctionName=function, AuthType="AWS_IAM")
    assert updated["AuthType"] == "AWS_IAM"
    assert [c["FunctionUrl"] for c in lambda_client.list_function_url_configs(FunctionName=function)["FunctionUrlConfigs"]] == [created["FunctionUrl"]]
    lambda_client.delete_function_url_config(FunctionName=function)
    with pytest.raises(ClientError) as error:
        lambda_client.get_function_url_config(FunctionName=function)
    assert (error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]) == (
        "ResourceNotFoundException", "The resource you requested does not exist.")
    assert call(gatehouse, created).status_code == 403


def test_a_public_url_needs_the_permission_then_invokes_with_payload_2(lambda_client, gatehouse, function):
    config = lambda_client.create_function_url_config(FunctionName=function, AuthType="NONE")
    refused = call(gatehouse, config)
    assert (refused.status_code, refused.json()) == (403, {"Message": "Forbidden"})
    make_public(lambda_client, function)
    answer = call(gatehouse, config, "/pets/7?kind=dog", "POST", data="hello")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"path": "/pets/7", "method": "POST", "prefix": urlsplit(config["FunctionUrl"]).hostname.split(".")[0],
                             "query": {"kind": "dog"}, "body": "hello", "account": "anonymous", "version": "2.0"}
    made = call(gatehouse, config, "/created")
    assert (made.status_code, made.text, made.headers["X-Made"], made.headers["set-cookie"]) == (201, "made", "yes", "a=1")
    failed = call(gatehouse, config, "/fail")
    assert (failed.status_code, failed.json()) == (502, {"Message": "Internal Server Error"})


def test_an_iam_url_wants_a_signature(lambda_client, gatehouse, function):
    config = lambda_client.create_function_url_config(FunctionName=function, AuthType="AWS_IAM")
    assert call(gatehouse, config).status_code == 403
    host = urlsplit(config["FunctionUrl"]).netloc
    # The signature covers the URL's own host; the request goes to Gatehouse's port on loopback
    # (`*.localhost` does not resolve everywhere).
    signed = AWSRequest(method="GET", url=f"http://{host}/signed", headers={"Host": host})
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "lambda", REGION).add_auth(signed)
    answer = requests.get(f"{gatehouse.url}/signed", headers=dict(signed.headers.items()), timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json()["path"] == "/signed"
    assert answer.json()["account"] == "000000000000"


def test_cors_rules_answer_preflights_and_decorate_responses(lambda_client, gatehouse, function):
    config = lambda_client.create_function_url_config(FunctionName=function, AuthType="NONE", Cors={
        "AllowOrigins": ["https://example.com"], "AllowMethods": ["GET", "POST"], "AllowHeaders": ["content-type"], "MaxAge": 60})
    make_public(lambda_client, function)
    preflight = call(gatehouse, config, "/x", "OPTIONS", headers={
        "Origin": "https://example.com", "Access-Control-Request-Method": "POST"})
    # Answered as HTTP APIs answer preflights (AWS does not record a function URL's status).
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://example.com"
    answer = call(gatehouse, config, headers={"Origin": "https://example.com"})
    assert answer.headers["Access-Control-Allow-Origin"] == "https://example.com"


def test_a_url_on_an_alias(lambda_client, gatehouse, function):
    version = lambda_client.publish_version(FunctionName=function)["Version"]
    lambda_client.create_alias(FunctionName=function, Name="live", FunctionVersion=version)
    config = lambda_client.create_function_url_config(FunctionName=function, Qualifier="live", AuthType="NONE")
    assert config["FunctionArn"].endswith(f":function:{function}:live")
    lambda_client.add_permission(FunctionName=function, Qualifier="live", StatementId="public-url", Action="lambda:InvokeFunctionUrl",
                                 Principal="*", FunctionUrlAuthType="NONE")
    assert call(gatehouse, config, "/aliased").json()["path"] == "/aliased"
