"""Layers and packages in S3: PublishLayerVersion and its reads, lists and permissions; a
function's `Layers` seen by its worker where AWS puts them (`python/` on the import path, a
layer's `bootstrap` for a custom runtime); and code read from S3 through the service endpoint map
(moto's server)."""
import json

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import _served, make_client
from helpers import BASH_BOOTSTRAP, LAMBDA_ROLE, invoke_json, make_zip, unique_name

HANDLER = "import helper\n\ndef handler(event, context):\n    return {'greeting': helper.greet()}\n"


def layer_zip(greeting):
    return make_zip({"python/helper.py": f"def greet():\n    return {greeting!r}\n"})


@pytest.fixture
def layer(lambda_client):
    name = unique_name("layer")
    yield name
    for version in lambda_client.list_layer_versions(LayerName=name)["LayerVersions"]:
        lambda_client.delete_layer_version(LayerName=name, VersionNumber=version["Version"])


def test_layer_versions_are_published_read_and_listed(lambda_client, layer):
    first = lambda_client.publish_layer_version(LayerName=layer, Content={"ZipFile": layer_zip("hi")},
                                                CompatibleRuntimes=["python3.12"], Description="helpers")
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert first["Version"] == 1
    assert first["LayerVersionArn"] == f"arn:aws:lambda:us-east-1:000000000000:layer:{layer}:1"
    assert first["Content"]["CodeSize"] > 0
    assert requests.get(first["Content"]["Location"], timeout=10).content.startswith(b"PK")
    second = lambda_client.publish_layer_version(LayerName=layer, Content={"ZipFile": layer_zip("hello")})
    assert second["Version"] == 2
    assert lambda_client.get_layer_version(LayerName=layer, VersionNumber=1)["Description"] == "helpers"
    assert lambda_client.get_layer_version_by_arn(Arn=second["LayerVersionArn"])["Version"] == 2
    assert [v["Version"] for v in lambda_client.list_layer_versions(LayerName=layer)["LayerVersions"]] == [2, 1]
    assert [v["Version"] for v in lambda_client.list_layer_versions(LayerName=layer, CompatibleRuntime="python3.12")["LayerVersions"]] == [1]
    listed = {entry["LayerName"]: entry for entry in lambda_client.list_layers()["Layers"]}
    assert listed[layer]["LatestMatchingVersion"]["Version"] == 2
    lambda_client.add_layer_version_permission(LayerName=layer, VersionNumber=1, StatementId="everyone",
                                               Action="lambda:GetLayerVersion", Principal="*")
    policy = json.loads(lambda_client.get_layer_version_policy(LayerName=layer, VersionNumber=1)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["everyone"]
    lambda_client.remove_layer_version_permission(LayerName=layer, VersionNumber=1, StatementId="everyone")
    lambda_client.delete_layer_version(LayerName=layer, VersionNumber=2)
    with pytest.raises(ClientError) as error:
        lambda_client.get_layer_version(LayerName=layer, VersionNumber=2)
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_function_imports_from_its_layers(lambda_client, make_function, layer):
    v1 = lambda_client.publish_layer_version(LayerName=layer, Content={"ZipFile": layer_zip("hi from layer 1")})["LayerVersionArn"]
    v2 = lambda_client.publish_layer_version(LayerName=layer, Content={"ZipFile": layer_zip("hi from layer 2")})["LayerVersionArn"]
    created = make_function(HANDLER, Layers=[v1])
    assert created["Layers"] == [{"Arn": v1, "CodeSize": created["Layers"][0]["CodeSize"]}]
    name = created["FunctionName"]
    assert invoke_json(lambda_client, name)[1] == {"greeting": "hi from layer 1"}
    lambda_client.update_function_configuration(FunctionName=name, Layers=[v2])
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    assert invoke_json(lambda_client, name)[1] == {"greeting": "hi from layer 2"}
    with pytest.raises(ClientError) as error:
        lambda_client.update_function_configuration(FunctionName=name, Layers=[v2[:-1] + "9"])
    assert (error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]) == (
        "InvalidParameterValueException", f"Layer version {v2[:-1] + '9'} does not exist.")


def test_a_custom_runtime_may_come_from_a_layer(lambda_client, make_function, layer):
    runtime = lambda_client.publish_layer_version(LayerName=layer, Content={"ZipFile": make_zip({"bootstrap": BASH_BOOTSTRAP})})
    name = make_function(files={"handler.txt": "code"}, runtime="provided.al2023", handler="my.handler",
                         Layers=[runtime["LayerVersionArn"]])["FunctionName"]
    assert invoke_json(lambda_client, name, {"n": 1})[1] == {"runtime": "bash", "handler": "my.handler", "event": {"n": 1}}


def test_code_comes_from_s3_through_the_endpoint_map(moto):
    s3 = boto3.client("s3", endpoint_url=moto, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test",
                      config=Config(s3={"addressing_style": "path"}))
    s3.create_bucket(Bucket="packages")
    s3.put_object(Bucket="packages", Key="fn/v1.zip", Body=make_zip({"app.py": "def handler(e, c):\n    return 's3 code'\n"}))
    for server in _served({"GATEHOUSE_SERVICE_ENDPOINTS": f"s3={moto}"}):
        lambda_client = make_client(server, "lambda")
        created = lambda_client.create_function(FunctionName="from-s3", Runtime="python3.12", Role=LAMBDA_ROLE, Handler="app.handler",
                                                Code={"S3Bucket": "packages", "S3Key": "fn/v1.zip"})
        assert created["CodeSize"] > 0
        lambda_client.get_waiter("function_active_v2").wait(FunctionName="from-s3", WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
        assert invoke_json(lambda_client, "from-s3")[1] == "s3 code"
        with pytest.raises(ClientError) as error:
            lambda_client.update_function_code(FunctionName="from-s3", S3Bucket="packages", S3Key="missing.zip")
        assert error.value.response["Error"]["Code"] == "InvalidParameterValueException"
        assert "NoSuchKey" in error.value.response["Error"]["Message"]


def test_code_in_s3_without_an_endpoint_is_refused(lambda_client):
    with pytest.raises(ClientError) as error:
        lambda_client.create_function(FunctionName=unique_name("nos3"), Runtime="python3.12", Role=LAMBDA_ROLE, Handler="app.handler",
                                      Code={"S3Bucket": "packages", "S3Key": "fn.zip"})
    assert error.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "GATEHOUSE_SERVICE_ENDPOINTS=s3=URL" in error.value.response["Error"]["Message"]
