"""CreateRestApi / GetRestApi(s) / UpdateRestApi / DeleteRestApi, default models and the wire format."""
import datetime

import pytest
from botocore.exceptions import ClientError

from helpers import (ACCOUNT_ID, ID6, ID10, assert_aws_error, assert_enum_error, assert_request_id, body_of, botocore_signed_request,
                     status_of, unique_name)

EMPTY_SCHEMA = '{\n  "$schema": "http://json-schema.org/draft-04/schema#",\n  "title" : "Empty Schema",\n  "type" : "object"\n}'
ERROR_SCHEMA = ('{\n  "$schema" : "http://json-schema.org/draft-04/schema#",\n  "title" : "Error Schema",\n'
                '  "type" : "object",\n  "properties" : {\n    "message" : { "type" : "string" }\n  }\n}')


def test_create_rest_api_answers_201_with_aws_defaults(apigw):
    name = unique_name("defaults")
    response = apigw.create_rest_api(name=name)
    try:
        assert status_of(response) == 201
        assert_request_id(response)
        api = body_of(response)
        assert ID10.match(api["id"])
        assert ID10.match(api["rootResourceId"])
        assert isinstance(api.pop("createdDate"), datetime.datetime)
        assert api == {
            "id": api["id"], "name": name, "rootResourceId": api["rootResourceId"], "apiKeySource": "HEADER",
            "disableExecuteApiEndpoint": False,
            "endpointConfiguration": {"types": ["EDGE"], "ipAddressType": "ipv4"},
        }
    finally:
        apigw.delete_rest_api(restApiId=response["id"])


def test_create_rest_api_echoes_optional_members_when_set(apigw):
    response = apigw.create_rest_api(
        name=unique_name("opts"), description="my api", version="v1", binaryMediaTypes=["image/png"],
        minimumCompressionSize=1024, endpointConfiguration={"types": ["REGIONAL"]}, tags={"team": "core"})
    try:
        assert response["description"] == "my api"
        assert response["version"] == "v1"
        assert response["binaryMediaTypes"] == ["image/png"]
        assert response["minimumCompressionSize"] == 1024
        assert response["endpointConfiguration"] == {"types": ["REGIONAL"], "ipAddressType": "ipv4"}
        assert response["tags"] == {"team": "core"}
    finally:
        apigw.delete_rest_api(restApiId=response["id"])


def test_create_rest_api_with_empty_binary_media_types_omits_the_key(apigw):
    response = apigw.create_rest_api(name=unique_name("nobin"), binaryMediaTypes=[])
    try:
        assert "binaryMediaTypes" not in response
    finally:
        apigw.delete_rest_api(restApiId=response["id"])


def test_create_rest_api_with_empty_description_answers_400(apigw):
    name = unique_name("emptydesc")
    with pytest.raises(ClientError) as error:
        apigw.create_rest_api(name=name, description="")
    assert_aws_error(error, 400, "BadRequestException", "Description cannot be an empty string")
    assert name not in {api["name"] for api in apigw.get_rest_apis(limit=500)["items"]}


def test_create_rest_api_with_no_endpoint_types_answers_400(apigw):
    with pytest.raises(ClientError) as error:
        apigw.create_rest_api(name=unique_name("notypes"), endpointConfiguration={"types": []})
    assert_aws_error(error, 400, "BadRequestException",
                     "REGIONAL Configuration and EDGE Configuration cannot be both DISABLED.")


def test_create_rest_api_with_two_endpoint_types_answers_400(apigw):
    with pytest.raises(ClientError) as error:
        apigw.create_rest_api(name=unique_name("twotypes"), endpointConfiguration={"types": ["EDGE", "REGIONAL"]})
    assert_aws_error(error, 400, "BadRequestException", "Cannot create an api with multiple Endpoint Types.")


def test_new_api_has_only_the_root_resource(apigw, rest_api):
    response = apigw.get_resources(restApiId=rest_api["id"])
    assert status_of(response) == 200
    assert response["items"] == [{"id": rest_api["rootResourceId"], "path": "/"}]
    assert "position" not in response


def test_new_api_has_default_models_empty_and_error(apigw, rest_api):
    models = {model["name"]: model for model in apigw.get_models(restApiId=rest_api["id"])["items"]}
    assert set(models) == {"Empty", "Error"}
    for model in models.values():
        assert ID6.match(model.pop("id"))
    assert models["Empty"] == {
        "name": "Empty", "contentType": "application/json", "description": "This is a default empty schema model",
        "schema": EMPTY_SCHEMA}
    assert models["Error"] == {
        "name": "Error", "contentType": "application/json", "description": "This is a default error schema model",
        "schema": ERROR_SCHEMA}


def test_get_rest_api_returns_what_create_returned(apigw, rest_api):
    response = apigw.get_rest_api(restApiId=rest_api["id"])
    assert status_of(response) == 200
    assert_request_id(response)
    assert body_of(response) == body_of(rest_api)
    assert "tags" not in response


def test_get_rest_api_with_unknown_id_answers_404(apigw):
    with pytest.raises(ClientError) as error:
        apigw.get_rest_api(restApiId="nosuchapi0")
    assert_aws_error(error, 404, "NotFoundException", f"Invalid API identifier specified {ACCOUNT_ID}:nosuchapi0")


def test_get_rest_api_ids_are_case_sensitive(apigw, rest_api):
    upper = rest_api["id"].upper()
    with pytest.raises(ClientError) as error:
        apigw.get_rest_api(restApiId=upper)
    assert_aws_error(error, 404, "NotFoundException", f"Invalid API identifier specified {ACCOUNT_ID}:{upper}")


def test_get_rest_apis_pages_with_limit_and_position(apigw):
    created = [apigw.create_rest_api(name=unique_name("page"))["id"] for _ in range(3)]
    try:
        seen, position, pages = [], None, 0
        while True:
            kwargs = {"limit": 2}
            if position:
                kwargs["position"] = position
            page = apigw.get_rest_apis(**kwargs)
            pages += 1
            assert len(page["items"]) <= 2
            seen += [api["id"] for api in page["items"]]
            position = page.get("position")
            if not position:
                break
            assert pages < 500
        assert len(seen) == len(set(seen))
        assert set(created) <= set(seen)
        assert pages >= 2
    finally:
        for api_id in created:
            apigw.delete_rest_api(restApiId=api_id)


def test_update_rest_api_replaces_name_and_description(apigw, rest_api):
    response = apigw.update_rest_api(restApiId=rest_api["id"], patchOperations=[
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "replace", "path": "/description", "value": "now described"},
    ])
    assert status_of(response) == 200
    assert response["name"] == "renamed"
    assert response["description"] == "now described"
    assert response["id"] == rest_api["id"]
    fetched = apigw.get_rest_api(restApiId=rest_api["id"])
    assert (fetched["name"], fetched["description"]) == ("renamed", "now described")


def test_update_rest_api_always_returns_tags(apigw, rest_api):
    response = apigw.update_rest_api(restApiId=rest_api["id"], patchOperations=[
        {"op": "replace", "path": "/name", "value": "tagless"}])
    assert response["tags"] == {}


def test_update_rest_api_remove_description_drops_it(apigw):
    api = apigw.create_rest_api(name=unique_name("desc"), description="temporary")
    try:
        response = apigw.update_rest_api(restApiId=api["id"], patchOperations=[{"op": "remove", "path": "/description"}])
        assert "description" not in response
        assert "description" not in apigw.get_rest_api(restApiId=api["id"])
    finally:
        apigw.delete_rest_api(restApiId=api["id"])


def test_update_rest_api_adds_and_removes_binary_media_types_named_in_the_path(apigw, rest_api):
    added = apigw.update_rest_api(restApiId=rest_api["id"], patchOperations=[
        {"op": "add", "path": "/binaryMediaTypes/image~1png"}])
    assert added["binaryMediaTypes"] == ["image/png"]
    added = apigw.update_rest_api(restApiId=rest_api["id"], patchOperations=[
        {"op": "add", "path": "/binaryMediaTypes/image~1jpeg"}])
    assert added["binaryMediaTypes"] == ["image/png", "image/jpeg"]
    assert apigw.get_rest_api(restApiId=rest_api["id"])["binaryMediaTypes"] == ["image/png", "image/jpeg"]
    removed = apigw.update_rest_api(restApiId=rest_api["id"], patchOperations=[
        {"op": "remove", "path": "/binaryMediaTypes/image~1png"}])
    assert removed["binaryMediaTypes"] == ["image/jpeg"]


def test_update_rest_api_replace_binary_media_type_appends_the_new_value(apigw):
    api = apigw.create_rest_api(name=unique_name("bmt"), binaryMediaTypes=["image/png", "image/jpeg"])
    try:
        response = apigw.update_rest_api(restApiId=api["id"], patchOperations=[
            {"op": "replace", "path": "/binaryMediaTypes/image~1png", "value": "image/gif"}])
        assert response["binaryMediaTypes"] == ["image/jpeg", "image/gif"]
    finally:
        apigw.delete_rest_api(restApiId=api["id"])


def test_update_rest_api_with_invalid_patch_path_answers_400(apigw, rest_api):
    with pytest.raises(ClientError) as error:
        apigw.update_rest_api(restApiId=rest_api["id"], patchOperations=[{"op": "replace", "path": "/foo", "value": "x"}])
    assert_aws_error(error, 400, "BadRequestException", "Invalid patch path /foo")
    assert apigw.get_rest_api(restApiId=rest_api["id"])["name"] == rest_api["name"]


def test_update_rest_api_bare_binary_media_types_path_answers_400(apigw, rest_api):
    with pytest.raises(ClientError) as error:
        apigw.update_rest_api(restApiId=rest_api["id"], patchOperations=[
            {"op": "add", "path": "/binaryMediaTypes", "value": "image/png"}])
    assert_aws_error(error, 400, "BadRequestException", "Invalid patch path /binaryMediaTypes")


def test_update_rest_api_with_unknown_op_answers_validation_exception(apigw, rest_api):
    with pytest.raises(ClientError) as error:
        apigw.update_rest_api(restApiId=rest_api["id"], patchOperations=[
            {"op": "wrong-op", "path": "/name", "value": "x"}])
    assert_enum_error(error, "updateRestApiInput.patchOperations.1.member.op", "wrong-op",
                      ["add", "remove", "move", "test", "replace", "copy"])


def test_update_rest_api_with_unknown_id_answers_404(apigw):
    with pytest.raises(ClientError) as error:
        apigw.update_rest_api(restApiId="nosuchapi0", patchOperations=[{"op": "replace", "path": "/name", "value": "x"}])
    assert_aws_error(error, 404, "NotFoundException", f"Invalid API identifier specified {ACCOUNT_ID}:nosuchapi0")


def test_delete_rest_api_answers_202_and_removes_everything(apigw):
    api = apigw.create_rest_api(name=unique_name("doomed"))
    resource = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="pets")
    response = apigw.delete_rest_api(restApiId=api["id"])
    assert status_of(response) == 202
    assert_request_id(response)
    with pytest.raises(ClientError) as error:
        apigw.get_rest_api(restApiId=api["id"])
    assert_aws_error(error, 404, "NotFoundException", f"Invalid API identifier specified {ACCOUNT_ID}:{api['id']}")
    with pytest.raises(ClientError) as error:
        apigw.get_resource(restApiId=api["id"], resourceId=resource["id"])
    assert_aws_error(error, 404, "NotFoundException", "Invalid Resource identifier specified")
    assert api["id"] not in {item["id"] for item in apigw.get_rest_apis(limit=500)["items"]}
    with pytest.raises(ClientError) as error:
        apigw.delete_rest_api(restApiId=api["id"])
    assert_aws_error(error, 404, "NotFoundException", f"Invalid API identifier specified {ACCOUNT_ID}:{api['id']}")


@pytest.mark.parametrize("suffix", ["", "/resources", "/models", "/deployments", "/stages", "/gatewayresponses",
                                    "/requestvalidators", "/authorizers"])
def test_list_responses_use_the_wire_key_item(gatehouse, rest_api, suffix):
    path = "/restapis" if suffix == "" else f"/restapis/{rest_api['id']}{suffix}"
    response = botocore_signed_request("GET", gatehouse.url + path)
    assert response.status_code == 200, response.text
    assert response.headers.get("x-amzn-RequestId")
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert "items" not in body
    if suffix in ("", "/resources", "/models", "/gatewayresponses"):
        assert isinstance(body["item"], list) and body["item"], f"{path} should list under 'item': {body}"
    else:
        # Empty collections: whether AWS sends "item": [] or omits it is not established; both are fine.
        assert body.get("item", []) == []


def test_timestamps_are_epoch_seconds_on_the_wire(gatehouse, rest_api):
    response = botocore_signed_request("GET", f"{gatehouse.url}/restapis/{rest_api['id']}")
    created = response.json()["createdDate"]
    assert isinstance(created, (int, float)) and not isinstance(created, bool)
    assert abs(created - datetime.datetime.now().timestamp()) < 600


def test_replacing_the_minimum_compression_size_with_an_empty_value_clears_it(apigw):
    """AWS (recorded): `replace /minimumCompressionSize` with "" removes the setting."""
    api = apigw.create_rest_api(name=unique_name("compress"), minimumCompressionSize=1024)
    try:
        updated = apigw.update_rest_api(restApiId=api["id"], patchOperations=[
            {"op": "replace", "path": "/minimumCompressionSize", "value": ""}])
        assert "minimumCompressionSize" not in updated
        assert "minimumCompressionSize" not in apigw.get_rest_api(restApiId=api["id"])
    finally:
        apigw.delete_rest_api(restApiId=api["id"])
