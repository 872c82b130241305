"""Deployments are snapshots: the data plane serves what was deployed, not the live API."""
import pytest

from conftest import InvokableApi, make_client

MISSING_TOKEN = {"message": "Missing Authentication Token"}


def _set_template(api, path, method, text):
    api.integration_response(path, method, 200, template=text)


def test_nothing_answers_before_the_first_deployment(invokable):
    invokable.mock("/pets", "GET", body="v1")
    response = invokable.invoke("dev", "pets")
    assert response.status_code == 403
    assert response.json() == MISSING_TOKEN


def test_changes_are_invisible_until_redeployed(invokable):
    invokable.mock("/pets", "GET", body="v1")
    invokable.deploy("dev")
    assert invokable.invoke("dev", "pets").text == "v1"

    _set_template(invokable, "/pets", "GET", "v2")
    invokable.mock("/pets", "POST", body="created")
    invokable.mock("/toys", "GET", body="toys")
    assert invokable.invoke("dev", "pets").text == "v1"
    assert invokable.invoke("dev", "pets", method="POST").status_code == 403
    assert invokable.invoke("dev", "toys").status_code == 403

    invokable.deploy("dev")
    assert invokable.invoke("dev", "pets").text == "v2"
    post = invokable.invoke("dev", "pets", method="POST")
    assert (post.status_code, post.text) == (200, "created")
    assert invokable.invoke("dev", "toys").text == "toys"


def test_deleting_a_method_is_invisible_until_redeployed(apigw, invokable):
    invokable.mock("/pets", "GET", body="pets")
    invokable.mock("/toys", "GET", body="toys")
    invokable.deploy("dev")
    apigw.delete_method(restApiId=invokable.id, resourceId=invokable.resource("/toys"), httpMethod="GET")
    assert invokable.invoke("dev", "toys").text == "toys"
    invokable.deploy("dev")
    assert invokable.invoke("dev", "toys").status_code == 403
    assert invokable.invoke("dev", "pets").text == "pets"


def test_stages_serve_their_own_deployment(invokable):
    invokable.mock("/pets", "GET", body="v1")
    invokable.deploy("prod")
    _set_template(invokable, "/pets", "GET", "v2")
    invokable.deploy("dev")
    assert invokable.invoke("prod", "pets").text == "v1"
    assert invokable.invoke("dev", "pets").text == "v2"
    assert invokable.invoke("prod", "pets", form="host").text == "v1"
    assert invokable.invoke("dev", "pets", form="host").text == "v2"


def test_update_stage_deployment_id_switches_back(apigw, invokable):
    invokable.mock("/pets", "GET", body="v1")
    first = invokable.deploy("dev")
    _set_template(invokable, "/pets", "GET", "v2")
    invokable.mock("/toys", "GET", body="toys")
    second = invokable.deploy("dev")
    assert invokable.invoke("dev", "pets").text == "v2"
    assert invokable.invoke("dev", "toys").status_code == 200

    apigw.update_stage(restApiId=invokable.id, stageName="dev",
                       patchOperations=[{"op": "replace", "path": "/deploymentId", "value": first}])
    assert invokable.invoke("dev", "pets").text == "v1"
    assert invokable.invoke("dev", "toys").status_code == 403

    apigw.update_stage(restApiId=invokable.id, stageName="dev",
                       patchOperations=[{"op": "replace", "path": "/deploymentId", "value": second}])
    assert invokable.invoke("dev", "pets").text == "v2"
    assert invokable.invoke("dev", "toys").text == "toys"


def test_create_stage_on_an_existing_deployment(apigw, invokable):
    invokable.mock("/pets", "GET", body="v1")
    first = invokable.deploy("dev")
    _set_template(invokable, "/pets", "GET", "v2")
    invokable.deploy("dev")
    apigw.create_stage(restApiId=invokable.id, stageName="old", deploymentId=first)
    assert invokable.invoke("old", "pets").text == "v1"
    assert invokable.invoke("dev", "pets").text == "v2"


def test_delete_stage_removes_its_routes(apigw, invokable):
    invokable.mock("/pets", "GET", body="pets")
    invokable.deploy("dev")
    invokable.deploy("prod")
    assert invokable.invoke("dev", "pets").status_code == 200
    apigw.delete_stage(restApiId=invokable.id, stageName="dev")
    for form in ("path", "host"):
        response = invokable.invoke("dev", "pets", form=form)
        assert response.status_code == 403, form
        assert response.json() == MISSING_TOKEN
        assert response.headers.get("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    assert invokable.invoke("prod", "pets").text == "pets"


def test_delete_rest_api_removes_its_routes(apigw, invokable):
    invokable.mock("/pets", "GET", body="pets")
    invokable.deploy("dev")
    assert invokable.invoke("dev", "pets").status_code == 200
    apigw.delete_rest_api(restApiId=invokable.id)
    response = invokable.invoke("dev", "pets")
    assert response.status_code == 403
    assert response.json() == MISSING_TOKEN


def test_deployed_stages_answer_after_a_restart(fresh_gatehouse):
    client = make_client(fresh_gatehouse)
    api = InvokableApi(client, fresh_gatehouse, client.create_rest_api(name="persistent-invoke"))
    api.mock("/pets", "GET", body="v1")
    first = api.deploy("dev")
    api.integration_response("/pets", "GET", 200, template="v2")
    api.deploy("prod")
    client.update_stage(restApiId=api.id, stageName="prod",
                        patchOperations=[{"op": "replace", "path": "/deploymentId", "value": first}])
    fresh_gatehouse.restart()
    assert api.invoke("dev", "pets").text == "v1"
    assert api.invoke("prod", "pets").text == "v1"
    assert api.invoke("prod", "pets", form="host").text == "v1"
    assert api.invoke("staging", "pets").status_code == 403
