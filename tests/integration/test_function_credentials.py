"""What a function's worker holds: temporary credentials of its execution role (never the
server's own keys), good for the calls its SDK makes; and code downloads that need the signed,
expiring URL GetFunction hands out."""
import json
from urllib.parse import urlsplit, urlunsplit

import requests

from helpers import ACCOUNT_ID, SECRET_KEY, botocore_signed_request, create_python_function, delete_role, invoke_json

WHOAMI = """
import os
import boto3

def handler(event, context):
    identity = boto3.client("sts").get_caller_identity()
    return {
        "key": os.environ["AWS_ACCESS_KEY_ID"], "token": bool(os.environ.get("AWS_SESSION_TOKEN")),
        "secretIsServers": os.environ["AWS_SECRET_ACCESS_KEY"] == SERVER_SECRET,
        "arn": identity["Arn"], "functions": len(boto3.client("lambda").list_functions()["Functions"]) >= 1,
    }
""".replace("SERVER_SECRET", repr(SECRET_KEY))


def test_a_worker_holds_its_roles_temporary_credentials(lambda_client):
    role = f"arn:aws:iam::{ACCOUNT_ID}:role/whoami-role"
    name = create_python_function(lambda_client, WHOAMI, prefix="whoami", Role=role, Timeout=30)
    _, answer = invoke_json(lambda_client, name)
    assert answer["key"].startswith("ASIA")
    assert answer["token"] is True
    assert answer["secretIsServers"] is False
    assert answer["arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/whoami-role/{name}"
    assert answer["functions"] is True


def test_code_downloads_need_the_signed_url(lambda_client, make_function):
    name = make_function()["FunctionName"]
    location = lambda_client.get_function(FunctionName=name)["Code"]["Location"]
    assert requests.get(location, timeout=10).status_code == 200
    parts = urlsplit(location)
    assert requests.get(urlunsplit(parts._replace(query="")), timeout=10).status_code == 403
    tampered = parts.query.replace("X-Gatehouse-Signature=", "X-Gatehouse-Signature=0")
    assert requests.get(urlunsplit(parts._replace(query=tampered)), timeout=10).status_code == 403
    other = urlunsplit(parts._replace(path=parts.path.replace(name, name + "x")))
    assert requests.get(other, timeout=10).status_code == 403


LIMITED = """
import boto3
from botocore.exceptions import ClientError

def handler(event, context):
    groups = len(boto3.client("logs").describe_log_groups()["logGroups"]) >= 0
    try:
        boto3.client("lambda").list_functions()
        denied = None
    except ClientError as error:
        denied = {"code": error.response["Error"]["Code"], "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
                  "message": error.response["Error"]["Message"]}
    return {"logs": groups, "lambda": denied}
"""


def test_the_roles_identity_policies_decide_what_its_worker_may_call(lambda_client, client_factory):
    iam = client_factory(service="iam")
    role_name = f"logs-only-{lambda_client.meta.region_name}-{id(iam) % 100000}"
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]
    iam.put_role_policy(RoleName=role_name, PolicyName="logs", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}))
    try:
        name = create_python_function(lambda_client, LIMITED, prefix="limited", Role=role["Arn"], Timeout=30)
        _, answer = invoke_json(lambda_client, name)
        assert answer["logs"] is True
        assert answer["lambda"]["code"] == "AccessDeniedException" and answer["lambda"]["status"] == 403
        assert answer["lambda"]["message"] == (
            f"User: arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role_name}/{name} is not authorized to perform: lambda:ListFunctions "
            "on resource: * because no identity-based policy allows the lambda:ListFunctions action")
        # An explicit deny wins over an allow.
        iam.attach_role_policy(RoleName=role_name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
        iam.put_role_policy(RoleName=role_name, PolicyName="no-lambda", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "lambda:*", "Resource": "*"}]}))
        _, answer = invoke_json(lambda_client, name)
        assert "with an explicit deny in an identity-based policy" in answer["lambda"]["message"]
    finally:
        delete_role(iam, role_name)


def test_a_role_session_calls_an_iam_method_only_when_its_policies_allow(gatehouse, apigw, invokable, client_factory):
    invokable.method("/private", "GET")
    resource = invokable.resource("/private")
    apigw.update_method(restApiId=invokable.id, resourceId=resource, httpMethod="GET",
                        patchOperations=[{"op": "replace", "path": "/authorizationType", "value": "AWS_IAM"}])
    apigw.put_integration(restApiId=invokable.id, resourceId=resource, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    invokable.method_response("/private", "GET", 200)
    invokable.integration_response("/private", "GET", 200, template='{"ok": true}')
    invokable.deploy("dev")
    iam = client_factory(service="iam")
    role_name = f"invoker-{invokable.id}"
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))["Role"]
    try:
        credentials = client_factory(service="sts").assume_role(RoleArn=role["Arn"], RoleSessionName="caller")["Credentials"]
        url = invokable.url("dev", "private")
        signed = lambda: botocore_signed_request(  # noqa: E731
            "GET", url, access_key=credentials["AccessKeyId"], secret_key=credentials["SecretAccessKey"], service="execute-api")
        denied = signed()
        assert denied.status_code == 403
        assert f"assumed-role/{role_name}/caller is not authorized to perform: execute-api:Invoke" in denied.json()["Message"]
        iam.attach_role_policy(RoleName=role_name, PolicyArn="arn:aws:iam::aws:policy/AmazonAPIGatewayInvokeFullAccess")
        allowed = signed()
        assert (allowed.status_code, allowed.json()) == (200, {"ok": True})
    finally:
        delete_role(iam, role_name)
