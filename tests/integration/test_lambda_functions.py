"""Lambda control plane: CreateFunction / GetFunction / List / Update / Delete, tags, concurrency
settings and account settings, checked against what AWS answers (docs/aws/lambda-behaviour.md)."""
import base64
import hashlib
import re
import uuid

import pytest
import requests
from botocore.exceptions import ClientError

from helpers import (ACCOUNT_ID, LAMBDA_ROLE, REGION, assert_aws_error, assert_request_id, function_arn,
                     make_zip, status_of, unique_name)

LAST_MODIFIED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")
SOURCE = "def handler(event, context):\n    return {'ok': True}\n"


def _uuid(value):
    return str(uuid.UUID(value)) == value


def _sha(zip_bytes):
    return base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()


def test_create_function_answers_201_pending_with_aws_defaults(lambda_client):
    name = unique_name("fn")
    code = make_zip({"app.py": SOURCE})
    try:
        created = lambda_client.create_function(FunctionName=name, Runtime="python3.12", Role=LAMBDA_ROLE,
                                                Handler="app.handler", Code={"ZipFile": code})
        assert status_of(created) == 201
        assert_request_id(created)
        assert created["FunctionName"] == name
        assert created["FunctionArn"] == function_arn(name)
        assert created["Runtime"] == "python3.12"
        assert created["Role"] == LAMBDA_ROLE
        assert created["Handler"] == "app.handler"
        assert created["CodeSize"] == len(code)
        assert created["CodeSha256"] == _sha(code)
        assert created["Description"] == ""
        assert created["Timeout"] == 3
        assert created["MemorySize"] == 128
        assert created["Version"] == "$LATEST"
        assert LAST_MODIFIED.match(created["LastModified"]), created["LastModified"]
        assert _uuid(created["RevisionId"])
        assert created["State"] == "Pending"
        assert created["StateReason"] == "The function is being created."
        assert created["StateReasonCode"] == "Creating"
        assert "LastUpdateStatus" not in created
        assert "Environment" not in created
        assert created["PackageType"] == "Zip"
        assert created["Architectures"] == ["x86_64"]
        assert created["TracingConfig"] == {"Mode": "PassThrough"}
        assert created["EphemeralStorage"] == {"Size": 512}

        lambda_client.get_waiter("function_active_v2").wait(FunctionName=name,
                                                             WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
        config = lambda_client.get_function_configuration(FunctionName=name)
        assert status_of(config) == 200
        assert config["State"] == "Active"
        assert config["LastUpdateStatus"] == "Successful"
        assert "StateReason" not in config and "StateReasonCode" not in config
        assert config["CodeSha256"] == created["CodeSha256"]
        assert config["CodeSize"] == len(code)
    finally:
        lambda_client.delete_function(FunctionName=name)


def test_create_function_echoes_given_settings(make_function):
    created = make_function(SOURCE, Timeout=7, MemorySize=256, Description="a description",
                            Environment={"Variables": {"GREETING": "hi", "EMPTY": ""}})
    assert created["Timeout"] == 7
    assert created["MemorySize"] == 256
    assert created["Description"] == "a description"
    assert created["Environment"] == {"Variables": {"GREETING": "hi", "EMPTY": ""}}


def test_function_active_waiters_succeed(lambda_client, make_function):
    name = make_function(SOURCE, wait=False)["FunctionName"]
    lambda_client.get_waiter("function_active").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    lambda_client.get_waiter("function_exists").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 5})
    assert lambda_client.get_function(FunctionName=name)["Configuration"]["State"] == "Active"


def test_get_function_returns_configuration_and_a_code_location_serving_the_zip(lambda_client, make_function):
    files = {"app.py": SOURCE, "data/info.txt": "payload " * 50}
    code = make_zip(files)
    name = unique_name("fn")
    lambda_client.create_function(FunctionName=name, Runtime="python3.11", Role=LAMBDA_ROLE, Handler="app.handler",
                                  Code={"ZipFile": code})
    try:
        lambda_client.get_waiter("function_active_v2").wait(FunctionName=name,
                                                             WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
        got = lambda_client.get_function(FunctionName=name)
        assert status_of(got) == 200
        assert got["Configuration"]["FunctionName"] == name
        assert got["Configuration"]["FunctionArn"] == function_arn(name)
        assert got["Configuration"]["State"] == "Active"
        assert got["Code"]["RepositoryType"] == "S3"
        assert "Tags" not in got
        location = got["Code"]["Location"]
        assert location.startswith("http")
        download = requests.get(location, timeout=10)
        assert download.status_code == 200
        assert download.content == code
    finally:
        lambda_client.delete_function(FunctionName=name)


def test_get_function_by_arn(lambda_client, make_function):
    name = make_function(SOURCE)["FunctionName"]
    got = lambda_client.get_function_configuration(FunctionName=function_arn(name))
    assert got["FunctionName"] == name


def test_list_functions_pages_with_next_marker(lambda_client, make_function):
    names = {make_function(SOURCE)["FunctionName"] for _ in range(3)}
    first = lambda_client.list_functions(MaxItems=1)
    assert status_of(first) == 200
    assert len(first["Functions"]) == 1
    assert first.get("NextMarker")

    seen = []
    marker = None
    for _ in range(1000):
        kwargs = {"Marker": marker} if marker else {}
        page = lambda_client.list_functions(MaxItems=2, **kwargs)
        assert len(page["Functions"]) <= 2
        seen.extend(page["Functions"])
        marker = page.get("NextMarker")
        if not marker:
            break
    seen_names = [f["FunctionName"] for f in seen]
    assert len(seen_names) == len(set(seen_names)), "a function listed twice across pages"
    assert names <= set(seen_names)
    for item in seen:
        if item["FunctionName"] in names:
            assert item["FunctionArn"] == function_arn(item["FunctionName"])
            assert item["Version"] == "$LATEST"
            assert item["Runtime"] == "python3.12"

    everything = lambda_client.list_functions()
    assert "NextMarker" not in everything or len(everything["Functions"]) == 50
    paginated = [f["FunctionName"] for page in lambda_client.get_paginator("list_functions").paginate(
        PaginationConfig={"PageSize": 2}) for f in page["Functions"]]
    assert names <= set(paginated)


def test_update_function_code_answers_in_progress_and_changes_the_code(lambda_client, make_function):
    created = make_function(SOURCE)
    name = created["FunctionName"]
    new_code = make_zip({"app.py": "def handler(event, context):\n    return {'version': 2}\n"})
    updated = lambda_client.update_function_code(FunctionName=name, ZipFile=new_code)
    assert status_of(updated) == 200
    assert updated["LastUpdateStatus"] == "InProgress"
    assert updated["LastUpdateStatusReason"] == "The function is being created."
    assert updated["LastUpdateStatusReasonCode"] == "Creating"
    assert updated["State"] == "Active"
    assert updated["CodeSha256"] == _sha(new_code)
    assert updated["CodeSize"] == len(new_code)
    assert updated["RevisionId"] != created["RevisionId"]

    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    got = lambda_client.get_function(FunctionName=name)
    assert got["Configuration"]["LastUpdateStatus"] == "Successful"
    assert "LastUpdateStatusReason" not in got["Configuration"]
    assert got["Configuration"]["CodeSha256"] == _sha(new_code)
    assert requests.get(got["Code"]["Location"], timeout=10).content == new_code


def test_update_function_configuration(lambda_client, make_function):
    name = make_function(SOURCE)["FunctionName"]
    updated = lambda_client.update_function_configuration(
        FunctionName=name, Timeout=10, MemorySize=512, Description="changed", Handler="app.other",
        Environment={"Variables": {"A": "1"}})
    assert status_of(updated) == 200
    assert updated["LastUpdateStatus"] == "InProgress"
    assert updated["Timeout"] == 10
    assert updated["MemorySize"] == 512
    assert updated["Description"] == "changed"
    assert updated["Handler"] == "app.other"
    assert updated["Environment"] == {"Variables": {"A": "1"}}
    lambda_client.get_waiter("function_updated").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    config = lambda_client.get_function_configuration(FunctionName=name)
    assert config["LastUpdateStatus"] == "Successful"
    assert (config["Timeout"], config["MemorySize"], config["Handler"]) == (10, 512, "app.other")
    assert config["Environment"] == {"Variables": {"A": "1"}}


def test_delete_function_answers_204_then_the_function_is_gone(lambda_client, make_function):
    name = make_function(SOURCE)["FunctionName"]
    deleted = lambda_client.delete_function(FunctionName=name)
    assert status_of(deleted) == 204
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException) as error:
        lambda_client.get_function(FunctionName=name)
    assert_aws_error(error, 404, "ResourceNotFoundException", f"Function not found: {function_arn(name)}")
    assert name not in {f["FunctionName"] for f in lambda_client.list_functions(MaxItems=10000)["Functions"]}


# ---------------------------------------------------------------------------------------------
# Errors


def test_create_duplicate_function_is_a_conflict(lambda_client, make_function):
    name = make_function(SOURCE)["FunctionName"]
    with pytest.raises(lambda_client.exceptions.ResourceConflictException) as error:
        lambda_client.create_function(FunctionName=name, Runtime="python3.12", Role=LAMBDA_ROLE,
                                      Handler="app.handler", Code={"ZipFile": make_zip({"app.py": SOURCE})})
    assert_aws_error(error, 409, "ResourceConflictException", f"Function already exist: {name}")
    assert error.value.response.get("Type") == "User"
    assert error.value.response.get("message") == f"Function already exist: {name}"  # lower-case key on the wire


@pytest.mark.parametrize("operation", ["get_function", "get_function_configuration", "delete_function"])
def test_unknown_function_is_not_found(lambda_client, operation):
    name = unique_name("missing")
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException) as error:
        getattr(lambda_client, operation)(FunctionName=name)
    assert_aws_error(error, 404, "ResourceNotFoundException", f"Function not found: {function_arn(name)}")
    assert error.value.response.get("Type") == "User"


def test_update_unknown_function_is_not_found(lambda_client):
    name = unique_name("missing")
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException) as error:
        lambda_client.update_function_configuration(FunctionName=name, Timeout=5)
    assert_aws_error(error, 404, "ResourceNotFoundException", f"Function not found: {function_arn(name)}")
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException) as error:
        lambda_client.update_function_code(FunctionName=name, ZipFile=make_zip({"app.py": SOURCE}))
    assert_aws_error(error, 404, "ResourceNotFoundException", f"Function not found: {function_arn(name)}")


def test_create_with_bytes_that_are_not_a_zip(lambda_client):
    name = unique_name("fn")
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException) as error:
        lambda_client.create_function(FunctionName=name, Runtime="python3.12", Role=LAMBDA_ROLE,
                                      Handler="app.handler", Code={"ZipFile": b"this is not a zip file at all"})
    assert_aws_error(error, 400, "InvalidParameterValueException",
                     "Could not unzip uploaded file. Please check your file, then try to upload again.")
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException):
        lambda_client.get_function(FunctionName=name)


def test_update_code_with_bytes_that_are_not_a_zip(lambda_client, make_function):
    created = make_function(SOURCE)
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException) as error:
        lambda_client.update_function_code(FunctionName=created["FunctionName"], ZipFile=b"PK\x03\x04 broken")
    assert_aws_error(error, 400, "InvalidParameterValueException",
                     "Could not unzip uploaded file. Please check your file, then try to upload again.")
    config = lambda_client.get_function_configuration(FunctionName=created["FunctionName"])
    assert config["CodeSha256"] == created["CodeSha256"]


@pytest.mark.parametrize("entry", ["../escape.py", "a/../../escape.py", "/tmp/absolute-escape.py"])
def test_zip_slip_entries_are_rejected(lambda_client, entry, tmp_path):
    name = unique_name("fn")
    code = make_zip({"app.py": SOURCE, entry: "print('escaped')\n"})
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException) as error:
        lambda_client.create_function(FunctionName=name, Runtime="python3.12", Role=LAMBDA_ROLE,
                                      Handler="app.handler", Code={"ZipFile": code})
    assert_aws_error(error, 400, "InvalidParameterValueException")
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException):
        lambda_client.get_function(FunctionName=name)


def test_unsupported_runtime_is_rejected(lambda_client):
    """A runtime AWS has and Gatehouse cannot run (Java) is refused, and nothing is created."""
    name = unique_name("fn")
    with pytest.raises(lambda_client.exceptions.InvalidParameterValueException) as error:
        lambda_client.create_function(FunctionName=name, Runtime="java21", Role=LAMBDA_ROLE,
                                      Handler="example.Handler", Code={"ZipFile": make_zip({"Handler.class": "//"})})
    assert_aws_error(error, 400, "InvalidParameterValueException", startswith="Gatehouse runs python3.8 to python3.13, nodejs18.x")
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException):
        lambda_client.get_function(FunctionName=name)


def test_unknown_runtime_names_the_enum(lambda_client):
    with pytest.raises(ClientError) as error:
        lambda_client.create_function(FunctionName=unique_name("fn"), Runtime="non-existent-runtime",
                                      Role=LAMBDA_ROLE, Handler="app.handler",
                                      Code={"ZipFile": make_zip({"app.py": SOURCE})})
    assert_aws_error(error, 400, "InvalidParameterValueException",
                     startswith="Value non-existent-runtime at 'runtime' failed to satisfy constraint: "
                                "Member must satisfy enum value set: [")


# ---------------------------------------------------------------------------------------------
# Tags


def test_tags_lifecycle_on_the_function_arn(lambda_client, make_function):
    created = make_function(SOURCE, Tags={"team": "gate"})
    arn = created["FunctionArn"]
    assert lambda_client.list_tags(Resource=arn)["Tags"] == {"team": "gate"}
    assert lambda_client.get_function(FunctionName=created["FunctionName"])["Tags"] == {"team": "gate"}

    tagged = lambda_client.tag_resource(Resource=arn, Tags={"env": "dev", "owner": "me"})
    assert status_of(tagged) == 204
    listed = lambda_client.list_tags(Resource=arn)
    assert status_of(listed) == 200
    assert listed["Tags"] == {"team": "gate", "env": "dev", "owner": "me"}

    untagged = lambda_client.untag_resource(Resource=arn, TagKeys=["team", "owner", "not-there"])
    assert status_of(untagged) == 204
    assert lambda_client.list_tags(Resource=arn)["Tags"] == {"env": "dev"}
    lambda_client.untag_resource(Resource=arn, TagKeys=["env"])
    assert lambda_client.list_tags(Resource=arn)["Tags"] == {}
    assert "Tags" not in lambda_client.get_function(FunctionName=created["FunctionName"])


def test_tags_on_unknown_function_are_not_found(lambda_client):
    arn = function_arn(unique_name("missing"))
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException) as error:
        lambda_client.tag_resource(Resource=arn, Tags={"a": "b"})
    assert_aws_error(error, 404, "ResourceNotFoundException", f"Function not found: {arn}")


# ---------------------------------------------------------------------------------------------
# Concurrency settings and account settings


def test_function_concurrency_put_get_delete(lambda_client, make_function):
    name = make_function(SOURCE)["FunctionName"]
    unset = lambda_client.get_function_concurrency(FunctionName=name)
    assert status_of(unset) == 200
    assert "ReservedConcurrentExecutions" not in unset

    put = lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=3)
    assert status_of(put) == 200
    assert put["ReservedConcurrentExecutions"] == 3
    assert lambda_client.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 3
    assert lambda_client.get_function(FunctionName=name)["Concurrency"] == {"ReservedConcurrentExecutions": 3}

    deleted = lambda_client.delete_function_concurrency(FunctionName=name)
    assert status_of(deleted) == 204
    assert "ReservedConcurrentExecutions" not in lambda_client.get_function_concurrency(FunctionName=name)
    assert "Concurrency" not in lambda_client.get_function(FunctionName=name)


def test_function_concurrency_on_unknown_function(lambda_client):
    name = unique_name("missing")
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException) as error:
        lambda_client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    assert_aws_error(error, 404, "ResourceNotFoundException", startswith=f"Function not found: {function_arn(name)}")


def test_account_settings_limits_and_usage(fresh_gatehouse):
    from conftest import make_client

    client = make_client(fresh_gatehouse, "lambda")
    empty = client.get_account_settings()
    assert status_of(empty) == 200
    limits = empty["AccountLimit"]
    assert limits["ConcurrentExecutions"] == 1000
    assert limits["CodeSizeZipped"] == 52428800
    assert limits["CodeSizeUnzipped"] == 262144000
    assert limits["UnreservedConcurrentExecutions"] == 1000
    assert empty["AccountUsage"]["FunctionCount"] == 0
    assert empty["AccountUsage"]["TotalCodeSize"] == 0

    sizes = []
    for index in range(2):
        code = make_zip({"app.py": SOURCE + "#" * (index * 100)})
        sizes.append(len(code))
        client.create_function(FunctionName=f"acct-{index}", Runtime="python3.12", Role=LAMBDA_ROLE,
                               Handler="app.handler", Code={"ZipFile": code})
    usage = client.get_account_settings()["AccountUsage"]
    assert usage["FunctionCount"] == 2
    assert usage["TotalCodeSize"] == sum(sizes)

    client.put_function_concurrency(FunctionName="acct-0", ReservedConcurrentExecutions=10)
    assert client.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 990

    client.delete_function(FunctionName="acct-1")
    assert client.get_account_settings()["AccountUsage"]["FunctionCount"] == 1
