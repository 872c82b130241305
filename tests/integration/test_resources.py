"""CreateResource / GetResource(s) / UpdateResource / DeleteResource and the pathPart rules."""
import pytest
from botocore.exceptions import ClientError

from helpers import ID6, assert_aws_error, assert_request_id, body_of, status_of

INVALID_RESOURCE = "Invalid Resource identifier specified"


def create(apigw, api, parent, part):
    return apigw.create_resource(restApiId=api["id"], parentId=parent, pathPart=part)


def test_create_resource_answers_201_with_id_parent_path_part_and_path(apigw, rest_api):
    response = create(apigw, rest_api, rest_api["rootResourceId"], "pets")
    assert status_of(response) == 201
    assert_request_id(response)
    assert ID6.match(response["id"])
    assert body_of(response) == {
        "id": response["id"], "parentId": rest_api["rootResourceId"], "pathPart": "pets", "path": "/pets"}


def test_nested_resource_path_joins_parent_path(apigw, rest_api):
    pets = create(apigw, rest_api, rest_api["rootResourceId"], "pets")
    sub = create(apigw, rest_api, pets["id"], "subpets")
    assert sub["path"] == "/pets/subpets"
    assert sub["parentId"] == pets["id"]
    fetched = apigw.get_resource(restApiId=rest_api["id"], resourceId=sub["id"])
    assert status_of(fetched) == 200
    assert body_of(fetched) == body_of(sub)


def test_get_resource_with_unknown_id_answers_404(apigw, rest_api):
    with pytest.raises(ClientError) as error:
        apigw.get_resource(restApiId=rest_api["id"], resourceId="nosuch")
    assert_aws_error(error, 404, "NotFoundException", INVALID_RESOURCE)


def test_create_resource_under_unknown_parent_answers_404(apigw, rest_api):
    with pytest.raises(ClientError) as error:
        create(apigw, rest_api, "nosuch", "pets")
    assert_aws_error(error, 404, "NotFoundException", INVALID_RESOURCE)


@pytest.mark.parametrize("part", ["{petId}", "{proxy+}", "{child+}", "v1.2_beta-3"])
def test_create_resource_accepts_variables_and_greedy_variables(apigw, rest_api, part):
    response = create(apigw, rest_api, rest_api["rootResourceId"], part)
    assert response["pathPart"] == part
    assert response["path"] == "/" + part


@pytest.mark.parametrize("part", ["pe ts", "a*b", "mid{x}dle", "{open"])
def test_create_resource_with_invalid_path_part_answers_400(apigw, rest_api, part):
    with pytest.raises(ClientError) as error:
        create(apigw, rest_api, rest_api["rootResourceId"], part)
    assert_aws_error(error, 400, "BadRequestException",
                     startswith="Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end")
    assert len(apigw.get_resources(restApiId=rest_api["id"])["items"]) == 1


def test_child_of_greedy_resource_answers_400(apigw, rest_api):
    proxy = create(apigw, rest_api, rest_api["rootResourceId"], "{proxy+}")
    with pytest.raises(ClientError) as error:
        create(apigw, rest_api, proxy["id"], "child")
    assert_aws_error(error, 400, "BadRequestException",
                     "Cannot create a child of a resource with a greedy path variable: {proxy+}")


def test_sibling_with_same_path_part_answers_409(apigw, rest_api):
    create(apigw, rest_api, rest_api["rootResourceId"], "pets")
    with pytest.raises(ClientError) as error:
        create(apigw, rest_api, rest_api["rootResourceId"], "pets")
    assert_aws_error(error, 409, "ConflictException", "Another resource with the same parent already has this name: pets")


def test_second_variable_sibling_answers_400(apigw, rest_api):
    create(apigw, rest_api, rest_api["rootResourceId"], "{proxy+}")
    with pytest.raises(ClientError) as error:
        create(apigw, rest_api, rest_api["rootResourceId"], "{id}")
    assert_aws_error(error, 400, "BadRequestException",
                     "A sibling ({proxy+}) of this resource already has a variable path part -- only one is allowed")


def test_greedy_variable_may_sit_beside_a_static_sibling(apigw, rest_api):
    static = create(apigw, rest_api, rest_api["rootResourceId"], "child")
    proxy = create(apigw, rest_api, rest_api["rootResourceId"], "{proxy+}")
    paths = {item["path"] for item in apigw.get_resources(restApiId=rest_api["id"])["items"]}
    assert paths == {"/", static["path"], proxy["path"]}


def test_same_path_part_under_different_parents_is_allowed(apigw, rest_api):
    a = create(apigw, rest_api, rest_api["rootResourceId"], "a")
    b = create(apigw, rest_api, rest_api["rootResourceId"], "b")
    assert create(apigw, rest_api, a["id"], "items")["path"] == "/a/items"
    assert create(apigw, rest_api, b["id"], "items")["path"] == "/b/items"


def test_delete_resource_answers_202_and_deletes_descendants(apigw, rest_api):
    a = create(apigw, rest_api, rest_api["rootResourceId"], "a")
    b = create(apigw, rest_api, a["id"], "b")
    c = create(apigw, rest_api, b["id"], "c")
    keep = create(apigw, rest_api, rest_api["rootResourceId"], "keep")
    apigw.put_method(restApiId=rest_api["id"], resourceId=c["id"], httpMethod="GET", authorizationType="NONE")
    response = apigw.delete_resource(restApiId=rest_api["id"], resourceId=a["id"])
    assert status_of(response) == 202
    for doomed in (a, b, c):
        with pytest.raises(ClientError) as error:
            apigw.get_resource(restApiId=rest_api["id"], resourceId=doomed["id"])
        assert_aws_error(error, 404, "NotFoundException", INVALID_RESOURCE)
    remaining = {item["path"] for item in apigw.get_resources(restApiId=rest_api["id"])["items"]}
    assert remaining == {"/", keep["path"]}
    with pytest.raises(ClientError) as error:
        apigw.delete_resource(restApiId=rest_api["id"], resourceId=a["id"])
    assert_aws_error(error, 404, "NotFoundException", INVALID_RESOURCE)


def test_deleting_the_path_part_frees_the_name(apigw, rest_api):
    first = create(apigw, rest_api, rest_api["rootResourceId"], "pets")
    apigw.delete_resource(restApiId=rest_api["id"], resourceId=first["id"])
    again = create(apigw, rest_api, rest_api["rootResourceId"], "pets")
    assert again["id"] != first["id"]


def test_get_resources_lists_methods_as_empty_objects_without_embed(apigw, rest_api):
    pets = create(apigw, rest_api, rest_api["rootResourceId"], "pets")
    apigw.put_method(restApiId=rest_api["id"], resourceId=pets["id"], httpMethod="GET", authorizationType="NONE")
    items = {item["path"]: item for item in apigw.get_resources(restApiId=rest_api["id"])["items"]}
    assert items["/pets"]["resourceMethods"] == {"GET": {}}
    assert "resourceMethods" not in items["/"]


def test_get_resources_with_embed_methods_returns_the_methods(apigw, rest_api):
    pets = create(apigw, rest_api, rest_api["rootResourceId"], "pets")
    apigw.put_method(restApiId=rest_api["id"], resourceId=pets["id"], httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=rest_api["id"], resourceId=pets["id"], httpMethod="GET", type="MOCK")
    items = {item["path"]: item for item in apigw.get_resources(restApiId=rest_api["id"], embed=["methods"])["items"]}
    method = items["/pets"]["resourceMethods"]["GET"]
    assert method["httpMethod"] == "GET"
    assert method["authorizationType"] == "NONE"
    assert method["apiKeyRequired"] is False
    assert method["methodIntegration"]["type"] == "MOCK"


def test_get_resource_with_embed_methods_returns_the_methods(apigw, rest_api):
    pets = create(apigw, rest_api, rest_api["rootResourceId"], "pets")
    apigw.put_method(restApiId=rest_api["id"], resourceId=pets["id"], httpMethod="POST", authorizationType="NONE")
    plain = apigw.get_resource(restApiId=rest_api["id"], resourceId=pets["id"])
    assert plain["resourceMethods"] == {"POST": {}}
    embedded = apigw.get_resource(restApiId=rest_api["id"], resourceId=pets["id"], embed=["methods"])
    assert embedded["resourceMethods"]["POST"]["httpMethod"] == "POST"


def test_get_resources_paginator_follows_position(apigw, rest_api):
    for index in range(5):
        create(apigw, rest_api, rest_api["rootResourceId"], f"r{index}")
    pages = list(apigw.get_paginator("get_resources").paginate(
        restApiId=rest_api["id"], PaginationConfig={"PageSize": 2}))
    assert [len(page["items"]) for page in pages] == [2, 2, 2]
    assert all("position" in page for page in pages[:-1])
    assert "position" not in pages[-1]
    paths = [item["path"] for page in pages for item in page["items"]]
    assert sorted(paths) == sorted(["/"] + [f"/r{index}" for index in range(5)])


def test_get_resources_with_unknown_api_answers_404(apigw):
    with pytest.raises(ClientError) as error:
        apigw.get_resources(restApiId="nosuchapi0")
    assert_aws_error(error, 404, "NotFoundException")


def test_update_resource_path_part_recomputes_paths_of_descendants(apigw, rest_api):
    pets = create(apigw, rest_api, rest_api["rootResourceId"], "pets")
    child = create(apigw, rest_api, pets["id"], "toys")
    response = apigw.update_resource(restApiId=rest_api["id"], resourceId=pets["id"], patchOperations=[
        {"op": "replace", "path": "/pathPart", "value": "animals"}])
    assert status_of(response) == 200
    assert (response["pathPart"], response["path"]) == ("animals", "/animals")
    assert apigw.get_resource(restApiId=rest_api["id"], resourceId=child["id"])["path"] == "/animals/toys"


def test_update_resource_parent_id_moves_the_subtree(apigw, rest_api):
    a = create(apigw, rest_api, rest_api["rootResourceId"], "a")
    b = create(apigw, rest_api, rest_api["rootResourceId"], "b")
    leaf = create(apigw, rest_api, b["id"], "leaf")
    response = apigw.update_resource(restApiId=rest_api["id"], resourceId=b["id"], patchOperations=[
        {"op": "replace", "path": "/parentId", "value": a["id"]}])
    assert (response["parentId"], response["path"]) == (a["id"], "/a/b")
    assert apigw.get_resource(restApiId=rest_api["id"], resourceId=leaf["id"])["path"] == "/a/b/leaf"


def test_update_resource_to_a_taken_name_answers_409(apigw, rest_api):
    create(apigw, rest_api, rest_api["rootResourceId"], "pets")
    other = create(apigw, rest_api, rest_api["rootResourceId"], "cats")
    with pytest.raises(ClientError) as error:
        apigw.update_resource(restApiId=rest_api["id"], resourceId=other["id"], patchOperations=[
            {"op": "replace", "path": "/pathPart", "value": "pets"}])
    assert_aws_error(error, 409, "ConflictException", "Another resource with the same parent already has this name: pets")


def test_update_resource_under_its_own_descendant_answers_400(apigw, rest_api):
    a = create(apigw, rest_api, rest_api["rootResourceId"], "a")
    b = create(apigw, rest_api, a["id"], "b")
    with pytest.raises(ClientError) as error:
        apigw.update_resource(restApiId=rest_api["id"], resourceId=a["id"], patchOperations=[
            {"op": "replace", "path": "/parentId", "value": b["id"]}])
    assert_aws_error(error, 400, "BadRequestException", "Resources cannot be cyclical.")


def test_update_root_resource_path_part_answers_400(apigw, rest_api):
    with pytest.raises(ClientError) as error:
        apigw.update_resource(restApiId=rest_api["id"], resourceId=rest_api["rootResourceId"], patchOperations=[
            {"op": "replace", "path": "/pathPart", "value": "root"}])
    assert_aws_error(error, 400, "BadRequestException", "Root resource cannot update its pathPart.")


def test_update_root_resource_parent_id_answers_400(apigw, rest_api):
    other = create(apigw, rest_api, rest_api["rootResourceId"], "other")
    with pytest.raises(ClientError) as error:
        apigw.update_resource(restApiId=rest_api["id"], resourceId=rest_api["rootResourceId"], patchOperations=[
            {"op": "replace", "path": "/parentId", "value": other["id"]}])
    assert_aws_error(error, 400, "BadRequestException", "Root resource cannot update its parentId.")


def test_update_resource_with_invalid_patch_path_answers_400(apigw, rest_api):
    pets = create(apigw, rest_api, rest_api["rootResourceId"], "pets")
    with pytest.raises(ClientError) as error:
        apigw.update_resource(restApiId=rest_api["id"], resourceId=pets["id"], patchOperations=[
            {"op": "replace", "path": "/invalid", "value": "x"}])
    assert_aws_error(error, 400, "BadRequestException",
                     "Invalid patch path  '/invalid' specified for op 'replace'. Must be one of: [/parentId, /pathPart]")


def test_update_resource_remove_path_part_answers_400(apigw, rest_api):
    pets = create(apigw, rest_api, rest_api["rootResourceId"], "pets")
    with pytest.raises(ClientError) as error:
        apigw.update_resource(restApiId=rest_api["id"], resourceId=pets["id"], patchOperations=[
            {"op": "remove", "path": "/pathPart"}])
    assert_aws_error(error, 400, "BadRequestException",
                     "Invalid patch path  '/pathPart' specified for op 'remove'. Please choose supported operations")
