"""Lambda versions, aliases, qualified invokes and the resource policy (AddPermission / GetPolicy /
RemovePermission)."""
import base64
import json
import re
import uuid

import pytest
from botocore.exceptions import ClientError

from helpers import (ACCOUNT_ID, REGION, assert_aws_error, function_arn, invoke_json, make_zip, status_of,
                     unique_name)

VERSIONED = """
import os
def handler(event, context):
    return {"code": "CODE", "version": context.function_version, "arn": context.invoked_function_arn,
            "env_version": os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")}
"""


def _code(tag):
    return make_zip({"app.py": VERSIONED.replace("CODE", tag)})


def _update_code(lambda_client, name, tag):
    lambda_client.update_function_code(FunctionName=name, ZipFile=_code(tag))
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})


def _is_uuid(value):
    return str(uuid.UUID(value)) == value


@pytest.fixture
def versioned(lambda_client, make_function):
    """A function whose $LATEST returns "v1"; returns its name."""
    return make_function(VERSIONED.replace("CODE", "v1"))["FunctionName"]


def test_publish_version_numbers_and_lists_versions(lambda_client, versioned):
    name = versioned
    first = lambda_client.publish_version(FunctionName=name, Description="first release")
    assert status_of(first) == 201
    assert first["Version"] == "1"
    assert first["FunctionArn"] == function_arn(name, "1")
    assert first["Description"] == "first release"
    assert first["State"] == "Active"
    assert first["LastUpdateStatus"] == "Successful"
    assert first["CodeSha256"] == lambda_client.get_function_configuration(FunctionName=name)["CodeSha256"]

    _update_code(lambda_client, name, "v2")
    second = lambda_client.publish_version(FunctionName=name)
    assert status_of(second) == 201
    assert second["Version"] == "2"
    assert second["FunctionArn"] == function_arn(name, "2")

    versions = lambda_client.list_versions_by_function(FunctionName=name)
    assert status_of(versions) == 200
    assert [v["Version"] for v in versions["Versions"]] == ["$LATEST", "1", "2"]

    got = lambda_client.get_function(FunctionName=name, Qualifier="1")
    assert got["Configuration"]["Version"] == "1"
    assert got["Configuration"]["FunctionArn"] == function_arn(name, "1")
    assert got["Configuration"]["CodeSha256"] == first["CodeSha256"]
    assert lambda_client.get_function_configuration(FunctionName=function_arn(name, "2"))["Version"] == "2"
    assert [v["FunctionArn"] for v in versions["Versions"]] == [
        function_arn(name, "$LATEST"), function_arn(name, "1"), function_arn(name, "2")]


def test_publish_without_changes_returns_the_latest_version(lambda_client, versioned):
    first = lambda_client.publish_version(FunctionName=versioned)
    again = lambda_client.publish_version(FunctionName=versioned)
    assert again["Version"] == first["Version"] == "1"
    assert [v["Version"] for v in lambda_client.list_versions_by_function(FunctionName=versioned)["Versions"]] == [
        "$LATEST", "1"]


def test_invoke_a_version_runs_its_own_code(lambda_client, versioned):
    name = versioned
    lambda_client.publish_version(FunctionName=name)
    _update_code(lambda_client, name, "v2")

    response, body = invoke_json(lambda_client, name, Qualifier="1", LogType="Tail")
    assert response["ExecutedVersion"] == "1"
    assert body == {"code": "v1", "version": "1", "arn": function_arn(name, "1"), "env_version": "1"}
    tail = base64.b64decode(response["LogResult"]).decode()
    assert re.match(r"^START RequestId: [0-9a-f-]{36} Version: 1\n", tail), tail

    response, body = invoke_json(lambda_client, name)
    assert response["ExecutedVersion"] == "$LATEST"
    assert body == {"code": "v2", "version": "$LATEST", "arn": function_arn(name), "env_version": "$LATEST"}

    response, body = invoke_json(lambda_client, function_arn(name, "1"))
    assert response["ExecutedVersion"] == "1" and body["code"] == "v1"

    response, body = invoke_json(lambda_client, name, Qualifier="$LATEST")
    assert response["ExecutedVersion"] == "$LATEST" and body["code"] == "v2"
    assert body["arn"] == function_arn(name, "$LATEST")


def test_unknown_qualifier_is_not_found(lambda_client, versioned):
    name = versioned
    with pytest.raises(ClientError) as error:
        lambda_client.invoke(FunctionName=name, Qualifier="7", Payload=b"{}")
    assert_aws_error(error, 404, "ResourceNotFoundException", f"Function not found: {function_arn(name, '7')}")
    with pytest.raises(ClientError) as error:
        lambda_client.get_function(FunctionName=name, Qualifier="7")
    assert_aws_error(error, 404, "ResourceNotFoundException", f"Function not found: {function_arn(name, '7')}")
    with pytest.raises(ClientError) as error:
        lambda_client.invoke(FunctionName=name, Qualifier="no-such-alias", Payload=b"{}")
    assert_aws_error(error, 404, "ResourceNotFoundException",
                     f"Function not found: {function_arn(name, 'no-such-alias')}")


def test_alias_lifecycle_and_invoke(lambda_client, versioned):
    name = versioned
    lambda_client.publish_version(FunctionName=name)
    _update_code(lambda_client, name, "v2")
    lambda_client.publish_version(FunctionName=name)

    created = lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert status_of(created) == 201
    alias_arn = function_arn(name, "live")
    assert created["AliasArn"] == alias_arn
    assert created["Name"] == "live"
    assert created["FunctionVersion"] == "1"
    assert created["Description"] == ""
    assert _is_uuid(created["RevisionId"])
    assert "RoutingConfig" not in created

    got = lambda_client.get_alias(FunctionName=name, Name="live")
    assert status_of(got) == 200
    assert {k: got[k] for k in ("AliasArn", "Name", "FunctionVersion", "Description", "RevisionId")} == {
        k: created[k] for k in ("AliasArn", "Name", "FunctionVersion", "Description", "RevisionId")}

    lambda_client.create_alias(FunctionName=name, Name="next", FunctionVersion="2", Description="candidate")
    listed = lambda_client.list_aliases(FunctionName=name)
    assert status_of(listed) == 200
    assert [(a["Name"], a["FunctionVersion"]) for a in listed["Aliases"]] == [("live", "1"), ("next", "2")]

    response, body = invoke_json(lambda_client, name, Qualifier="live")
    assert response["ExecutedVersion"] == "1"
    assert body["code"] == "v1" and body["version"] == "1"
    assert body["arn"] == alias_arn
    response, body = invoke_json(lambda_client, alias_arn)
    assert response["ExecutedVersion"] == "1" and body["code"] == "v1"

    updated = lambda_client.update_alias(FunctionName=name, Name="live", FunctionVersion="2", Description="moved")
    assert status_of(updated) == 200
    assert updated["FunctionVersion"] == "2" and updated["Description"] == "moved"
    assert updated["RevisionId"] != created["RevisionId"]
    response, body = invoke_json(lambda_client, name, Qualifier="live")
    assert response["ExecutedVersion"] == "2" and body["code"] == "v2"

    config = lambda_client.get_function_configuration(FunctionName=name, Qualifier="live")
    assert config["Version"] == "2"

    deleted = lambda_client.delete_alias(FunctionName=name, Name="live")
    assert status_of(deleted) == 204
    with pytest.raises(ClientError) as error:
        lambda_client.get_alias(FunctionName=name, Name="live")
    assert_aws_error(error, 404, "ResourceNotFoundException", f"Cannot find alias arn: {alias_arn}")
    assert [a["Name"] for a in lambda_client.list_aliases(FunctionName=name)["Aliases"]] == ["next"]

    # GetFunctionConfiguration through an alias echoes the alias ARN (Version = the target version).
    config = lambda_client.get_function_configuration(FunctionName=name, Qualifier="next")
    assert config["Version"] == "2"
    assert config["FunctionArn"] == function_arn(name, "next")


def test_alias_errors(lambda_client, versioned):
    name = versioned
    lambda_client.publish_version(FunctionName=name)
    lambda_client.create_alias(FunctionName=name, Name="prod", FunctionVersion="1")
    with pytest.raises(ClientError) as error:
        lambda_client.create_alias(FunctionName=name, Name="prod", FunctionVersion="1")
    assert_aws_error(error, 409, "ResourceConflictException", f"Alias already exists: {function_arn(name, 'prod')}")
    with pytest.raises(ClientError) as error:
        lambda_client.update_alias(FunctionName=name, Name="nope", FunctionVersion="1")
    assert_aws_error(error, 404, "ResourceNotFoundException", f"Cannot find alias arn: {function_arn(name, 'nope')}")
    with pytest.raises(ClientError) as error:
        lambda_client.delete_alias(FunctionName=name, Name="nope")
    assert_aws_error(error, 404, "ResourceNotFoundException", f"Cannot find alias arn: {function_arn(name, 'nope')}")


def test_alias_to_latest(lambda_client, versioned):
    name = versioned
    lambda_client.create_alias(FunctionName=name, Name="edge", FunctionVersion="$LATEST")
    response, body = invoke_json(lambda_client, name, Qualifier="edge")
    assert response["ExecutedVersion"] == "$LATEST"
    assert body["code"] == "v1"


def test_delete_latest_qualifier_is_rejected(lambda_client, versioned):
    with pytest.raises(ClientError) as error:
        lambda_client.delete_function(FunctionName=versioned, Qualifier="$LATEST")
    assert_aws_error(error, 400, "InvalidParameterValueException",
                     "$LATEST version cannot be deleted without deleting the function.")
    assert lambda_client.get_function(FunctionName=versioned)["Configuration"]["FunctionName"] == versioned


def test_delete_a_version(lambda_client, versioned):
    name = versioned
    lambda_client.publish_version(FunctionName=name)
    deleted = lambda_client.delete_function(FunctionName=name, Qualifier="1")
    assert status_of(deleted) == 204
    assert [v["Version"] for v in lambda_client.list_versions_by_function(FunctionName=name)["Versions"]] == ["$LATEST"]
    assert invoke_json(lambda_client, name)[1]["code"] == "v1"


# ---------------------------------------------------------------------------------------------
# Resource policy


def test_add_permission_get_policy_remove_permission(lambda_client, versioned):
    name = versioned
    source_arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:abc123defg/*/GET/pets"
    added = lambda_client.add_permission(FunctionName=name, StatementId="apigw-invoke", Action="lambda:InvokeFunction",
                                         Principal="apigateway.amazonaws.com", SourceArn=source_arn)
    assert status_of(added) == 201
    statement = json.loads(added["Statement"])
    assert statement == {
        "Sid": "apigw-invoke", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
        "Action": "lambda:InvokeFunction", "Resource": function_arn(name),
        "Condition": {"ArnLike": {"AWS:SourceArn": source_arn}}}

    second = lambda_client.add_permission(FunctionName=name, StatementId="any-apigw", Action="lambda:InvokeFunction",
                                          Principal="apigateway.amazonaws.com")
    second_statement = json.loads(second["Statement"])
    assert "Condition" not in second_statement
    assert second_statement["Resource"] == function_arn(name)

    policy_response = lambda_client.get_policy(FunctionName=name)
    assert status_of(policy_response) == 200
    assert _is_uuid(policy_response["RevisionId"])
    policy = json.loads(policy_response["Policy"])
    assert policy["Version"] == "2012-10-17"
    assert policy["Id"] == "default"
    assert policy["Statement"] == [statement, second_statement]

    removed = lambda_client.remove_permission(FunctionName=name, StatementId="apigw-invoke")
    assert status_of(removed) == 204
    assert json.loads(lambda_client.get_policy(FunctionName=name)["Policy"])["Statement"] == [second_statement]

    with pytest.raises(ClientError) as error:
        lambda_client.remove_permission(FunctionName=name, StatementId="apigw-invoke")
    assert_aws_error(error, 404, "ResourceNotFoundException", "Statement apigw-invoke is not found in resource policy.")

    lambda_client.remove_permission(FunctionName=name, StatementId="any-apigw")
    with pytest.raises(ClientError) as error:
        lambda_client.get_policy(FunctionName=name)
    assert_aws_error(error, 404, "ResourceNotFoundException", "The resource you requested does not exist.")


def test_statement_and_policy_keys_in_aws_order(lambda_client, versioned):
    added = lambda_client.add_permission(
        FunctionName=versioned, StatementId="ordered", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:abc/*/GET/x")
    assert list(json.loads(added["Statement"])) == ["Sid", "Effect", "Principal", "Action", "Resource", "Condition"]
    policy = json.loads(lambda_client.get_policy(FunctionName=versioned)["Policy"])
    assert list(policy) == ["Version", "Id", "Statement"]
    assert list(policy["Statement"][0]) == ["Sid", "Effect", "Principal", "Action", "Resource", "Condition"]


def test_duplicate_statement_id_is_a_conflict(lambda_client, versioned):
    kwargs = dict(FunctionName=versioned, StatementId="x", Action="lambda:InvokeFunction",
                  Principal="apigateway.amazonaws.com")
    lambda_client.add_permission(**kwargs)
    with pytest.raises(ClientError) as error:
        lambda_client.add_permission(**kwargs)
    assert_aws_error(error, 409, "ResourceConflictException",
                     "The statement id (x) provided already exists. Please provide a new statement id, "
                     "or remove the existing statement.")


def test_get_policy_without_policy_is_not_found(lambda_client, versioned):
    with pytest.raises(ClientError) as error:
        lambda_client.get_policy(FunctionName=versioned)
    assert_aws_error(error, 404, "ResourceNotFoundException", "The resource you requested does not exist.")


def test_remove_permission_when_the_function_has_no_policy(lambda_client, versioned):
    with pytest.raises(ClientError) as error:
        lambda_client.remove_permission(FunctionName=versioned, StatementId="x")
    assert_aws_error(error, 404, "ResourceNotFoundException", "No policy is associated with the given resource.")


def test_add_permission_to_unknown_function(lambda_client):
    name = unique_name("missing")
    with pytest.raises(ClientError) as error:
        lambda_client.add_permission(FunctionName=name, StatementId="x", Action="lambda:InvokeFunction",
                                     Principal="apigateway.amazonaws.com")
    assert_aws_error(error, 404, "ResourceNotFoundException", f"Function not found: {function_arn(name)}")


def test_permission_on_a_version_is_separate(lambda_client, versioned):
    name = versioned
    lambda_client.publish_version(FunctionName=name)
    added = lambda_client.add_permission(FunctionName=name, Qualifier="1", StatementId="v1only",
                                         Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com")
    policy = json.loads(lambda_client.get_policy(FunctionName=name, Qualifier="1")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["v1only"]
    with pytest.raises(ClientError) as error:
        lambda_client.get_policy(FunctionName=name)
    assert_aws_error(error, 404, "ResourceNotFoundException", "The resource you requested does not exist.")
    assert json.loads(added["Statement"])["Resource"] == function_arn(name, "1")
