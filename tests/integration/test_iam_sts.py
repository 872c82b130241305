"""Minimal IAM and STS over botocore's `query` protocol: roles with trust policies, inline and
attached policies and tags; GetCallerIdentity; AssumeRole credentials that sign like the
configured ones; and the strict-IAM setting for roles that do not exist."""
import json

import pytest
from botocore.exceptions import ClientError

from conftest import _served, make_client
from helpers import ACCOUNT_ID, delete_role, make_zip, unique_name

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}


@pytest.fixture
def iam(gatehouse):
    return make_client(gatehouse, "iam")


@pytest.fixture
def role(iam):
    name = unique_name("role")
    created = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST), Description="for tests",
                              Tags=[{"Key": "team", "Value": "gate"}])["Role"]
    yield created
    try:
        delete_role(iam, name)
    except iam.exceptions.NoSuchEntityException:
        pass


def test_a_role_is_created_read_and_listed(iam, role):
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT_ID}:role/{role['RoleName']}"
    assert role["RoleId"].startswith("AROA") and role["Path"] == "/"
    assert role["AssumeRolePolicyDocument"] == TRUST  # boto3 decodes the URL-encoded document
    got = iam.get_role(RoleName=role["RoleName"])["Role"]
    assert (got["Description"], got["MaxSessionDuration"], got["Tags"]) == ("for tests", 3600, [{"Key": "team", "Value": "gate"}])
    assert role["RoleName"] in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    with pytest.raises(ClientError) as error:
        iam.create_role(RoleName=role["RoleName"], AssumeRolePolicyDocument=json.dumps(TRUST))
    assert (error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]) == (
        "EntityAlreadyExists", f"Role with name {role['RoleName']} already exists.")
    with pytest.raises(ClientError) as error:
        iam.get_role(RoleName="nobody")
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert (error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]) == (
        "NoSuchEntity", "The role with name nobody cannot be found.")


def test_policies_and_tags_of_a_role(iam, role):
    name = role["RoleName"]
    iam.put_role_policy(RoleName=name, PolicyName="logs", PolicyDocument=json.dumps(POLICY))
    assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["logs"]
    assert iam.get_role_policy(RoleName=name, PolicyName="logs")["PolicyDocument"] == POLICY
    managed = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    iam.attach_role_policy(RoleName=name, PolicyArn=managed)
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == [
        {"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": managed}]
    with pytest.raises(ClientError) as error:
        iam.delete_role(RoleName=name)
    assert error.value.response["Error"]["Code"] == "DeleteConflict"
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(POLICY))
    assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"] == POLICY
    iam.tag_role(RoleName=name, Tags=[{"Key": "env", "Value": "dev"}])
    iam.untag_role(RoleName=name, TagKeys=["team"])
    assert iam.list_role_tags(RoleName=name)["Tags"] == [{"Key": "env", "Value": "dev"}]
    with pytest.raises(ClientError) as error:
        iam.put_role_policy(RoleName=name, PolicyName="bad", PolicyDocument="{not json")
    assert error.value.response["Error"]["Code"] == "MalformedPolicyDocument"


def test_the_aws_cli_reads_iam_and_sts_answers(aws_service_cli, role):
    assert aws_service_cli("iam", "get-role", "--role-name", role["RoleName"])["Role"]["RoleName"] == role["RoleName"]
    assert aws_service_cli("sts", "get-caller-identity")["Account"] == ACCOUNT_ID


def test_caller_identity_and_assumed_roles(gatehouse, role):
    sts = make_client(gatehouse, "sts")
    identity = sts.get_caller_identity()
    assert (identity["Account"], identity["Arn"], identity["UserId"]) == (ACCOUNT_ID, f"arn:aws:iam::{ACCOUNT_ID}:root", "test")
    assumed = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="ci", DurationSeconds=900)
    credentials = assumed["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert assumed["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role['RoleName']}/ci"
    as_role = make_client(gatehouse, "sts", access_key=credentials["AccessKeyId"], secret_key=credentials["SecretAccessKey"])
    assert as_role.get_caller_identity()["Arn"] == assumed["AssumedRoleUser"]["Arn"]
    apis = make_client(gatehouse, "apigateway", access_key=credentials["AccessKeyId"], secret_key=credentials["SecretAccessKey"])
    # The session may do what the role's policies allow, and nothing else.
    with pytest.raises(ClientError) as error:
        apis.get_rest_apis()
    assert (error.value.response["Error"]["Code"], error.value.response["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDeniedException", 403)
    make_client(gatehouse, "iam").attach_role_policy(RoleName=role["RoleName"], PolicyArn="arn:aws:iam::aws:policy/AmazonAPIGatewayAdministrator")
    assert "items" in apis.get_rest_apis()
    # A role that does not exist can still be assumed unless IAM is strict.
    assert sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/nobody", RoleSessionName="xx")["Credentials"]
    with pytest.raises(ClientError) as error:
        sts.assume_role(RoleArn="not-an-arn-at-all-really", RoleSessionName="xx")
    assert error.value.response["Error"]["Code"] == "ValidationError"


def test_a_function_role_must_match_the_pattern(lambda_client):
    with pytest.raises(ClientError) as error:
        lambda_client.create_function(FunctionName=unique_name("badrole"), Runtime="python3.12", Role="lambda-role", Handler="app.handler",
                                      Code={"ZipFile": make_zip({"app.py": "def handler(e, c):\n    return 1\n"})})
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert "Value 'lambda-role' at 'role' failed to satisfy constraint" in error.value.response["Error"]["Message"]


def test_strict_iam_refuses_roles_that_do_not_exist():
    for server in _served({"GATEHOUSE_STRICT_IAM": "1"}):
        lambda_client = make_client(server, "lambda")
        missing = f"arn:aws:iam::{ACCOUNT_ID}:role/missing"
        code = {"ZipFile": make_zip({"app.py": "def handler(e, c):\n    return 1\n"})}
        with pytest.raises(ClientError) as error:
            lambda_client.create_function(FunctionName="strict", Runtime="python3.12", Role=missing, Handler="app.handler", Code=code)
        assert (error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]) == (
            "InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda.")
        with pytest.raises(ClientError) as error:
            make_client(server, "sts").assume_role(RoleArn=missing, RoleSessionName="xx")
        assert error.value.response["Error"]["Code"] == "AccessDenied"
        role = make_client(server, "iam").create_role(RoleName="present", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]
        assert lambda_client.create_function(FunctionName="strict", Runtime="python3.12", Role=role["Arn"], Handler="app.handler",
                                             Code=code)["Role"] == role["Arn"]
