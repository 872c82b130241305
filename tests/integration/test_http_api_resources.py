"""HTTP APIs (apigatewayv2): the control-plane resources `test_http_apis.py` does not cover —
models, route responses, integration responses, authorizers (CRUD and their checks), VPC links,
custom domain names and API mappings, stage settings (route settings, access logs, stage
variables, execution logs, the authorizer cache), deployments (read, update, delete) and list
pages (MaxResults / NextToken).

No function is needed: integrations are HTTP_PROXY ones to a URL nobody calls, and authorizers
are only stored, never invoked."""
import datetime
import json
import re

import pytest

from helpers import ACCOUNT_ID, ID6, REGION, assert_aws_error, deleted_after, status_of, unique_name
from test_http_apis import api_id, apis, v2  # noqa: F401  (fixtures)

UPSTREAM_URI = "http://127.0.0.1:9/unused"
AUTHORIZER_URI = (f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
                  f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:authorizer/invocations")
ISSUER = "https://issuer.example.com"
CERTIFICATE_ARN = f"arn:aws:acm:{REGION}:{ACCOUNT_ID}:certificate/12345678-1234-1234-1234-123456789012"
DOMAIN = "api.example.com"
API_GATEWAY_DOMAIN = re.compile(r"^d-[a-z0-9]+\.execute-api\.us-east-1\.amazonaws\.com$")
PET_SCHEMA = json.dumps({
    "$schema": "http://json-schema.org/draft-04/schema#", "title": "Pet", "type": "object",
    "properties": {"name": {"type": "string"}}, "required": ["name"],
})


def http_integration(v2, api_id):  # noqa: F811
    """An HTTP_PROXY integration (never invoked here); returns its id."""
    return v2.create_integration(ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationUri=UPSTREAM_URI,
                                 IntegrationMethod="ANY")["IntegrationId"]


def jwt_authorizer(v2, api_id, **kwargs):  # noqa: F811
    return v2.create_authorizer(
        ApiId=api_id, AuthorizerType="JWT", Name=kwargs.pop("Name", unique_name("jwt")),
        IdentitySource=kwargs.pop("IdentitySource", ["$request.header.Authorization"]),
        JwtConfiguration=kwargs.pop("JwtConfiguration", {"Issuer": ISSUER, "Audience": ["pets"]}), **kwargs)


# ---------------------------------------------------------------------------------------------
# Models


def test_a_model_is_created_read_listed_updated_and_deleted(v2, api_id):  # noqa: F811
    created = v2.create_model(ApiId=api_id, Name="Pet", ContentType="application/json", Schema=PET_SCHEMA)
    model_id = created["ModelId"]
    assert ID6.match(model_id), model_id
    assert (created["Name"], created["ContentType"], created["Schema"]) == ("Pet", "application/json", PET_SCHEMA)

    fetched = v2.get_model(ApiId=api_id, ModelId=model_id)
    assert (fetched["ModelId"], fetched["Name"], fetched["ContentType"], fetched["Schema"]) == (
        model_id, "Pet", "application/json", PET_SCHEMA)
    assert [item["ModelId"] for item in v2.get_models(ApiId=api_id)["Items"]] == [model_id]

    updated = v2.update_model(ApiId=api_id, ModelId=model_id, Description="a pet")
    assert (updated["ModelId"], updated["Name"], updated["Description"], updated["Schema"]) == (
        model_id, "Pet", "a pet", PET_SCHEMA)
    assert v2.get_model(ApiId=api_id, ModelId=model_id)["Description"] == "a pet"

    deleted = v2.delete_model(ApiId=api_id, ModelId=model_id)
    assert status_of(deleted) == 204
    assert v2.get_models(ApiId=api_id)["Items"] == []
    with pytest.raises(v2.exceptions.NotFoundException) as error:
        v2.get_model(ApiId=api_id, ModelId=model_id)
    assert_aws_error(error, 404, "NotFoundException", f"Invalid Model identifier specified {ACCOUNT_ID}:{model_id}")


def test_an_unknown_model_is_not_found(v2, api_id):  # noqa: F811
    for call in (lambda: v2.get_model(ApiId=api_id, ModelId="nope12"),
                 lambda: v2.update_model(ApiId=api_id, ModelId="nope12", Description="x"),
                 lambda: v2.delete_model(ApiId=api_id, ModelId="nope12")):
        with pytest.raises(v2.exceptions.NotFoundException) as error:
            call()
        assert_aws_error(error, 404, "NotFoundException", f"Invalid Model identifier specified {ACCOUNT_ID}:nope12")


# ---------------------------------------------------------------------------------------------
# Route responses


def test_a_route_response_is_created_read_listed_updated_and_deleted(v2, api_id):  # noqa: F811
    route_id = v2.create_route(ApiId=api_id, RouteKey="GET /pets")["RouteId"]
    created = v2.create_route_response(ApiId=api_id, RouteId=route_id, RouteResponseKey="$default")
    response_id = created["RouteResponseId"]
    assert ID6.match(response_id), response_id
    assert created["RouteResponseKey"] == "$default"

    fetched = v2.get_route_response(ApiId=api_id, RouteId=route_id, RouteResponseId=response_id)
    assert (fetched["RouteResponseId"], fetched["RouteResponseKey"]) == (response_id, "$default")
    assert [item["RouteResponseId"] for item in v2.get_route_responses(ApiId=api_id, RouteId=route_id)["Items"]] == [
        response_id]

    updated = v2.update_route_response(ApiId=api_id, RouteId=route_id, RouteResponseId=response_id,
                                       ModelSelectionExpression="$request.body.action")
    assert (updated["RouteResponseKey"], updated["ModelSelectionExpression"]) == ("$default", "$request.body.action")
    assert v2.get_route_response(ApiId=api_id, RouteId=route_id, RouteResponseId=response_id)[
        "ModelSelectionExpression"] == "$request.body.action"

    assert status_of(v2.delete_route_response(ApiId=api_id, RouteId=route_id, RouteResponseId=response_id)) == 204
    assert v2.get_route_responses(ApiId=api_id, RouteId=route_id)["Items"] == []
    with pytest.raises(v2.exceptions.NotFoundException) as error:
        v2.get_route_response(ApiId=api_id, RouteId=route_id, RouteResponseId=response_id)
    assert_aws_error(error, 404, "NotFoundException")


def test_a_route_response_needs_an_existing_route(v2, api_id):  # noqa: F811
    for call in (lambda: v2.create_route_response(ApiId=api_id, RouteId="nope123", RouteResponseKey="$default"),
                 lambda: v2.get_route_responses(ApiId=api_id, RouteId="nope123")):
        with pytest.raises(v2.exceptions.NotFoundException) as error:
            call()
        assert_aws_error(error, 404, "NotFoundException", f"Invalid Route identifier specified {ACCOUNT_ID}:nope123")


# ---------------------------------------------------------------------------------------------
# Integration responses


def test_an_integration_response_is_created_read_listed_updated_and_deleted(v2, api_id):  # noqa: F811
    integration_id = http_integration(v2, api_id)
    created = v2.create_integration_response(ApiId=api_id, IntegrationId=integration_id,
                                             IntegrationResponseKey="$default")
    response_id = created["IntegrationResponseId"]
    assert ID6.match(response_id), response_id
    assert created["IntegrationResponseKey"] == "$default"

    fetched = v2.get_integration_response(ApiId=api_id, IntegrationId=integration_id,
                                          IntegrationResponseId=response_id)
    assert (fetched["IntegrationResponseId"], fetched["IntegrationResponseKey"]) == (response_id, "$default")
    listed = v2.get_integration_responses(ApiId=api_id, IntegrationId=integration_id)["Items"]
    assert [item["IntegrationResponseId"] for item in listed] == [response_id]

    updated = v2.update_integration_response(ApiId=api_id, IntegrationId=integration_id,
                                             IntegrationResponseId=response_id,
                                             TemplateSelectionExpression="$integration.response.statuscode")
    assert (updated["IntegrationResponseKey"], updated["TemplateSelectionExpression"]) == (
        "$default", "$integration.response.statuscode")
    assert v2.get_integration_response(ApiId=api_id, IntegrationId=integration_id, IntegrationResponseId=response_id)[
        "TemplateSelectionExpression"] == "$integration.response.statuscode"

    deleted = v2.delete_integration_response(ApiId=api_id, IntegrationId=integration_id,
                                             IntegrationResponseId=response_id)
    assert status_of(deleted) == 204
    assert v2.get_integration_responses(ApiId=api_id, IntegrationId=integration_id)["Items"] == []
    with pytest.raises(v2.exceptions.NotFoundException) as error:
        v2.get_integration_response(ApiId=api_id, IntegrationId=integration_id, IntegrationResponseId=response_id)
    assert_aws_error(error, 404, "NotFoundException")


def test_an_integration_response_needs_an_existing_integration(v2, api_id):  # noqa: F811
    for call in (lambda: v2.create_integration_response(ApiId=api_id, IntegrationId="nope123",
                                                        IntegrationResponseKey="$default"),
                 lambda: v2.get_integration_responses(ApiId=api_id, IntegrationId="nope123")):
        with pytest.raises(v2.exceptions.NotFoundException) as error:
            call()
        assert_aws_error(error, 404, "NotFoundException",
                         f"Invalid Integration identifier specified {ACCOUNT_ID}:nope123")


# ---------------------------------------------------------------------------------------------
# Authorizers


def test_a_jwt_authorizer_is_created_read_listed_updated_and_deleted(v2, api_id):  # noqa: F811
    created = jwt_authorizer(v2, api_id, Name="jwt-auth")
    authorizer_id = created["AuthorizerId"]
    assert ID6.match(authorizer_id), authorizer_id
    assert created["Name"] == "jwt-auth"
    assert created["AuthorizerType"] == "JWT"
    assert created["IdentitySource"] == ["$request.header.Authorization"]
    assert created["JwtConfiguration"] == {"Issuer": ISSUER, "Audience": ["pets"]}

    fetched = v2.get_authorizer(ApiId=api_id, AuthorizerId=authorizer_id)
    assert (fetched["AuthorizerId"], fetched["Name"], fetched["JwtConfiguration"]) == (
        authorizer_id, "jwt-auth", {"Issuer": ISSUER, "Audience": ["pets"]})
    assert [item["AuthorizerId"] for item in v2.get_authorizers(ApiId=api_id)["Items"]] == [authorizer_id]

    updated = v2.update_authorizer(ApiId=api_id, AuthorizerId=authorizer_id, Name="renamed",
                                   JwtConfiguration={"Issuer": ISSUER, "Audience": ["pets", "toys"]})
    assert (updated["AuthorizerId"], updated["Name"], updated["AuthorizerType"]) == (authorizer_id, "renamed", "JWT")
    assert updated["JwtConfiguration"] == {"Issuer": ISSUER, "Audience": ["pets", "toys"]}
    assert updated["IdentitySource"] == ["$request.header.Authorization"]
    fetched = v2.get_authorizer(ApiId=api_id, AuthorizerId=authorizer_id)
    assert (fetched["Name"], fetched["JwtConfiguration"]["Audience"]) == ("renamed", ["pets", "toys"])

    assert status_of(v2.delete_authorizer(ApiId=api_id, AuthorizerId=authorizer_id)) == 204
    assert v2.get_authorizers(ApiId=api_id)["Items"] == []
    with pytest.raises(v2.exceptions.NotFoundException) as error:
        v2.get_authorizer(ApiId=api_id, AuthorizerId=authorizer_id)
    assert_aws_error(error, 404, "NotFoundException",
                     f"Invalid Authorizer identifier specified {ACCOUNT_ID}:{authorizer_id}")


def test_a_request_authorizer_echoes_its_lambda_settings(v2, api_id):  # noqa: F811
    created = v2.create_authorizer(ApiId=api_id, AuthorizerType="REQUEST", Name="lambda-auth",
                                   AuthorizerUri=AUTHORIZER_URI, AuthorizerPayloadFormatVersion="2.0",
                                   EnableSimpleResponses=True, IdentitySource=["$request.header.X-Token"])
    authorizer_id = created["AuthorizerId"]
    assert ID6.match(authorizer_id), authorizer_id
    assert created["Name"] == "lambda-auth"
    assert created["AuthorizerType"] == "REQUEST"
    assert created["AuthorizerUri"] == AUTHORIZER_URI
    assert created["AuthorizerPayloadFormatVersion"] == "2.0"
    assert created["EnableSimpleResponses"] is True
    assert created["IdentitySource"] == ["$request.header.X-Token"]

    updated = v2.update_authorizer(ApiId=api_id, AuthorizerId=authorizer_id, AuthorizerResultTtlInSeconds=60)
    assert (updated["AuthorizerResultTtlInSeconds"], updated["EnableSimpleResponses"]) == (60, True)
    assert v2.get_authorizer(ApiId=api_id, AuthorizerId=authorizer_id)["AuthorizerResultTtlInSeconds"] == 60


@pytest.mark.parametrize("kwargs", [
    pytest.param({"AuthorizerType": "REQUEST", "AuthorizerUri": AUTHORIZER_URI,
                  "IdentitySource": ["$request.header.X-Token"]}, id="request-without-payload-version"),
    pytest.param({"AuthorizerType": "REQUEST", "AuthorizerUri": AUTHORIZER_URI, "AuthorizerPayloadFormatVersion": "1.0",
                  "EnableSimpleResponses": True, "IdentitySource": ["$request.header.X-Token"]},
                 id="request-1.0-with-simple-responses"),
    pytest.param({"AuthorizerType": "JWT", "JwtConfiguration": {"Issuer": ISSUER, "Audience": ["pets"]},
                  "IdentitySource": ["$request.header.Authorization", "$request.header.X-Other"]},
                 id="jwt-with-two-identity-sources"),
])
def test_an_authorizer_the_http_api_cannot_use_is_refused(v2, api_id, kwargs):  # noqa: F811
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        v2.create_authorizer(ApiId=api_id, Name=unique_name("auth"), **kwargs)
    assert_aws_error(error, 400, "BadRequestException")
    assert v2.get_authorizers(ApiId=api_id)["Items"] == []


def test_an_authorizer_a_route_uses_cannot_be_deleted_until_the_route_drops_it(v2, api_id):  # noqa: F811
    authorizer_id = jwt_authorizer(v2, api_id, Name="guard")["AuthorizerId"]
    created = v2.create_route(ApiId=api_id, RouteKey="GET /pets", AuthorizationType="JWT", AuthorizerId=authorizer_id)
    route_id = created["RouteId"]
    assert (created["AuthorizationType"], created["AuthorizerId"]) == ("JWT", authorizer_id)

    with pytest.raises(v2.exceptions.ConflictException) as error:
        v2.delete_authorizer(ApiId=api_id, AuthorizerId=authorizer_id)
    assert_aws_error(error, 409, "ConflictException", "Cannot delete authorizer 'guard', is referenced in route: GET /pets")

    updated = v2.update_route(ApiId=api_id, RouteId=route_id, AuthorizationType="NONE")
    assert updated["AuthorizationType"] == "NONE"
    assert "AuthorizerId" not in updated, updated
    assert "AuthorizerId" not in v2.get_route(ApiId=api_id, RouteId=route_id)

    assert status_of(v2.delete_authorizer(ApiId=api_id, AuthorizerId=authorizer_id)) == 204


def test_a_jwt_route_needs_an_existing_authorizer(v2, api_id):  # noqa: F811
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        v2.create_route(ApiId=api_id, RouteKey="GET /pets", AuthorizationType="JWT", AuthorizerId="nope12")
    assert_aws_error(error, 400, "BadRequestException",
                     "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS "
                     "requires a valid authorizer.")
    assert v2.get_routes(ApiId=api_id)["Items"] == []


# ---------------------------------------------------------------------------------------------
# VPC links


@pytest.fixture
def vpc_links(v2):  # noqa: F811
    """`vpc_links(**create_kwargs)`; every link made is deleted after the test."""
    yield from deleted_after(v2.create_vpc_link, lambda link: link["VpcLinkId"],
                             lambda link_id: v2.delete_vpc_link(VpcLinkId=link_id), v2.exceptions.NotFoundException)


def test_a_vpc_link_is_created_read_listed_updated_and_deleted(v2, vpc_links):  # noqa: F811
    name = unique_name("link")
    created = vpc_links(Name=name, SubnetIds=["subnet-aaaa1111", "subnet-bbbb2222"])
    link_id = created["VpcLinkId"]
    assert ID6.match(link_id), link_id
    assert created["Name"] == name
    assert created["SubnetIds"] == ["subnet-aaaa1111", "subnet-bbbb2222"]
    assert created["VpcLinkStatus"] == "AVAILABLE"
    assert created["VpcLinkVersion"] == "V2"
    assert isinstance(created["CreatedDate"], datetime.datetime), created
    assert created["SecurityGroupIds"] == []
    assert created["Tags"] == {}

    fetched = v2.get_vpc_link(VpcLinkId=link_id)
    assert (fetched["VpcLinkId"], fetched["Name"], fetched["VpcLinkStatus"]) == (link_id, name, "AVAILABLE")
    assert link_id in [item["VpcLinkId"] for item in v2.get_vpc_links()["Items"]]

    updated = v2.update_vpc_link(VpcLinkId=link_id, Name="renamed")
    assert (updated["VpcLinkId"], updated["Name"], updated["SubnetIds"]) == (
        link_id, "renamed", ["subnet-aaaa1111", "subnet-bbbb2222"])
    assert v2.get_vpc_link(VpcLinkId=link_id)["Name"] == "renamed"

    assert status_of(v2.delete_vpc_link(VpcLinkId=link_id)) == 202
    assert link_id not in [item["VpcLinkId"] for item in v2.get_vpc_links()["Items"]]
    with pytest.raises(v2.exceptions.NotFoundException) as error:
        v2.get_vpc_link(VpcLinkId=link_id)
    assert_aws_error(error, 404, "NotFoundException")


# ---------------------------------------------------------------------------------------------
# Custom domain names and API mappings


@pytest.fixture
def domain(v2):  # noqa: F811
    """`api.example.com` with one regional configuration (the CreateDomainName response); deleted
    after the test, with any mappings left on it."""
    created = v2.create_domain_name(DomainName=DOMAIN, DomainNameConfigurations=[{"CertificateArn": CERTIFICATE_ARN}])
    yield created
    try:
        for mapping in v2.get_api_mappings(DomainName=DOMAIN)["Items"]:
            v2.delete_api_mapping(DomainName=DOMAIN, ApiMappingId=mapping["ApiMappingId"])
        v2.delete_domain_name(DomainName=DOMAIN)
    except v2.exceptions.NotFoundException:
        pass


def test_a_domain_name_gets_a_regional_configuration(v2, domain):  # noqa: F811
    assert domain["DomainName"] == DOMAIN
    assert domain["ApiMappingSelectionExpression"] == "$request.basepath"
    assert domain["DomainNameArn"] == f"arn:aws:apigateway:{REGION}::/domainnames/{DOMAIN}"
    [configuration] = domain["DomainNameConfigurations"]
    assert API_GATEWAY_DOMAIN.match(configuration["ApiGatewayDomainName"]), configuration
    assert configuration["CertificateArn"] == CERTIFICATE_ARN
    assert configuration["DomainNameStatus"] == "AVAILABLE"
    assert configuration["EndpointType"] == "REGIONAL"
    assert configuration["SecurityPolicy"] == "TLS_1_2"

    fetched = v2.get_domain_name(DomainName=DOMAIN)
    assert fetched["DomainNameConfigurations"] == domain["DomainNameConfigurations"]
    assert DOMAIN in [item["DomainName"] for item in v2.get_domain_names()["Items"]]

    with pytest.raises(v2.exceptions.ConflictException) as error:
        v2.create_domain_name(DomainName=DOMAIN, DomainNameConfigurations=[{"CertificateArn": CERTIFICATE_ARN}])
    assert_aws_error(error, 409, "ConflictException")


def test_a_domain_name_is_deleted(v2, domain):  # noqa: F811
    assert status_of(v2.delete_domain_name(DomainName=DOMAIN)) == 204
    assert DOMAIN not in [item["DomainName"] for item in v2.get_domain_names()["Items"]]
    with pytest.raises(v2.exceptions.NotFoundException) as error:
        v2.get_domain_name(DomainName=DOMAIN)
    assert_aws_error(error, 404, "NotFoundException")


def test_an_api_mapping_is_created_read_listed_updated_and_deleted(v2, api_id, domain):  # noqa: F811
    v2.create_stage(ApiId=api_id, StageName="dev")
    v2.create_stage(ApiId=api_id, StageName="prod")
    created = v2.create_api_mapping(DomainName=DOMAIN, ApiId=api_id, Stage="dev", ApiMappingKey="pets")
    mapping_id = created["ApiMappingId"]
    assert mapping_id, created
    assert (created["ApiId"], created["Stage"], created["ApiMappingKey"]) == (api_id, "dev", "pets")

    fetched = v2.get_api_mapping(DomainName=DOMAIN, ApiMappingId=mapping_id)
    assert (fetched["ApiMappingId"], fetched["ApiId"], fetched["Stage"], fetched["ApiMappingKey"]) == (
        mapping_id, api_id, "dev", "pets")
    assert [item["ApiMappingId"] for item in v2.get_api_mappings(DomainName=DOMAIN)["Items"]] == [mapping_id]

    updated = v2.update_api_mapping(DomainName=DOMAIN, ApiMappingId=mapping_id, ApiId=api_id, Stage="prod",
                                    ApiMappingKey="v2/pets")
    assert (updated["ApiMappingId"], updated["Stage"], updated["ApiMappingKey"]) == (mapping_id, "prod", "v2/pets")
    assert v2.get_api_mapping(DomainName=DOMAIN, ApiMappingId=mapping_id)["Stage"] == "prod"

    assert status_of(v2.delete_api_mapping(DomainName=DOMAIN, ApiMappingId=mapping_id)) == 204
    assert v2.get_api_mappings(DomainName=DOMAIN)["Items"] == []
    with pytest.raises(v2.exceptions.NotFoundException) as error:
        v2.get_api_mapping(DomainName=DOMAIN, ApiMappingId=mapping_id)
    assert_aws_error(error, 404, "NotFoundException")


def test_an_api_mapping_needs_an_existing_stage(v2, api_id, domain):  # noqa: F811
    with pytest.raises(v2.exceptions.NotFoundException) as error:
        v2.create_api_mapping(DomainName=DOMAIN, ApiId=api_id, Stage="missing", ApiMappingKey="pets")
    assert_aws_error(error, 404, "NotFoundException", f"Invalid stage identifier specified {ACCOUNT_ID}:missing")
    assert v2.get_api_mappings(DomainName=DOMAIN)["Items"] == []


def test_the_mappings_of_a_missing_domain_name_are_not_found(v2):  # noqa: F811
    with pytest.raises(v2.exceptions.NotFoundException) as error:
        v2.get_api_mappings(DomainName="missing.example.com")
    assert_aws_error(error, 404, "NotFoundException")


# ---------------------------------------------------------------------------------------------
# Stages


@pytest.fixture
def staged(v2, api_id):  # noqa: F811
    """An API with the route `GET /pets` and the stage `dev`; returns the API's id."""
    v2.create_route(ApiId=api_id, RouteKey="GET /pets", Target=f"integrations/{http_integration(v2, api_id)}")
    v2.create_stage(ApiId=api_id, StageName="dev")
    return api_id


def test_route_settings_of_an_existing_route_are_set_and_deleted(v2, staged):  # noqa: F811
    settings = {"ThrottlingBurstLimit": 10, "ThrottlingRateLimit": 5.0}
    updated = v2.update_stage(ApiId=staged, StageName="dev", RouteSettings={"GET /pets": settings})
    assert updated["RouteSettings"]["GET /pets"]["ThrottlingBurstLimit"] == 10
    assert updated["RouteSettings"]["GET /pets"]["ThrottlingRateLimit"] == 5.0
    assert v2.get_stage(ApiId=staged, StageName="dev")["RouteSettings"]["GET /pets"]["ThrottlingBurstLimit"] == 10

    deleted = v2.delete_route_settings(ApiId=staged, StageName="dev", RouteKey="GET /pets")
    assert status_of(deleted) == 204
    assert "GET /pets" not in v2.get_stage(ApiId=staged, StageName="dev").get("RouteSettings", {})

    with pytest.raises(v2.exceptions.NotFoundException) as error:
        v2.delete_route_settings(ApiId=staged, StageName="dev", RouteKey="GET /pets")
    assert_aws_error(error, 404, "NotFoundException",
                     "Unable to find Route by key GET /pets within the provided RouteSettings")


def test_access_log_settings_are_deleted(v2, staged):  # noqa: F811
    log_settings = {"DestinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{unique_name('access')}",
                    "Format": "$context.requestId $context.routeKey"}
    updated = v2.update_stage(ApiId=staged, StageName="dev", AccessLogSettings=log_settings)
    assert updated["AccessLogSettings"] == log_settings

    assert status_of(v2.delete_access_log_settings(ApiId=staged, StageName="dev")) == 204
    assert "AccessLogSettings" not in v2.get_stage(ApiId=staged, StageName="dev")


def test_a_stage_variable_value_with_a_space_is_refused(v2, staged):  # noqa: F811
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        v2.update_stage(ApiId=staged, StageName="dev", StageVariables={"color": "light blue"})
    assert_aws_error(error, 400, "BadRequestException")
    assert v2.get_stage(ApiId=staged, StageName="dev")["StageVariables"] == {}


def test_execution_logs_are_refused_on_an_http_api(v2, staged):  # noqa: F811
    with pytest.raises(v2.exceptions.BadRequestException) as error:
        v2.update_stage(ApiId=staged, StageName="dev", DefaultRouteSettings={"LoggingLevel": "INFO"})
    assert_aws_error(error, 400, "BadRequestException", "Execution logs are not supported on protocolType HTTP")


def test_the_authorizer_cache_of_a_stage_is_reset(v2, staged):  # noqa: F811
    assert status_of(v2.reset_authorizers_cache(ApiId=staged, StageName="dev")) == 204
    with pytest.raises(v2.exceptions.NotFoundException) as error:
        v2.reset_authorizers_cache(ApiId=staged, StageName="missing")
    assert_aws_error(error, 404, "NotFoundException")


# ---------------------------------------------------------------------------------------------
# Deployments


def test_a_deployment_is_read_updated_and_deleted_once_no_stage_uses_it(v2, staged):  # noqa: F811
    used = v2.create_deployment(ApiId=staged, StageName="dev", Description="first")["DeploymentId"]
    unused = v2.create_deployment(ApiId=staged, Description="loose")["DeploymentId"]
    assert v2.get_stage(ApiId=staged, StageName="dev")["DeploymentId"] == used

    fetched = v2.get_deployment(ApiId=staged, DeploymentId=used)
    assert (fetched["DeploymentId"], fetched["Description"], fetched["DeploymentStatus"]) == (used, "first", "DEPLOYED")
    updated = v2.update_deployment(ApiId=staged, DeploymentId=used, Description="renamed")
    assert (updated["DeploymentId"], updated["Description"]) == (used, "renamed")
    assert v2.get_deployment(ApiId=staged, DeploymentId=used)["Description"] == "renamed"

    with pytest.raises(v2.exceptions.BadRequestException) as error:
        v2.delete_deployment(ApiId=staged, DeploymentId=used)
    assert_aws_error(error, 400, "BadRequestException",
                     startswith="Active stages pointing to this deployment must be moved or deleted")
    assert v2.get_deployment(ApiId=staged, DeploymentId=used)["DeploymentId"] == used

    assert status_of(v2.delete_deployment(ApiId=staged, DeploymentId=unused)) == 204
    assert [item["DeploymentId"] for item in v2.get_deployments(ApiId=staged)["Items"]] == [used]
    with pytest.raises(v2.exceptions.NotFoundException) as error:
        v2.get_deployment(ApiId=staged, DeploymentId=unused)
    assert_aws_error(error, 404, "NotFoundException", f"Invalid Deployment identifier specified {ACCOUNT_ID}:{unused}")


def test_a_missing_deployment_is_not_found(v2, api_id):  # noqa: F811
    with pytest.raises(v2.exceptions.NotFoundException) as error:
        v2.get_deployment(ApiId=api_id, DeploymentId="nope12")
    assert_aws_error(error, 404, "NotFoundException", f"Invalid Deployment identifier specified {ACCOUNT_ID}:nope12")


# ---------------------------------------------------------------------------------------------
# List pages


def test_routes_are_listed_a_page_at_a_time(v2, api_id):  # noqa: F811
    keys = {v2.create_route(ApiId=api_id, RouteKey=key)["RouteKey"] for key in ("GET /a", "GET /b", "GET /c")}
    first = v2.get_routes(ApiId=api_id, MaxResults="2")
    assert len(first["Items"]) == 2, first
    assert first.get("NextToken"), first

    rest = v2.get_routes(ApiId=api_id, MaxResults="2", NextToken=first["NextToken"])
    assert len(rest["Items"]) == 1, rest
    assert "NextToken" not in rest, rest
    assert {item["RouteKey"] for item in first["Items"] + rest["Items"]} == keys

    with pytest.raises(v2.exceptions.BadRequestException) as error:
        v2.get_routes(ApiId=api_id, NextToken="not-a-token!")
    assert_aws_error(error, 400, "BadRequestException")
