"""TestInvokeMethod runs the live (undeployed) method through the data-plane pipeline."""
import json

import pytest

from helpers import AwsCliError


@pytest.fixture
def live(invokable):
    """GET /pets/{id} as a MOCK with a response header; never deployed."""
    invokable.mock("/pets/{id}", "GET", responses=[{"status": 200, "template": '{"pet": "live"}',
                                                    "headers": {"X-Foo": "'bar'"}}])
    return invokable


def _test_invoke(aws_cli, api, path, resource_path, query="", method="GET", extra=()):
    return aws_cli("test-invoke-method", "--rest-api-id", api.id, "--resource-id", api.resource(resource_path),
                   "--http-method", method, "--path-with-query-string", path + query, *extra)


def test_test_invoke_method_runs_the_undeployed_method(aws_cli, live):
    result = _test_invoke(aws_cli, live, "/pets/7", "/pets/{id}", "?a=1")
    assert result["status"] == 200
    assert json.loads(result["body"]) == {"pet": "live"}
    assert result["headers"]["X-Foo"] == "bar"
    assert result["headers"]["Content-Type"].startswith("application/json")
    assert result["multiValueHeaders"]["X-Foo"] == ["bar"]
    assert isinstance(result["latency"], int) and result["latency"] >= 0
    assert result["log"].startswith("Execution log for request")
    # AWS (recorded) names the request's path, not the resource's.
    assert " : HTTP Method: GET, Resource Path: /pets/7\n" in result["log"], result["log"]
    # Not deployed: the data plane still does not answer.
    assert live.invoke("dev", "pets/7").status_code == 403


def test_test_invoke_method_sees_changes_without_redeployment(aws_cli, live):
    live.deploy("dev")
    live.integration_response("/pets/{id}", "GET", 200, template='{"pet": "edited"}')
    assert live.invoke("dev", "pets/7").json() == {"pet": "live"}
    result = _test_invoke(aws_cli, live, "/pets/7", "/pets/{id}")
    assert json.loads(result["body"]) == {"pet": "edited"}


def test_test_invoke_method_selects_the_integration_response(aws_cli, invokable):
    invokable.mock("/gone", "GET", status=404, responses=[
        {"status": 200, "template": "ok"}, {"status": 404, "pattern": "4\\d{2}", "template": "missing"}])
    result = _test_invoke(aws_cli, invokable, "/gone", "/gone")
    assert (result["status"], result["body"]) == (404, "missing")


def test_test_invoke_method_forwards_query_and_path_to_http_proxy(aws_cli, invokable, upstream):
    invokable.http_proxy("/things/{name}", f"{upstream.url}/things/{{name}}", http_method="GET",
                         integration_method="GET")
    result = _test_invoke(aws_cli, invokable, "/things/box", "/things/{name}", "?a=1&b=two",
                          extra=("--headers", json.dumps({"X-Custom": "v"})))
    assert result["status"] == 200
    echo = json.loads(result["body"])
    assert echo["path"] == "/things/box"
    assert echo["query"] == {"a": ["1"], "b": ["two"]}
    assert echo["headers"]["x-custom"] == "v"
    assert result["log"].startswith("Execution log for request")


def test_test_invoke_method_on_a_missing_method_answers_404(aws_cli, live):
    with pytest.raises(AwsCliError) as error:
        _test_invoke(aws_cli, live, "/pets/7", "/pets/{id}", method="POST")
    assert "NotFoundException" in error.value.stderr
