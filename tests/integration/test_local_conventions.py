"""What clients and test suites written for LocalStack expect: AWS_ENDPOINT_URL alone, any
access key (a 12-digit key id is its own account), a reset endpoint for test isolation, and
`{api}.execute-api.localhost.localstack.cloud` host names."""
import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import InvokableApi, _served, make_client
from helpers import LAMBDA_ROLE, make_zip, unique_name


@pytest.fixture(scope="module")
def lenient():
    yield from _served({"GATEHOUSE_ACCEPT_ANY_KEY": "1", "GATEHOUSE_ENABLE_RESET": "1"})


def test_aws_endpoint_url_alone_reaches_gatehouse(gatehouse, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", gatehouse.url)
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    apis = session.client("apigateway", config=Config(retries={"max_attempts": 1}))
    created = apis.create_rest_api(name=unique_name("env"))
    assert apis.get_rest_api(restApiId=created["id"])["name"] == created["name"]
    assert "Functions" in session.client("lambda").list_functions()
    apis.delete_rest_api(restApiId=created["id"])


def test_any_key_is_accepted_and_a_12_digit_key_is_an_account(lenient):
    made_up = make_client(lenient, "lambda", access_key="testing", secret_key="testing")
    assert "Functions" in made_up.list_functions()
    account = make_client(lenient, "lambda", access_key="123456789012", secret_key="anything")
    created = account.create_function(FunctionName=unique_name("acct"), Runtime="python3.12", Role=LAMBDA_ROLE, Handler="app.handler",
                                      Code={"ZipFile": make_zip({"app.py": "def handler(e, c):\n    return 1\n"})})
    assert created["FunctionArn"].startswith("arn:aws:lambda:us-east-1:123456789012:function:")


def test_unknown_keys_are_refused_without_the_option(gatehouse):
    with pytest.raises(ClientError) as error:
        make_client(gatehouse, access_key="testing", secret_key="testing").get_rest_apis()
    assert error.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_reset_wipes_everything(lenient):
    client = make_client(lenient)
    api = InvokableApi(client, lenient, client.create_rest_api(name=unique_name("reset")))
    api.mock("/items", body='{"ok": true}')
    api.deploy("dev")
    assert api.invoke("dev", "items").status_code == 200
    answer = requests.post(f"{lenient.url}/_gatehouse/reset", timeout=10)
    assert (answer.status_code, answer.json()) == (200, {"status": "reset"})
    assert client.get_rest_apis()["items"] == []
    assert api.invoke("dev", "items").status_code == 403
    # The store still works afterwards.
    assert client.create_rest_api(name=unique_name("after"))["name"].startswith("after")


def test_reset_is_off_unless_enabled(gatehouse):
    answer = requests.post(f"{gatehouse.url}/_gatehouse/reset", timeout=10)
    assert answer.status_code == 404
    assert "GATEHOUSE_ENABLE_RESET" in answer.json()["message"]


def test_localstack_host_names_reach_the_api(apigw, gatehouse, invokable):
    invokable.mock("/items", body='{"via": "$context.domainName"}')
    invokable.deploy("dev")
    host = f"{invokable.id}.execute-api.localhost.localstack.cloud:{gatehouse.port}"
    answer = requests.get(f"{gatehouse.url}/dev/items", headers={"Host": host}, timeout=10)
    assert (answer.status_code, answer.json()) == (200, {"via": f"{invokable.id}.execute-api.localhost.localstack.cloud"})
