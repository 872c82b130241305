"""Methods, method responses, integrations and integration responses."""
import pytest
from botocore.exceptions import ClientError

from helpers import ACCOUNT_ID, assert_aws_error, assert_enum_error, assert_request_id, body_of, status_of

INVALID_METHOD = "Invalid Method identifier specified"
INVALID_INTEGRATION = "Invalid Integration identifier specified"
INVALID_STATUS = "Invalid Response status code specified"


@pytest.fixture
def resource(apigw, rest_api):
    """`{"api": ..., "id": <resource id>, "path": "/pets"}` with no methods yet."""
    created = apigw.create_resource(restApiId=rest_api["id"], parentId=rest_api["rootResourceId"], pathPart="pets")
    return {"api": rest_api["id"], "id": created["id"], "path": created["path"]}


@pytest.fixture
def method(apigw, resource):
    """A GET method (authorization NONE) on /pets."""
    apigw.put_method(restApiId=resource["api"], resourceId=resource["id"], httpMethod="GET", authorizationType="NONE")
    return dict(resource, httpMethod="GET")


@pytest.fixture
def mock_integration(apigw, method):
    apigw.put_integration(restApiId=method["api"], resourceId=method["id"], httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": '{"statusCode": 200}'})
    return method


def at(m):
    return {"restApiId": m["api"], "resourceId": m["id"], "httpMethod": m["httpMethod"]}


# --- PutMethod / GetMethod / UpdateMethod / DeleteMethod -------------------------------------------------------------


def test_put_method_answers_201_with_aws_defaults(apigw, resource):
    response = apigw.put_method(restApiId=resource["api"], resourceId=resource["id"], httpMethod="GET",
                                authorizationType="NONE")
    assert status_of(response) == 201
    assert_request_id(response)
    assert body_of(response) == {"httpMethod": "GET", "authorizationType": "NONE", "apiKeyRequired": False}


def test_put_method_echoes_request_parameters_and_models(apigw, resource):
    response = apigw.put_method(
        restApiId=resource["api"], resourceId=resource["id"], httpMethod="POST", authorizationType="AWS_IAM",
        apiKeyRequired=True, operationName="CreatePet",
        requestParameters={"method.request.querystring.page": False, "method.request.header.x-trace": True},
        requestModels={"application/json": "Empty"})
    assert body_of(response) == {
        "httpMethod": "POST", "authorizationType": "AWS_IAM", "apiKeyRequired": True, "operationName": "CreatePet",
        "requestParameters": {"method.request.querystring.page": False, "method.request.header.x-trace": True},
        "requestModels": {"application/json": "Empty"}}


def test_put_method_takes_the_authorization_type_in_lower_case_and_echoes_it(apigw, resource):
    """AWS (recorded): `authorizationType="none"` is accepted and echoed as sent."""
    where = dict(restApiId=resource["api"], resourceId=resource["id"], httpMethod="PATCH")
    assert apigw.put_method(**where, authorizationType="none")["authorizationType"] == "none"
    assert apigw.get_method(**where)["authorizationType"] == "none"


def test_an_unknown_api_or_resource_is_reported_before_anything_else_is_checked(apigw, resource):
    """AWS (recorded): NotFoundException "Invalid Resource identifier specified" comes before the
    request's other faults; a status code's pattern (the input's own constraint) comes first."""
    for api, resource_id in (("nosuchapi", resource["id"]), (resource["api"], "nosuch")):
        with pytest.raises(ClientError) as error:
            apigw.put_method(restApiId=api, resourceId=resource_id, httpMethod="FETCH", authorizationType="BOGUS")
        assert_aws_error(error, 404, "NotFoundException", "Invalid Resource identifier specified")
        with pytest.raises(ClientError) as error:
            apigw.put_integration(restApiId=api, resourceId=resource_id, httpMethod="GET", type="HTTP")
        assert_aws_error(error, 404, "NotFoundException", "Invalid Resource identifier specified")
    with pytest.raises(ClientError) as error:
        apigw.put_method_response(restApiId="nosuchapi", resourceId=resource["id"], httpMethod="GET", statusCode="999")
    assert_aws_error(error, 400, "ValidationException", startswith="1 validation error detected: Value '999' at 'statusCode'")


def test_put_method_twice_answers_409(apigw, method):
    with pytest.raises(ClientError) as error:
        apigw.put_method(restApiId=method["api"], resourceId=method["id"], httpMethod="GET", authorizationType="NONE")
    assert_aws_error(error, 409, "ConflictException", "Method already exists for this resource")


def test_put_method_with_bad_http_method_answers_400(apigw, resource):
    with pytest.raises(ClientError) as error:
        apigw.put_method(restApiId=resource["api"], resourceId=resource["id"], httpMethod="FETCH",
                         authorizationType="NONE")
    assert_aws_error(error, 400, "BadRequestException",
                     "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY")


def test_put_method_custom_without_authorizer_answers_400(apigw, resource):
    with pytest.raises(ClientError) as error:
        apigw.put_method(restApiId=resource["api"], resourceId=resource["id"], httpMethod="GET",
                         authorizationType="CUSTOM")
    assert_aws_error(error, 400, "BadRequestException",
                     "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS "
                     "requires a valid authorizer.")


def test_put_method_with_unknown_request_validator_answers_400(apigw, resource):
    with pytest.raises(ClientError) as error:
        apigw.put_method(restApiId=resource["api"], resourceId=resource["id"], httpMethod="GET",
                         authorizationType="NONE", requestValidatorId="nosuch")
    assert_aws_error(error, 400, "BadRequestException", "Invalid Request Validator identifier specified")


def test_put_method_on_unknown_resource_answers_404(apigw, rest_api):
    with pytest.raises(ClientError) as error:
        apigw.put_method(restApiId=rest_api["id"], resourceId="nosuch", httpMethod="GET", authorizationType="NONE")
    assert_aws_error(error, 404, "NotFoundException", "Invalid Resource identifier specified")


def test_put_method_on_unknown_api_answers_404_invalid_resource(apigw):
    with pytest.raises(ClientError) as error:
        apigw.put_method(restApiId="nosuchapi0", resourceId="nosuch", httpMethod="GET", authorizationType="NONE")
    assert_aws_error(error, 404, "NotFoundException", "Invalid Resource identifier specified")


def test_get_method_returns_integration_and_responses_once_created(apigw, mock_integration):
    m = mock_integration
    apigw.put_method_response(**at(m), statusCode="200")
    apigw.put_integration_response(**at(m), statusCode="200", selectionPattern="")
    response = apigw.get_method(**at(m))
    assert status_of(response) == 200
    assert (response["httpMethod"], response["authorizationType"], response["apiKeyRequired"]) == ("GET", "NONE", False)
    assert response["methodResponses"] == {"200": {"statusCode": "200"}}
    integration = response["methodIntegration"]
    assert integration["type"] == "MOCK"
    assert integration["integrationResponses"] == {"200": {"statusCode": "200", "selectionPattern": ""}}


def test_get_method_that_does_not_exist_answers_404(apigw, resource):
    with pytest.raises(ClientError) as error:
        apigw.get_method(restApiId=resource["api"], resourceId=resource["id"], httpMethod="DELETE")
    assert_aws_error(error, 404, "NotFoundException", INVALID_METHOD)


def test_update_method_replaces_and_adds_members(apigw, method):
    response = apigw.update_method(**at(method), patchOperations=[
        {"op": "replace", "path": "/apiKeyRequired", "value": "true"},
        {"op": "replace", "path": "/operationName", "value": "ListPets"},
        {"op": "add", "path": "/requestParameters/method.request.querystring.page", "value": "true"},
    ])
    assert status_of(response) == 200
    assert response["apiKeyRequired"] is True
    assert response["operationName"] == "ListPets"
    assert response["requestParameters"] == {"method.request.querystring.page": True}
    assert apigw.get_method(**at(method))["requestParameters"] == {"method.request.querystring.page": True}


def test_update_method_removing_the_last_request_parameter_drops_the_map(apigw, method):
    apigw.update_method(**at(method), patchOperations=[
        {"op": "add", "path": "/requestParameters/method.request.header.x-a", "value": "false"}])
    response = apigw.update_method(**at(method), patchOperations=[
        {"op": "remove", "path": "/requestParameters/method.request.header.x-a"}])
    assert "requestParameters" not in response


def test_update_method_add_http_method_answers_400(apigw, method):
    with pytest.raises(ClientError) as error:
        apigw.update_method(**at(method), patchOperations=[{"op": "add", "path": "/httpMethod", "value": "POST"}])
    assert_aws_error(error, 400, "BadRequestException", "Invalid patch path /httpMethod")


def test_update_method_add_operation_name_answers_400(apigw, method):
    with pytest.raises(ClientError) as error:
        apigw.update_method(**at(method), patchOperations=[{"op": "add", "path": "/operationName", "value": "x"}])
    assert_aws_error(error, 400, "BadRequestException", "Invalid patch operation specified. Must be one of: [replace]")


def test_update_method_that_does_not_exist_answers_404(apigw, resource):
    with pytest.raises(ClientError) as error:
        apigw.update_method(restApiId=resource["api"], resourceId=resource["id"], httpMethod="PUT", patchOperations=[
            {"op": "replace", "path": "/apiKeyRequired", "value": "true"}])
    assert_aws_error(error, 404, "NotFoundException", INVALID_METHOD)


def test_delete_method_answers_204_and_removes_it(apigw, method):
    response = apigw.delete_method(**at(method))
    assert status_of(response) == 204
    assert_request_id(response)
    with pytest.raises(ClientError) as error:
        apigw.get_method(**at(method))
    assert_aws_error(error, 404, "NotFoundException", INVALID_METHOD)
    resource = apigw.get_resource(restApiId=method["api"], resourceId=method["id"])
    assert not resource.get("resourceMethods")
    with pytest.raises(ClientError) as error:
        apigw.delete_method(**at(method))
    assert_aws_error(error, 404, "NotFoundException", INVALID_METHOD)


# --- Method responses -------------------------------------------------------------------------------------------------


def test_put_method_response_answers_201_and_echoes_what_was_sent(apigw, method):
    response = apigw.put_method_response(**at(method), statusCode="200",
                                         responseModels={"application/json": "Empty"},
                                         responseParameters={"method.response.header.x-id": False})
    assert status_of(response) == 201
    assert body_of(response) == {"statusCode": "200", "responseModels": {"application/json": "Empty"},
                                 "responseParameters": {"method.response.header.x-id": False}}
    fetched = apigw.get_method_response(**at(method), statusCode="200")
    assert status_of(fetched) == 200
    assert body_of(fetched) == body_of(response)


def test_put_method_response_minimal_is_just_the_status_code(apigw, method):
    response = apigw.put_method_response(**at(method), statusCode="404")
    assert body_of(response) == {"statusCode": "404"}


def test_put_method_response_with_bad_status_code_answers_validation_exception(apigw, method):
    with pytest.raises(ClientError) as error:
        apigw.put_method_response(**at(method), statusCode="wrong")
    assert_aws_error(error, 400, "ValidationException",
                     "1 validation error detected: Value 'wrong' at 'statusCode' failed to satisfy constraint: "
                     "Member must satisfy regular expression pattern: [1-5]\\d\\d")


def test_put_method_response_on_missing_method_answers_404(apigw, resource):
    with pytest.raises(ClientError) as error:
        apigw.put_method_response(restApiId=resource["api"], resourceId=resource["id"], httpMethod="GET",
                                  statusCode="200")
    assert_aws_error(error, 404, "NotFoundException", INVALID_METHOD)


def test_get_method_response_for_unknown_status_answers_404(apigw, method):
    with pytest.raises(ClientError) as error:
        apigw.get_method_response(**at(method), statusCode="500")
    assert_aws_error(error, 404, "NotFoundException", INVALID_STATUS)


def test_update_method_response_answers_201(apigw, method):
    apigw.put_method_response(**at(method), statusCode="200")
    response = apigw.update_method_response(**at(method), statusCode="200", patchOperations=[
        {"op": "add", "path": "/responseModels/application~1json", "value": "Error"}])
    assert status_of(response) == 201
    assert response["responseModels"] == {"application/json": "Error"}


def test_delete_method_response_answers_204(apigw, method):
    apigw.put_method_response(**at(method), statusCode="200")
    response = apigw.delete_method_response(**at(method), statusCode="200")
    assert status_of(response) == 204
    with pytest.raises(ClientError) as error:
        apigw.get_method_response(**at(method), statusCode="200")
    assert_aws_error(error, 404, "NotFoundException", INVALID_STATUS)


# --- Integrations -----------------------------------------------------------------------------------------------------


def test_put_mock_integration_answers_201_with_aws_defaults(apigw, method):
    response = apigw.put_integration(**at(method), type="MOCK",
                                     requestTemplates={"application/json": '{"statusCode": 200}'})
    assert status_of(response) == 201
    assert_request_id(response)
    assert body_of(response) == {
        "type": "MOCK", "passthroughBehavior": "WHEN_NO_MATCH", "timeoutInMillis": 29000,
        "cacheNamespace": method["id"], "cacheKeyParameters": [],
        "requestTemplates": {"application/json": '{"statusCode": 200}'}}


def test_put_http_integration_answers_201_with_connection_type_internet(apigw, method):
    response = apigw.put_integration(**at(method), type="HTTP", integrationHttpMethod="GET",
                                     uri="http://petstore.example.com/pets")
    assert status_of(response) == 201
    assert body_of(response) == {
        "type": "HTTP", "httpMethod": "GET", "uri": "http://petstore.example.com/pets", "connectionType": "INTERNET",
        "passthroughBehavior": "WHEN_NO_MATCH", "timeoutInMillis": 29000, "cacheNamespace": method["id"],
        "cacheKeyParameters": []}
    fetched = apigw.get_integration(**at(method))
    assert status_of(fetched) == 200
    assert body_of(fetched) == body_of(response)


def test_put_lambda_proxy_integration(apigw, method):
    uri = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
           f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:pets/invocations")
    response = apigw.put_integration(**at(method), type="AWS_PROXY", integrationHttpMethod="POST", uri=uri)
    assert (response["type"], response["httpMethod"], response["uri"]) == ("AWS_PROXY", "POST", uri)


@pytest.mark.parametrize("kind", ["HTTP", "HTTP_PROXY", "AWS", "AWS_PROXY"])
def test_put_integration_without_integration_http_method_answers_400(apigw, method, kind):
    with pytest.raises(ClientError) as error:
        apigw.put_integration(**at(method), type=kind, uri="http://petstore.example.com/pets")
    assert_aws_error(error, 400, "BadRequestException", "Enumeration value for HttpMethod must be non-empty")
    with pytest.raises(ClientError) as error:
        apigw.get_integration(**at(method))
    assert_aws_error(error, 404, "NotFoundException", INVALID_INTEGRATION)


def test_put_http_integration_with_invalid_uri_answers_400(apigw, method):
    with pytest.raises(ClientError) as error:
        apigw.put_integration(**at(method), type="HTTP", integrationHttpMethod="GET", uri="not a url")
    assert_aws_error(error, 400, "BadRequestException", "Invalid HTTP endpoint specified for URI")


def test_put_integration_with_bad_type_answers_validation_exception(apigw, method):
    with pytest.raises(ClientError) as error:
        apigw.put_integration(**at(method), type="HTTPS_PROXY")
    assert_enum_error(error, "putIntegrationInput.type", "HTTPS_PROXY", ["HTTP", "MOCK", "AWS_PROXY", "HTTP_PROXY", "AWS"])


def test_put_integration_on_missing_method_answers_404(apigw, resource):
    with pytest.raises(ClientError) as error:
        apigw.put_integration(restApiId=resource["api"], resourceId=resource["id"], httpMethod="GET", type="MOCK")
    assert_aws_error(error, 404, "NotFoundException", INVALID_METHOD)


def test_get_integration_when_method_has_none_answers_404(apigw, method):
    with pytest.raises(ClientError) as error:
        apigw.get_integration(**at(method))
    assert_aws_error(error, 404, "NotFoundException", INVALID_INTEGRATION)


def test_put_integration_again_replaces_it(apigw, mock_integration):
    response = apigw.put_integration(**at(mock_integration), type="HTTP_PROXY", integrationHttpMethod="ANY",
                                     uri="https://example.com/{proxy}")
    assert response["type"] == "HTTP_PROXY"
    assert status_of(response) == 201
    fetched = apigw.get_integration(**at(mock_integration))
    assert (fetched["type"], fetched["httpMethod"]) == ("HTTP_PROXY", "ANY")
    assert "requestTemplates" not in fetched


def test_update_integration_replaces_timeout(apigw, mock_integration):
    response = apigw.update_integration(**at(mock_integration), patchOperations=[
        {"op": "replace", "path": "/timeoutInMillis", "value": "1000"}])
    assert status_of(response) == 200
    assert response["timeoutInMillis"] == 1000
    assert apigw.get_integration(**at(mock_integration))["timeoutInMillis"] == 1000


def test_delete_integration_answers_204(apigw, mock_integration):
    response = apigw.delete_integration(**at(mock_integration))
    assert status_of(response) == 204
    with pytest.raises(ClientError) as error:
        apigw.get_integration(**at(mock_integration))
    assert_aws_error(error, 404, "NotFoundException", INVALID_INTEGRATION)
    assert "methodIntegration" not in apigw.get_method(**at(mock_integration))


# --- Integration responses --------------------------------------------------------------------------------------------


def test_put_integration_response_answers_201_and_echoes_what_was_sent(apigw, mock_integration):
    templates = {"application/json": '{"message": "ok"}'}
    response = apigw.put_integration_response(**at(mock_integration), statusCode="200", selectionPattern="",
                                              responseTemplates=templates)
    assert status_of(response) == 201
    assert_request_id(response)
    assert body_of(response) == {"statusCode": "200", "selectionPattern": "", "responseTemplates": templates}
    fetched = apigw.get_integration_response(**at(mock_integration), statusCode="200")
    assert status_of(fetched) == 200
    assert body_of(fetched) == body_of(response)


def test_an_empty_response_template_is_answered_as_null(apigw, mock_integration):
    """AWS (recorded): an empty response template comes back as null, not ""."""
    response = apigw.put_integration_response(**at(mock_integration), statusCode="200",
                                              responseTemplates={"application/json": ""})
    assert body_of(response)["responseTemplates"] == {"application/json": None}
    fetched = apigw.get_integration_response(**at(mock_integration), statusCode="200")
    assert body_of(fetched)["responseTemplates"] == {"application/json": None}


def test_put_integration_response_minimal_is_just_the_status_code(apigw, mock_integration):
    response = apigw.put_integration_response(**at(mock_integration), statusCode="400")
    assert body_of(response) == {"statusCode": "400"}


def test_put_integration_response_again_overwrites_with_201(apigw, mock_integration):
    apigw.put_integration_response(**at(mock_integration), statusCode="200", selectionPattern="2\\d{2}")
    response = apigw.put_integration_response(**at(mock_integration), statusCode="200")
    assert status_of(response) == 201
    assert body_of(apigw.get_integration_response(**at(mock_integration), statusCode="200")) == {"statusCode": "200"}


def test_put_integration_response_without_integration_answers_404(apigw, method):
    with pytest.raises(ClientError) as error:
        apigw.put_integration_response(**at(method), statusCode="200")
    assert_aws_error(error, 404, "NotFoundException", "No integration defined for method")


def test_get_integration_response_without_integration_answers_404(apigw, method):
    with pytest.raises(ClientError) as error:
        apigw.get_integration_response(**at(method), statusCode="200")
    assert_aws_error(error, 404, "NotFoundException", INVALID_INTEGRATION)


def test_get_integration_response_for_unknown_status_answers_404(apigw, mock_integration):
    with pytest.raises(ClientError) as error:
        apigw.get_integration_response(**at(mock_integration), statusCode="500")
    assert_aws_error(error, 404, "NotFoundException", INVALID_STATUS)


def test_update_integration_response_replaces_selection_pattern(apigw, mock_integration):
    apigw.put_integration_response(**at(mock_integration), statusCode="200", selectionPattern="")
    response = apigw.update_integration_response(**at(mock_integration), statusCode="200", patchOperations=[
        {"op": "replace", "path": "/selectionPattern", "value": "2\\d{2}"}])
    assert status_of(response) == 200
    assert response["selectionPattern"] == "2\\d{2}"


def test_delete_integration_response_answers_204(apigw, mock_integration):
    apigw.put_integration_response(**at(mock_integration), statusCode="200")
    response = apigw.delete_integration_response(**at(mock_integration), statusCode="200")
    assert status_of(response) == 204
    with pytest.raises(ClientError) as error:
        apigw.get_integration_response(**at(mock_integration), statusCode="200")
    assert_aws_error(error, 404, "NotFoundException", INVALID_STATUS)


def test_delete_integration_response_for_unknown_method_answers_404_invalid_integration(apigw, resource):
    with pytest.raises(ClientError) as error:
        apigw.delete_integration_response(restApiId=resource["api"], resourceId=resource["id"], httpMethod="GET",
                                          statusCode="200")
    assert_aws_error(error, 404, "NotFoundException", INVALID_INTEGRATION)
