"""Access control on the data plane: Lambda TOKEN and REQUEST authorizers (outcomes, the event,
result caching, TestInvokeAuthorizer), COGNITO_USER_POOLS authorizers with self-minted RS256
JWTs, AWS_IAM methods signed with SigV4 for execute-api, resource policies (source IP,
explicit/implicit deny, deployments) and PRIVATE APIs reached through a VPC endpoint."""
import base64
import json
import re
import shutil
import time
import uuid

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from conftest import InvokableApi, _launch, make_client
from helpers import ACCOUNT_ID, REGION, botocore_signed_request, create_python_function, presigned_url, unique_name

UNAUTHORIZED = {"message": "Unauthorized"}
EXPLICIT_DENY = {"Message": "User is not authorized to access this resource with an explicit deny"}
NOT_ALLOWED = {"Message": "User is not authorized to access this resource"}
CONFIGURATION_ERROR = {"message": None}
MISSING_TOKEN = {"message": "Missing Authentication Token"}
SIGNATURE_MISMATCH = "The request signature we calculated does not match the signature you provided."
MASKED_ACCOUNT = "********" + ACCOUNT_ID[-4:]

# One function for every Lambda authorizer of the module. It reports each event it receives to
# LOG_URL (the `upstream` echo server) and decides by the token's verb (the part before `:`; a
# suffix makes a token unique so cached results of other tests cannot interfere). A REQUEST
# authorizer's token is its X-User header.
AUTHORIZER = """
import json
import os
import urllib.request


def report(event):
    request = urllib.request.Request(os.environ["LOG_URL"], data=json.dumps(event).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5).read()


def policy(effect, resource):
    return {"Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]}


def handler(event, context):
    report(event)
    if event["type"] == "TOKEN":
        token = event["authorizationToken"]
    else:
        token = {k.lower(): v for k, v in (event.get("headers") or {}).items()}.get("x-user") or ""
    verb = token.partition(":")[0]
    arn = event["methodArn"]
    if verb == "allow":
        return {"principalId": "user-" + token, "policyDocument": policy("Allow", arn),
                "context": {"str": "text", "num": 1, "flag": True}}
    if verb == "deny":
        return {"principalId": "user-deny", "policyDocument": policy("Deny", arn)}
    if verb == "anonymousdeny":
        return {"policyDocument": policy("Deny", arn)}
    if verb == "nopolicy":
        return {"principalId": "user-nopolicy"}
    if verb == "null":
        return None
    if verb == "other":
        return {"principalId": "user-other", "policyDocument": policy("Allow", arn.rsplit("/", 1)[0] + "/elsewhere")}
    if verb == "unauthorized":
        raise Exception("Unauthorized")
    if verb == "key":
        return {"principalId": "keyed", "policyDocument": policy("Allow", arn), "usageIdentifierKey": token.partition(":")[2]}
    if verb == "badcontext":
        return {"principalId": "user-bad", "policyDocument": policy("Allow", arn), "context": {"nested": {"a": 1}}}
    raise RuntimeError("boom")
"""

ECHO = """
import json


def handler(event, context):
    return {"statusCode": 200, "body": json.dumps(event)}
"""

CONTEXT_TEMPLATE = ('{"principal": "$context.authorizer.principalId", "str": "$context.authorizer.str", '
                    '"num": "$context.authorizer.num", "flag": "$context.authorizer.flag"}')

POOL_ID = "us-east-1_TestPool"
POOL_ARN = f"arn:aws:cognito-idp:{REGION}:{ACCOUNT_ID}:userpool/{POOL_ID}"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
CLIENT_ID = "testclient0123456789abcdef"
KID = "test-key-1"
JAVA_DATE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}$")


# ---------------------------------------------------------------------------------------------
# Helpers


def lambda_uri(function):
    return (f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
            f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function}/invocations")


def create_function(lambda_client, source, env=None):
    """A function API Gateway may invoke from anywhere; returns its name."""
    kwargs = {"Environment": {"Variables": env}} if env else {}
    return create_python_function(lambda_client, source, prefix="authz", apigateway_may_invoke=True, **kwargs)


def put_method(api, path, http_method="GET", authorization="NONE", authorizer=None, scopes=None):
    resource = api.resource(path)
    kwargs = {}
    if authorizer:
        kwargs["authorizerId"] = authorizer
    if scopes:
        kwargs["authorizationScopes"] = scopes
    api.apigw.put_method(restApiId=api.id, resourceId=resource, httpMethod=http_method,
                         authorizationType=authorization, **kwargs)
    return resource


def mock_method(api, path, body='{"ok": true}', http_method="GET", **auth):
    """A MOCK method answering 200 with `body` (a mapping template)."""
    resource = put_method(api, path, http_method, **auth)
    api.apigw.put_integration(restApiId=api.id, resourceId=resource, httpMethod=http_method, type="MOCK",
                              requestTemplates={"application/json": '{"statusCode": 200}'})
    api.apigw.put_method_response(restApiId=api.id, resourceId=resource, httpMethod=http_method, statusCode="200")
    api.apigw.put_integration_response(restApiId=api.id, resourceId=resource, httpMethod=http_method, statusCode="200",
                                       responseTemplates={"application/json": body})


def proxy_method(api, path, function, http_method="GET", **auth):
    """An AWS_PROXY method calling `function`."""
    resource = put_method(api, path, http_method, **auth)
    api.apigw.put_integration(restApiId=api.id, resourceId=resource, httpMethod=http_method, type="AWS_PROXY",
                              integrationHttpMethod="POST", uri=lambda_uri(function))


def token_authorizer(api, function, ttl, name="tok", validation=None):
    kwargs = {"identityValidationExpression": validation} if validation else {}
    return api.apigw.create_authorizer(
        restApiId=api.id, name=name, type="TOKEN", authorizerUri=lambda_uri(function),
        identitySource="method.request.header.Authorization", authorizerResultTtlInSeconds=ttl, **kwargs)["id"]


def method_arn(api, path, method="GET", stage="dev"):
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api.id}/{stage}/{method}/{path.lstrip('/')}"


def masked_arn(api, path, method="GET", stage="dev"):
    return method_arn(api, path, method, stage).replace(f":{ACCOUNT_ID}:", f":{MASKED_ACCOUNT}:")


def assert_gateway_error(response, status, body, error_type):
    assert response.status_code == status, (response.status_code, response.text)
    assert response.json() == body
    assert response.text == json.dumps(body, separators=(",", ":")), response.text  # compact, as AWS writes it
    assert response.headers.get("x-amzn-ErrorType", "").split(":")[0] == error_type, dict(response.headers)
    assert response.headers.get("Content-Type", "").startswith("application/json")


def ok_json(response):
    assert response.status_code == 200, (response.status_code, response.text)
    return response.json()


def proxy_event(response):
    """The event an echoing AWS_PROXY integration received."""
    return ok_json(response)


def token(verb):
    """A token with this verb that no other request has used (a fresh cache key)."""
    return f"{verb}:{uuid.uuid4().hex[:12]}"


class AuthLog:
    """The events the authorizer function reported to the upstream server."""

    def __init__(self, upstream, marker):
        self.upstream = upstream
        self.path = f"/authlog/{marker}"
        self.url = f"{upstream.url}{self.path}"

    def events(self):
        return [json.loads(r["body"]) for r in list(self.upstream.requests) if r["path"] == self.path]

    def calls(self, token=None, header=None):
        """How many times the function ran for this TOKEN token (or REQUEST X-User header)."""
        count = 0
        for event in self.events():
            if token is not None and event.get("authorizationToken") == token:
                count += 1
            elif header is not None and {k.lower(): v for k, v in (event.get("headers") or {}).items()}.get("x-user") == header:
                count += 1
        return count


# ---------------------------------------------------------------------------------------------
# Module fixtures: the functions and one API with every Lambda-authorized method


class Shared:
    pass


@pytest.fixture(scope="module")
def functions(lambda_client, upstream):
    """The authorizer and echo functions (invokable by API Gateway) and the authorizer's log."""
    log = AuthLog(upstream, uuid.uuid4().hex)
    state = Shared()
    state.log = log
    names = []
    try:
        state.authorizer = create_function(lambda_client, AUTHORIZER, env={"LOG_URL": log.url})
        names.append(state.authorizer)
        state.echo = create_function(lambda_client, ECHO)
        names.append(state.echo)
        yield state
    finally:
        for name in names:
            lambda_client.delete_function(FunctionName=name)


@pytest.fixture(scope="module")
def authz(apigw, gatehouse, functions):
    """One API deployed to `dev`:
    GET /token (TOKEN, TTL 0, AWS_PROXY echo), GET /token/template (same authorizer, MOCK with
    $context.authorizer.*), GET /validated (TOKEN, TTL 0, identityValidationExpression ^allow.*$),
    GET /cached/a and /cached/b (TOKEN, TTL 300, MOCK), GET /request (REQUEST on X-User header and
    tenant query, TTL 0, AWS_PROXY echo), GET /iam (AWS_IAM, AWS_PROXY echo)."""
    created = apigw.create_rest_api(name=unique_name("authorizers"))
    api = InvokableApi(apigw, gatehouse, created)
    try:
        state = Shared()
        state.api = api
        state.tok = token_authorizer(api, functions.authorizer, 0, name="tok")
        state.cached = token_authorizer(api, functions.authorizer, 300, name="cached")
        state.validated = token_authorizer(api, functions.authorizer, 0, name="validated", validation="^allow.*$")
        state.req = apigw.create_authorizer(
            restApiId=api.id, name="req", type="REQUEST", authorizerUri=lambda_uri(functions.authorizer),
            identitySource="method.request.header.X-User, method.request.querystring.tenant",
            authorizerResultTtlInSeconds=0)["id"]
        proxy_method(api, "/token", functions.echo, authorization="CUSTOM", authorizer=state.tok)
        mock_method(api, "/token/template", CONTEXT_TEMPLATE, authorization="CUSTOM", authorizer=state.tok)
        mock_method(api, "/validated", authorization="CUSTOM", authorizer=state.validated)
        mock_method(api, "/cached/a", '{"path": "a"}', authorization="CUSTOM", authorizer=state.cached)
        mock_method(api, "/cached/b", '{"path": "b"}', authorization="CUSTOM", authorizer=state.cached)
        proxy_method(api, "/request", functions.echo, authorization="CUSTOM", authorizer=state.req)
        proxy_method(api, "/iam", functions.echo, authorization="AWS_IAM")
        api.deploy("dev")
        yield state
    finally:
        apigw.delete_rest_api(restApiId=api.id)


@pytest.fixture
def policy_api(apigw, gatehouse):
    """`policy_api(policy, authorizer_function=None, **create_kwargs)`: a new API with that resource
    policy and MOCK methods GET /pets and GET /other (behind a TTL-0 TOKEN authorizer when a
    function is given), deployed to `dev`. Deleted after the test."""
    created_ids = []

    def make(policy, authorizer_function=None, **kwargs):
        if policy is not None:
            kwargs["policy"] = json.dumps(policy)
        created = apigw.create_rest_api(name=unique_name("policy"), **kwargs)
        created_ids.append(created["id"])
        api = InvokableApi(apigw, gatehouse, created)
        auth = {}
        if authorizer_function:
            auth = {"authorization": "CUSTOM", "authorizer": token_authorizer(api, authorizer_function, 0)}
        mock_method(api, "/pets", '{"pets": true}', **auth)
        mock_method(api, "/other", '{"other": true}', **auth)
        api.deploy("dev")
        return api

    yield make
    for api_id in created_ids:
        try:
            apigw.delete_rest_api(restApiId=api_id)
        except apigw.exceptions.NotFoundException:
            pass


def statement(effect, resource="execute-api:/*", condition=None, principal="*"):
    item = {"Effect": effect, "Principal": principal, "Action": "execute-api:Invoke", "Resource": resource}
    if condition:
        item["Condition"] = condition
    return item


def policy_of(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


# ---------------------------------------------------------------------------------------------
# 1. Lambda TOKEN authorizer outcomes


def test_token_authorizer_allow_passes_principal_and_string_context_to_the_proxy_event(authz, functions):
    value = token("allow")
    event = proxy_event(authz.api.invoke("dev", "token", headers={"Authorization": value}))
    authorizer = event["requestContext"]["authorizer"]
    assert authorizer["principalId"] == f"user-{value}"
    assert (authorizer["str"], authorizer["num"], authorizer["flag"]) == ("text", "1", "true")
    assert functions.log.calls(token=value) == 1


def test_token_authorizer_event_has_type_token_and_the_method_arn(authz, functions):
    value = token("allow")
    ok_json(authz.api.invoke("dev", "token", headers={"Authorization": value}))
    [event] = [e for e in functions.log.events() if e.get("authorizationToken") == value]
    assert event == {"type": "TOKEN", "authorizationToken": value, "methodArn": method_arn(authz.api, "/token")}


def test_token_authorizer_context_reaches_mapping_templates_as_strings(authz):
    value = token("allow")
    body = ok_json(authz.api.invoke("dev", "token/template", headers={"Authorization": value}))
    assert body == {"principal": f"user-{value}", "str": "text", "num": "1", "flag": "true"}


def test_token_authorizer_missing_header_answers_401_without_calling_the_function(authz, functions):
    before = len(functions.log.events())
    assert_gateway_error(authz.api.invoke("dev", "token"), 401, UNAUTHORIZED, "UnauthorizedException")
    assert_gateway_error(authz.api.invoke("dev", "token", headers={"Authorization": ""}), 401, UNAUTHORIZED,
                         "UnauthorizedException")
    assert len(functions.log.events()) == before


def test_token_authorizer_validation_expression_mismatch_answers_401_without_calling_the_function(authz, functions):
    value = token("deny")  # the function would answer 403; the expression rejects it first
    assert_gateway_error(authz.api.invoke("dev", "validated", headers={"Authorization": value}), 401, UNAUTHORIZED,
                         "UnauthorizedException")
    assert functions.log.calls(token=value) == 0
    allowed = token("allow")
    assert ok_json(authz.api.invoke("dev", "validated", headers={"Authorization": allowed})) == {"ok": True}
    assert functions.log.calls(token=allowed) == 1


def test_token_authorizer_deny_answers_403_explicit_deny(authz):
    response = authz.api.invoke("dev", "token", headers={"Authorization": token("deny")})
    assert_gateway_error(response, 403, EXPLICIT_DENY, "AccessDeniedException")


def test_token_authorizer_deny_without_principal_id_still_answers_403_explicit_deny(authz):
    response = authz.api.invoke("dev", "token", headers={"Authorization": token("anonymousdeny")})
    assert_gateway_error(response, 403, EXPLICIT_DENY, "AccessDeniedException")


def test_token_authorizer_allow_for_another_arn_answers_403_not_authorized(authz):
    response = authz.api.invoke("dev", "token", headers={"Authorization": token("other")})
    assert_gateway_error(response, 403, NOT_ALLOWED, "AccessDeniedException")


def test_token_authorizer_raising_unauthorized_answers_401(authz, functions):
    value = token("unauthorized")
    response = authz.api.invoke("dev", "token", headers={"Authorization": value})
    assert_gateway_error(response, 401, UNAUTHORIZED, "UnauthorizedException")
    assert functions.log.calls(token=value) == 1


def test_token_authorizer_raising_another_error_answers_500_configuration_error(authz):
    response = authz.api.invoke("dev", "token", headers={"Authorization": token("boom")})
    assert_gateway_error(response, 500, CONFIGURATION_ERROR, "AuthorizerConfigurationException")


def test_token_authorizer_null_or_policyless_output_answers_500_configuration_error(authz):
    for verb in ("null", "nopolicy"):
        response = authz.api.invoke("dev", "token", headers={"Authorization": token(verb)})
        assert_gateway_error(response, 500, CONFIGURATION_ERROR, "AuthorizerConfigurationException")


def test_token_authorizer_context_with_a_nested_object_answers_500_configuration_error(authz):
    response = authz.api.invoke("dev", "token", headers={"Authorization": token("badcontext")})
    assert_gateway_error(response, 500, CONFIGURATION_ERROR, "AuthorizerConfigurationException")


# ---------------------------------------------------------------------------------------------
# 2. Caching


def test_cached_authorizer_calls_the_function_once_for_the_same_token_within_the_ttl(authz, functions):
    value = token("allow")
    for _ in range(2):
        assert ok_json(authz.api.invoke("dev", "cached/a", headers={"Authorization": value})) == {"path": "a"}
    assert functions.log.calls(token=value) == 1


def test_cached_authorizer_calls_the_function_again_for_another_token(authz, functions):
    first, second = token("allow"), token("allow")
    ok_json(authz.api.invoke("dev", "cached/a", headers={"Authorization": first}))
    ok_json(authz.api.invoke("dev", "cached/a", headers={"Authorization": second}))
    ok_json(authz.api.invoke("dev", "cached/a", headers={"Authorization": first}))
    assert (functions.log.calls(token=first), functions.log.calls(token=second)) == (1, 1)


def test_authorizer_with_ttl_0_calls_the_function_for_every_request(authz, functions):
    value = token("allow")
    for _ in range(2):
        ok_json(authz.api.invoke("dev", "token/template", headers={"Authorization": value}))
    assert functions.log.calls(token=value) == 2


def test_flush_stage_authorizers_cache_makes_the_next_request_call_the_function(apigw, authz, functions):
    value = token("allow")
    ok_json(authz.api.invoke("dev", "cached/a", headers={"Authorization": value}))
    ok_json(authz.api.invoke("dev", "cached/a", headers={"Authorization": value}))
    assert functions.log.calls(token=value) == 1
    flushed = apigw.flush_stage_authorizers_cache(restApiId=authz.api.id, stageName="dev")
    assert flushed["ResponseMetadata"]["HTTPStatusCode"] == 202
    ok_json(authz.api.invoke("dev", "cached/a", headers={"Authorization": value}))
    assert functions.log.calls(token=value) == 2


def test_cached_policy_for_one_method_arn_denies_another_method(authz, functions):
    """The "wildcard resource" gotcha: the cached policy only allows GET /cached/a."""
    value = token("allow")
    ok_json(authz.api.invoke("dev", "cached/a", headers={"Authorization": value}))
    response = authz.api.invoke("dev", "cached/b", headers={"Authorization": value})
    assert_gateway_error(response, 403, NOT_ALLOWED, "AccessDeniedException")
    assert functions.log.calls(token=value) == 1


# ---------------------------------------------------------------------------------------------
# 3. REQUEST authorizer


def test_request_authorizer_missing_an_identity_source_answers_401_without_calling_the_function(authz, functions):
    user = token("allow")
    for kwargs in ({"headers": {"X-User": user}}, {"params": {"tenant": "acme"}}, {},
                   {"headers": {"X-User": user}, "params": {"tenant": ""}}):
        response = authz.api.invoke("dev", "request", **kwargs)
        assert_gateway_error(response, 401, UNAUTHORIZED, "UnauthorizedException")
    assert functions.log.calls(header=user) == 0


def test_request_authorizer_event_has_type_request_method_arn_headers_and_query(authz, functions):
    user = token("allow")
    event = proxy_event(authz.api.invoke("dev", "request", headers={"X-User": user}, params={"tenant": "acme"}))
    assert event["requestContext"]["authorizer"]["principalId"] == f"user-{user}"
    [received] = [e for e in functions.log.events() if (e.get("headers") or {}).get("X-User") == user]
    assert received["type"] == "REQUEST"
    assert received["methodArn"] == method_arn(authz.api, "/request")
    assert received["headers"]["X-User"] == user
    assert received["queryStringParameters"] == {"tenant": "acme"}
    assert received["multiValueQueryStringParameters"] == {"tenant": ["acme"]}
    assert received["httpMethod"] == "GET"
    assert received["resource"] == "/request"
    assert received["path"] == "/request"
    assert received["requestContext"]["apiId"] == authz.api.id
    assert received["requestContext"]["stage"] == "dev"


def test_request_authorizer_deny_answers_403_explicit_deny(authz):
    response = authz.api.invoke("dev", "request", headers={"X-User": token("deny")}, params={"tenant": "acme"})
    assert_gateway_error(response, 403, EXPLICIT_DENY, "AccessDeniedException")


# ---------------------------------------------------------------------------------------------
# 4. TestInvokeAuthorizer


def test_test_invoke_authorizer_allow_answers_client_status_0_with_principal_and_policy(apigw, authz):
    value = token("allow")
    result = apigw.test_invoke_authorizer(restApiId=authz.api.id, authorizerId=authz.tok, headers={"Authorization": value})
    assert result["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert result["clientStatus"] == 0
    assert result["principalId"] == f"user-{value}"
    policy = json.loads(result["policy"])
    assert [s["Effect"] for s in policy["Statement"]] == ["Allow"]
    assert isinstance(result["latency"], int)
    assert isinstance(result["log"], str)


def test_test_invoke_authorizer_deny_answers_client_status_403(apigw, authz):
    result = apigw.test_invoke_authorizer(restApiId=authz.api.id, authorizerId=authz.tok,
                                          headers={"Authorization": token("deny")})
    assert result["clientStatus"] == 403
    assert json.loads(result["policy"])["Statement"][0]["Effect"] == "Deny"


def test_test_invoke_authorizer_unauthorized_answers_client_status_401(apigw, authz):
    result = apigw.test_invoke_authorizer(restApiId=authz.api.id, authorizerId=authz.tok,
                                          headers={"Authorization": token("unauthorized")})
    assert result["clientStatus"] == 401
    missing = apigw.test_invoke_authorizer(restApiId=authz.api.id, authorizerId=authz.tok, headers={})
    assert missing["clientStatus"] == 401


# ---------------------------------------------------------------------------------------------
# 5. COGNITO_USER_POOLS


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwk(key, kid):
    numbers = key.public_key().public_numbers()
    to_bytes = lambda value: value.to_bytes((value.bit_length() + 7) // 8, "big")  # noqa: E731
    return {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid, "n": b64url(to_bytes(numbers.n)),
            "e": b64url(to_bytes(numbers.e))}


def mint(claims, key, kid=KID):
    header = b64url(json.dumps({"alg": "RS256", "kid": kid, "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signing_input = f"{header}.{payload}".encode()
    return f"{header}.{payload}.{b64url(key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256()))}"


def id_claims(**overrides):
    now = int(time.time())
    claims = {"sub": str(uuid.uuid4()), "aud": CLIENT_ID, "token_use": "id", "iss": ISSUER, "exp": now + 3600,
              "iat": now, "auth_time": now, "email_verified": True, "cognito:username": "alice",
              "email": "alice@example.com"}
    claims.update(overrides)
    return claims


def access_claims(scope, **overrides):
    now = int(time.time())
    claims = {"sub": str(uuid.uuid4()), "client_id": CLIENT_ID, "token_use": "access", "iss": ISSUER,
              "exp": now + 3600, "iat": now, "auth_time": now, "scope": scope, "username": "alice"}
    claims.update(overrides)
    return claims


@pytest.fixture(scope="module")
def cognito(tmp_path_factory):
    """A private server whose pool us-east-1_TestPool has the keys of a JWKS file, with an API
    deployed to `dev`: GET /claims (COGNITO_USER_POOLS, AWS_PROXY echo) and GET /scoped (the
    same authorizer with authorizationScopes ["pets/read"], MOCK)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = tmp_path_factory.mktemp("cognito") / "jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk(key, KID)]}))
    server, workdir = _launch({"GATEHOUSE_COGNITO_JWKS": f"{POOL_ID}=file://{jwks}"})
    try:
        apigw = make_client(server)
        lambda_client = make_client(server, "lambda")
        echo = create_function(lambda_client, ECHO)
        api = InvokableApi(apigw, server, apigw.create_rest_api(name=unique_name("cognito")))
        authorizer = apigw.create_authorizer(
            restApiId=api.id, name="pool", type="COGNITO_USER_POOLS", providerARNs=[POOL_ARN],
            identitySource="method.request.header.Authorization")["id"]
        proxy_method(api, "/claims", echo, authorization="COGNITO_USER_POOLS", authorizer=authorizer)
        mock_method(api, "/scoped", '{"scoped": true}', authorization="COGNITO_USER_POOLS", authorizer=authorizer,
                    scopes=["pets/read"])
        api.deploy("dev")
        state = Shared()
        state.api, state.key = api, key
        yield state
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def test_cognito_valid_id_token_answers_200_with_claims_as_strings(cognito):
    claims = id_claims()
    event = proxy_event(cognito.api.invoke("dev", "claims", headers={"Authorization": mint(claims, cognito.key)}))
    authorizer = event["requestContext"]["authorizer"]
    received = authorizer["claims"]
    assert all(isinstance(value, str) for value in received.values()), received
    assert received["sub"] == claims["sub"]
    assert received["aud"] == CLIENT_ID
    assert received["iss"] == ISSUER
    assert received["token_use"] == "id"
    assert received["cognito:username"] == "alice"
    assert received["email_verified"] == "true"
    assert received["auth_time"] == str(claims["auth_time"])
    assert JAVA_DATE.match(received["exp"]), received["exp"]
    assert JAVA_DATE.match(received["iat"]), received["iat"]
    assert "principalId" not in authorizer


def test_cognito_bearer_prefixed_id_token_is_accepted(cognito):
    claims = id_claims()
    event = proxy_event(cognito.api.invoke("dev", "claims",
                                           headers={"Authorization": f"Bearer {mint(claims, cognito.key)}"}))
    assert event["requestContext"]["authorizer"]["claims"]["sub"] == claims["sub"]


def test_cognito_missing_or_malformed_token_answers_401(cognito):
    for headers in ({}, {"Authorization": "not-a-jwt"}, {"Authorization": "a.b.c"}):
        assert_gateway_error(cognito.api.invoke("dev", "claims", headers=headers), 401, UNAUTHORIZED,
                             "UnauthorizedException")


def test_cognito_expired_token_answers_401(cognito):
    now = int(time.time())
    expired = mint(id_claims(exp=now - 60, iat=now - 3660, auth_time=now - 3660), cognito.key)
    assert_gateway_error(cognito.api.invoke("dev", "claims", headers={"Authorization": expired}), 401, UNAUTHORIZED,
                         "UnauthorizedException")


def test_cognito_token_signed_by_another_key_answers_401(cognito):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for forged in (mint(id_claims(), other), mint(id_claims(), other, kid="unknown-kid")):
        assert_gateway_error(cognito.api.invoke("dev", "claims", headers={"Authorization": forged}), 401,
                             UNAUTHORIZED, "UnauthorizedException")


def test_cognito_token_from_another_issuer_answers_401(cognito):
    foreign = mint(id_claims(iss=f"https://cognito-idp.{REGION}.amazonaws.com/us-east-1_OtherPool"), cognito.key)
    assert_gateway_error(cognito.api.invoke("dev", "claims", headers={"Authorization": foreign}), 401, UNAUTHORIZED,
                         "UnauthorizedException")


def test_cognito_access_token_on_a_method_without_scopes_answers_401(cognito):
    access = mint(access_claims("pets/read openid"), cognito.key)
    assert_gateway_error(cognito.api.invoke("dev", "claims", headers={"Authorization": access}), 401, UNAUTHORIZED,
                         "UnauthorizedException")


def test_cognito_method_with_scopes_needs_an_access_token_holding_one(cognito):
    granted = mint(access_claims("pets/read openid"), cognito.key)
    assert ok_json(cognito.api.invoke("dev", "scoped", headers={"Authorization": granted})) == {"scoped": True}
    for rejected in (mint(access_claims("pets/write openid"), cognito.key), mint(id_claims(), cognito.key)):
        assert_gateway_error(cognito.api.invoke("dev", "scoped", headers={"Authorization": rejected}), 401,
                             UNAUTHORIZED, "UnauthorizedException")


# ---------------------------------------------------------------------------------------------
# 6. AWS_IAM methods


def test_iam_method_unsigned_answers_403_missing_authentication_token(authz):
    assert_gateway_error(authz.api.invoke("dev", "iam"), 403, MISSING_TOKEN, "MissingAuthenticationTokenException")


def test_iam_method_signed_for_execute_api_answers_200_with_the_access_key(authz):
    response = botocore_signed_request("GET", authz.api.url("dev", "iam"), service="execute-api")
    identity = proxy_event(response)["requestContext"]["identity"]
    assert identity["accessKey"] == "test"
    assert identity["sourceIp"] == "127.0.0.1"


def test_iam_method_with_a_wrong_secret_answers_403_invalid_signature(authz):
    response = botocore_signed_request("GET", authz.api.url("dev", "iam"), service="execute-api",
                                       secret_key="not-the-secret")
    assert response.status_code == 403, response.text
    assert response.headers.get("x-amzn-ErrorType", "").split(":")[0] == "InvalidSignatureException"
    assert set(response.json()) == {"message"}
    assert response.json()["message"].startswith(SIGNATURE_MISMATCH), response.text


def test_iam_method_signed_for_another_service_answers_403(authz):
    response = botocore_signed_request("GET", authz.api.url("dev", "iam"), service="apigateway")
    assert response.status_code == 403, response.text
    assert response.json()["message"].startswith("Credential should be scoped to correct service"), response.text


def test_iam_method_called_through_a_presigned_url_answers_200(authz):
    response = requests.get(presigned_url(authz.api.url("dev", "iam")), timeout=30)
    assert response.status_code == 200, response.text
    assert proxy_event(response)["requestContext"]["identity"]["accessKey"] == "test"
    forged = requests.get(presigned_url(authz.api.url("dev", "iam"), secret_key="not-the-secret"), timeout=30)
    assert forged.status_code == 403, forged.text
    assert forged.headers.get("x-amzn-ErrorType", "").split(":")[0] == "InvalidSignatureException"


# ---------------------------------------------------------------------------------------------
# 7. Resource policies


def test_resource_policy_allowing_the_source_ip_answers_200(policy_api):
    api = policy_api(policy_of(statement("Allow", condition={"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}})))
    assert ok_json(api.invoke("dev", "pets")) == {"pets": True}


def test_resource_policy_allowing_another_source_ip_answers_403_implicit_deny(policy_api):
    api = policy_api(policy_of(statement("Allow", condition={"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}})))
    message = (f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
               f"{masked_arn(api, '/pets')}")
    assert_gateway_error(api.invoke("dev", "pets"), 403, {"Message": message}, "AccessDeniedException")


def test_resource_policy_deny_for_the_source_ip_answers_403_explicit_deny(policy_api):
    api = policy_api(policy_of(statement("Allow"),
                               statement("Deny", condition={"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}})))
    message = (f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
               f"{masked_arn(api, '/pets')} with an explicit deny")
    assert_gateway_error(api.invoke("dev", "pets"), 403, {"Message": message}, "AccessDeniedException")


def test_resource_policy_deny_not_ip_address_spares_the_listed_range_only(policy_api):
    sparing = policy_api(policy_of(statement("Allow"),
                                   statement("Deny", condition={"NotIpAddress": {"aws:SourceIp": ["127.0.0.1/32"]}})))
    assert ok_json(sparing.invoke("dev", "pets")) == {"pets": True}
    excluding = policy_api(policy_of(statement("Allow"),
                                     statement("Deny", condition={"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}})))
    response = excluding.invoke("dev", "pets")
    assert response.status_code == 403, response.text
    assert response.json()["Message"].endswith(f"{masked_arn(excluding, '/pets')} with an explicit deny")


def test_resource_policy_allowing_only_another_path_answers_403_implicit_deny(policy_api):
    api = policy_api(policy_of(statement("Allow", resource="execute-api:/*/GET/other")))
    assert ok_json(api.invoke("dev", "other")) == {"other": True}
    message = (f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
               f"{masked_arn(api, '/pets')}")
    assert_gateway_error(api.invoke("dev", "pets"), 403, {"Message": message}, "AccessDeniedException")


def test_resource_policy_with_full_arn_resource_matches_the_method(apigw, policy_api):
    api = policy_api(None)
    full = f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api.id}/dev/GET/pets"
    apigw.update_rest_api(restApiId=api.id, patchOperations=[
        {"op": "replace", "path": "/policy", "value": json.dumps(policy_of(statement("Allow", resource=full)))}])
    api.deploy("dev")
    assert ok_json(api.invoke("dev", "pets")) == {"pets": True}
    assert api.invoke("dev", "other").status_code == 403


def test_resource_policy_explicit_deny_wins_over_a_lambda_authorizer_allow(policy_api, functions):
    api = policy_api(policy_of(statement("Deny", resource="execute-api:/*/GET/pets")),
                     authorizer_function=functions.authorizer)
    value = token("allow")
    response = api.invoke("dev", "pets", headers={"Authorization": value})
    assert response.status_code == 403, response.text
    assert response.headers.get("x-amzn-ErrorType", "").split(":")[0] == "AccessDeniedException"
    assert response.json()["Message"].endswith(" with an explicit deny"), response.text
    # AWS's pre-authorization pass denies before the authorizer runs.
    assert functions.log.calls(token=value) == 0


def test_lambda_authorizer_allow_with_a_silent_resource_policy_answers_200(policy_api, functions):
    """Table A: authorizer Allow + resource policy Neither = Allow."""
    api = policy_api(policy_of(statement("Deny", resource="execute-api:/*/GET/pets")),
                     authorizer_function=functions.authorizer)
    value = token("allow")
    assert ok_json(api.invoke("dev", "other", headers={"Authorization": value})) == {"other": True}
    assert functions.log.calls(token=value) == 1


def test_resource_policy_change_takes_effect_only_after_a_new_deployment(apigw, policy_api):
    api = policy_api(policy_of(statement("Allow")))
    assert api.invoke("dev", "pets").status_code == 200
    apigw.update_rest_api(restApiId=api.id, patchOperations=[
        {"op": "replace", "path": "/policy", "value": json.dumps(policy_of(statement("Deny")))}])
    assert api.invoke("dev", "pets").status_code == 200
    api.deploy("dev")
    response = api.invoke("dev", "pets")
    assert response.status_code == 403, response.text
    assert response.json()["Message"].endswith(" with an explicit deny")


# ---------------------------------------------------------------------------------------------
# 8. PRIVATE APIs


def test_private_api_is_reachable_only_through_the_allowed_vpc_endpoint(policy_api):
    api = policy_api(policy_of(statement("Allow", condition={"StringEquals": {"aws:SourceVpce": "vpce-123"}})),
                     endpointConfiguration={"types": ["PRIVATE"]})
    no_endpoint = api.invoke("dev", "pets")
    assert no_endpoint.status_code == 403, no_endpoint.text
    other_endpoint = api.invoke("dev", "pets", headers={"x-apigw-vpce-id": "vpce-999"})
    message = (f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
               f"{masked_arn(api, '/pets')}")
    assert_gateway_error(other_endpoint, 403, {"Message": message}, "AccessDeniedException")
    assert ok_json(api.invoke("dev", "pets", headers={"x-apigw-vpce-id": "vpce-123"})) == {"pets": True}


def test_private_api_without_a_resource_policy_denies_every_call(policy_api):
    api = policy_api(None, endpointConfiguration={"types": ["PRIVATE"]})
    for headers in ({}, {"x-apigw-vpce-id": "vpce-123"}):
        response = api.invoke("dev", "pets", headers=headers)
        assert response.status_code == 403, (headers, response.text)


def test_api_key_source_authorizer_takes_the_key_from_the_authorizer(apigw, gatehouse, functions):
    created = apigw.create_rest_api(name=unique_name("keysource"), apiKeySource="AUTHORIZER")
    api = InvokableApi(apigw, gatehouse, created)
    try:
        authorizer = token_authorizer(api, functions.authorizer, 0)
        mock_method(api, "/keyed", authorization="CUSTOM", authorizer=authorizer)
        apigw.update_method(restApiId=api.id, resourceId=api.resource("/keyed"), httpMethod="GET",
                            patchOperations=[{"op": "replace", "path": "/apiKeyRequired", "value": "true"}])
        api.deploy("dev")
        plan = apigw.create_usage_plan(name=unique_name("plan"), apiStages=[{"apiId": api.id, "stage": "dev"}])
        key = apigw.create_api_key(name=unique_name("key"), enabled=True)
        apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")

        assert api.invoke("dev", "keyed", headers={"Authorization": f"key:{key['value']}"}).json() == {"ok": True}
        # The x-api-key header does not count when the key comes from the authorizer.
        unknown = api.invoke("dev", "keyed", headers={"Authorization": "key:" + "x" * 30, "x-api-key": key["value"]})
        assert_gateway_error(unknown, 403, {"message": "Forbidden"}, "ForbiddenException")
        assert api.invoke("dev", "keyed", headers={"Authorization": token("allow")}).status_code == 403
        apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=[
            {"op": "remove", "path": "/apiStages", "value": f"{api.id}:dev"}])
        apigw.delete_usage_plan(usagePlanId=plan["id"])
        apigw.delete_api_key(apiKey=key["id"])
    finally:
        apigw.delete_rest_api(restApiId=api.id)
