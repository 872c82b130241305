"""HTTP API routes with AWS_IAM authorization (SigV4 for execute-api), and the API-level input
AWS refuses: an unknown protocol, another route selection expression."""
import json
import time

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from helpers import ACCESS_KEY, ACCOUNT_ID, REGION, SECRET_KEY, delete_role, unique_name
from test_http_apis import apis, echo, event_of, routed_api, v2  # noqa: F401  (fixtures)


def signed_get(url, host, service="execute-api", secret=SECRET_KEY, credentials=None):
    request = AWSRequest(method="GET", url=url, headers={"Host": host})
    SigV4Auth(credentials or Credentials(ACCESS_KEY, secret), service, REGION).add_auth(request)
    return requests.get(url, headers=dict(request.headers.items()), timeout=30)


@pytest.fixture
def iam_api(gatehouse, v2, apis, echo):
    api_id = apis()["ApiId"]
    routed_api(v2, api_id, echo, "GET /private")
    route_id = v2.get_routes(ApiId=api_id)["Items"][0]["RouteId"]
    v2.update_route(ApiId=api_id, RouteId=route_id, AuthorizationType="AWS_IAM")
    v2.create_deployment(ApiId=api_id, StageName="$default")
    return api_id, f"{gatehouse.url}/private", f"{api_id}.execute-api.localhost:{gatehouse.port}"


def test_an_iam_route_answers_a_request_signed_for_execute_api(iam_api):
    _, url, host = iam_api
    response = signed_get(url, host)
    iam = event_of(response)["requestContext"]["authorizer"]["iam"]
    assert iam["accessKey"] == ACCESS_KEY
    assert iam["accountId"] == "000000000000"


def test_an_iam_route_refuses_an_unsigned_request_with_403_forbidden(iam_api):
    _, url, host = iam_api
    response = requests.get(url, headers={"Host": host}, timeout=30)
    assert (response.status_code, response.json()) == (403, {"message": "Forbidden"})


def test_an_iam_route_refuses_a_bad_signature_or_another_service(iam_api):
    _, url, host = iam_api
    assert signed_get(url, host, secret="wrong").status_code == 403
    assert signed_get(url, host, service="apigateway").status_code == 403


def test_a_role_session_calls_only_what_its_identity_policies_allow(iam_api, client_factory):
    api_id, url, host = iam_api
    iam = client_factory(service="iam")
    name = unique_name("caller")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT_ID}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]

    def allow(effect):
        iam.put_role_policy(RoleName=name, PolicyName="invoke", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": effect, "Action": "execute-api:Invoke", "Resource": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api_id}/*/GET/private"}]}))

    def status_becomes(expected, credentials):
        deadline = time.monotonic() + 5
        while (response := signed_get(url, host, credentials=credentials)).status_code != expected and time.monotonic() < deadline:
            time.sleep(0.05)
        return response

    try:
        issued = client_factory(service="sts").assume_role(RoleArn=role["Arn"], RoleSessionName="ci")["Credentials"]
        session = Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])
        # A role with no policy may call nothing (implicit deny).
        assert (status_becomes(403, session).json()) == {"message": "Forbidden"}
        allow("Allow")
        allowed = status_becomes(200, session)
        assert allowed.status_code == 200
        assert event_of(allowed)["requestContext"]["authorizer"]["iam"]["userArn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{name}/ci"
        # An explicit deny wins over AdministratorAccess's allow.
        iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
        allow("Deny")
        assert status_becomes(403, session).status_code == 403
        # The administrator's own keys are not a role session: still allowed.
        assert signed_get(url, host).status_code == 200
    finally:
        delete_role(iam, name)


def test_an_unknown_protocol_type_is_a_bad_request(v2):
    with pytest.raises(ClientError) as raised:
        v2.create_api(Name="x", ProtocolType="GRPC")
    assert raised.value.response["Error"]["Code"] == "BadRequestException"


def test_an_http_api_routes_by_method_and_path_only(v2):
    with pytest.raises(ClientError) as raised:
        v2.create_api(Name="x", ProtocolType="HTTP", RouteSelectionExpression="$request.body.action")
    assert raised.value.response["Error"]["Code"] == "BadRequestException"
