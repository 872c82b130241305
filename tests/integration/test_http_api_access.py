"""HTTP APIs (apigatewayv2): access control and traffic management on the data plane — JWT
authorizers (keys found through the issuer's OpenID configuration, served here by a local
issuer with self-minted RS256 tokens), Lambda REQUEST authorizers (payload 2.0 simple and IAM
answers, payload 1.0, failures, result caching), CORS from the API's configuration, route and
stage throttling, and access logs."""
import base64
import http.server
import json
import threading
import time
import uuid

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from board import CLIENT as BOARD_CLIENT
from helpers import ACCOUNT_ID, REGION, assert_aws_error, create_python_function, function_arn, unique_name
from test_http_apis import (  # noqa: F401  (v2, echo and apis are fixtures)
    INTERNAL_ERROR, NOT_FOUND, apis, echo, event_of, invoke, lambda_integration, route, v2)

UNAUTHORIZED = {"message": "Unauthorized"}
FORBIDDEN = {"message": "Forbidden"}
TOO_MANY_REQUESTS = {"message": "Too Many Requests"}
AUDIENCE = "my-aud"
KID = "k1"


def _invoke_fn(function):
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function}/invocations"


def _deployed(v2, api_id):
    """An auto-deploying `$default` stage for the API."""
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)


# ---------------------------------------------------------------------------------------------
# JWT: a local OpenID issuer and self-minted RS256 tokens


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_bytes(number: int) -> bytes:
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


def jwk(key, kid=KID):
    numbers = key.public_key().public_numbers()
    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": _b64url(_int_bytes(numbers.n)),
            "e": _b64url(_int_bytes(numbers.e))}


def mint(claims, key, kid=KID):
    header = {"alg": "RS256", "kid": kid, "typ": "JWT"}
    signing_input = (_b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
                     + _b64url(json.dumps(claims, separators=(",", ":")).encode()))
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + _b64url(signature)


class _IssuerHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.paths.append(self.path)
        documents = {
            "/.well-known/openid-configuration": {
                "issuer": self.server.issuer, "jwks_uri": f"{self.server.issuer}/keys/jwks.json",
                "id_token_signing_alg_values_supported": ["RS256"]},
            "/keys/jwks.json": {"keys": [jwk(self.server.key)]},
        }
        document = documents.get(self.path)
        body = json.dumps(document if document is not None else {"error": "not found"}).encode()
        self.send_response(200 if document is not None else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Issuer:
    """An OpenID issuer on 127.0.0.1 publishing one RSA key (kid k1) through its discovery document."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _IssuerHandler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.server.issuer, self.server.key, self.server.paths = self.url, self.key, []
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def paths(self):
        return self.server.paths

    def claims(self, **overrides):
        now = int(time.time())
        claims = {"sub": str(uuid.uuid4()), "iss": self.url, "aud": AUDIENCE, "iat": now, "exp": now + 3600}
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, key=None, **overrides):
        return mint(self.claims(**overrides), key or self.key)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def issuer():
    server = Issuer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def jwt_api(gatehouse, v2, echo, issuer):
    """An HTTP API on `$default` (auto-deploy) whose routes call the echo function behind one JWT
    authorizer: GET /claims (no scopes) and GET /scoped (AuthorizationScopes ["read"])."""
    api_id = v2.create_api(Name=unique_name("jwt"), ProtocolType="HTTP")["ApiId"]
    authorizer = v2.create_authorizer(
        ApiId=api_id, AuthorizerType="JWT", Name="jwt", IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": issuer.url, "Audience": [AUDIENCE]})["AuthorizerId"]
    integration = lambda_integration(v2, api_id, echo)
    v2.create_route(ApiId=api_id, RouteKey="GET /claims", Target=f"integrations/{integration}",
                    AuthorizationType="JWT", AuthorizerId=authorizer)
    v2.create_route(ApiId=api_id, RouteKey="GET /scoped", Target=f"integrations/{integration}",
                    AuthorizationType="JWT", AuthorizerId=authorizer, AuthorizationScopes=["read"])
    _deployed(v2, api_id)

    def call(path, token=None, prefix=""):
        headers = {"Authorization": prefix + token} if token is not None else {}
        return invoke(gatehouse, api_id, path, headers=headers)

    yield call
    v2.delete_api(ApiId=api_id)


def invalid_token(description):
    return f'Bearer scope="" error="invalid_token" error_description="{description}"'


def assert_unauthorized(response, challenge=None, challenge_prefix=None):
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED), (response.status_code, response.text)
    got = response.headers.get("www-authenticate")
    if challenge is not None:
        assert got == challenge, got
    if challenge_prefix is not None:
        assert (got or "").startswith(challenge_prefix), got


@pytest.mark.parametrize("prefix", ["", "Bearer "], ids=["bare", "bearer"])
def test_jwt_valid_token_reaches_the_integration_with_claims_as_strings(jwt_api, issuer, prefix):
    claims = issuer.claims(level=3, email_verified=True, name="Ann")
    event = event_of(jwt_api("claims", mint(claims, issuer.key), prefix=prefix))
    jwt = event["requestContext"]["authorizer"]["jwt"]
    received = jwt["claims"]
    assert all(isinstance(value, str) for value in received.values()), received
    assert received["exp"] == str(claims["exp"])
    assert received["iat"] == str(claims["iat"])
    assert received["iss"] == issuer.url
    assert received["aud"] == AUDIENCE
    assert received["sub"] == claims["sub"]
    assert received["level"] == "3"
    assert received["email_verified"] == "true"
    assert received["name"] == "Ann"
    assert jwt["scopes"] is None
    # The keys were found through the issuer's OpenID configuration.
    assert "/.well-known/openid-configuration" in issuer.paths, issuer.paths
    assert "/keys/jwks.json" in issuer.paths, issuer.paths


def test_jwt_scope_claim_becomes_the_scopes_list(jwt_api, issuer):
    event = event_of(jwt_api("claims", issuer.token(scope="read write")))
    jwt = event["requestContext"]["authorizer"]["jwt"]
    assert jwt["scopes"] == ["read", "write"]
    assert jwt["claims"]["scope"] == "read write"


def test_jwt_missing_token_answers_401_with_a_bare_bearer_challenge(jwt_api):
    assert_unauthorized(jwt_api("claims"), challenge="Bearer")


def test_jwt_expired_token_answers_401(jwt_api, issuer):
    now = int(time.time())
    token = issuer.token(exp=now - 60, iat=now - 3660)
    assert_unauthorized(jwt_api("claims", token), challenge=invalid_token("the token has expired"))


def test_jwt_wrong_audience_answers_401(jwt_api, issuer):
    assert_unauthorized(jwt_api("claims", issuer.token(aud="other-aud")),
                        challenge=invalid_token("the token does not have a valid audience"))


def test_jwt_client_id_equal_to_an_audience_is_accepted(jwt_api, issuer):
    event = event_of(jwt_api("claims", issuer.token(aud=None, client_id=AUDIENCE)))
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["client_id"] == AUDIENCE
    assert "aud" not in claims


def test_jwt_wrong_issuer_answers_401(jwt_api, issuer):
    assert_unauthorized(jwt_api("claims", issuer.token(iss="http://127.0.0.1:1/other")),
                        challenge=invalid_token("the token does not have a valid issuer"))


def test_jwt_token_signed_by_another_key_answers_401(jwt_api, issuer):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert_unauthorized(jwt_api("claims", issuer.token(key=other)),
                        challenge_prefix='Bearer scope="" error="invalid_token"')


def test_jwt_token_not_valid_yet_answers_401(jwt_api, issuer):
    token = issuer.token(nbf=int(time.time()) + 3600)
    assert_unauthorized(jwt_api("claims", token), challenge_prefix='Bearer scope="" error="invalid_token"')


def test_jwt_route_scopes_accept_a_token_holding_one(jwt_api, issuer):
    event = event_of(jwt_api("scoped", issuer.token(scope="read write")))
    assert event["requestContext"]["authorizer"]["jwt"]["scopes"] == ["read", "write"]
    event = event_of(jwt_api("scoped", issuer.token(scp=["read"])))
    assert event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]


def test_jwt_route_scopes_refuse_a_token_without_one_with_403(jwt_api, issuer):
    response = jwt_api("scoped", issuer.token(scope="write"))
    assert (response.status_code, response.json()) == (403, FORBIDDEN), (response.status_code, response.text)
    assert 'error="insufficient_scope"' in response.headers.get("www-authenticate", ""), response.headers


# ---------------------------------------------------------------------------------------------
# Lambda REQUEST authorizers

# Leaves every event it gets on the board's CALLS channel, then decides by the token's verb (the part
# of the x-token header before ":"; the rest makes a token unique to a test).
AUTHORIZER = """
import json
import os


def policy(effect):
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": effect, "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*"}]}


def handler(event, context):
    leave(os.environ["CALLS"], event)
    token = {k.lower(): v for k, v in (event.get("headers") or {}).items()}.get("x-token") or ""
    verb = token.partition(":")[0]
    if verb == "yes":
        return {"isAuthorized": True, "context": {"user": "ann"}}
    if verb == "no":
        return {"isAuthorized": False}
    if verb == "allow":
        return {"principalId": "u", "policyDocument": policy("Allow"), "context": {"k": "v"}}
    if verb == "deny":
        return {"principalId": "u", "policyDocument": policy("Deny")}
    raise RuntimeError("boom")
"""


class Authorizer:
    def __init__(self, arn, channel):
        self.arn = arn
        self.channel = channel

    def calls(self, token=None):
        """The events the function received (those carrying `token` in x-token, when given)."""
        events = self.channel.records()
        if token is None:
            return events
        return [e for e in events if {k.lower(): v for k, v in (e.get("headers") or {}).items()}.get("x-token") == token]


@pytest.fixture(scope="module")
def authorizer_fn(lambda_client, board):
    channel = board.channel()
    name = create_python_function(lambda_client, BOARD_CLIENT + AUTHORIZER, prefix="authz", apigateway_may_invoke=True, Timeout=5,
                                  Environment={"Variables": {"CALLS": channel.url}})
    yield Authorizer(function_arn(name), channel)
    lambda_client.delete_function(FunctionName=name)


@pytest.fixture
def lambda_authorized(gatehouse, v2, apis, echo, authorizer_fn):
    """`lambda_authorized(**create_authorizer_kwargs)`: an API whose GET /path calls the echo
    function behind a REQUEST authorizer on the authorizer function (identity: x-token);
    returns `call(token=None)`, which answers the response, with `.api_id`."""

    def make(**kwargs):
        api_id = apis()["ApiId"]
        settings = {"IdentitySource": ["$request.header.x-token"], "AuthorizerResultTtlInSeconds": 0}
        settings.update(kwargs)
        authorizer = v2.create_authorizer(ApiId=api_id, AuthorizerType="REQUEST", Name="lambda",
                                          AuthorizerUri=_invoke_fn(authorizer_fn.arn), **settings)["AuthorizerId"]
        v2.create_route(ApiId=api_id, RouteKey="GET /path", Target=f"integrations/{lambda_integration(v2, api_id, echo)}",
                        AuthorizationType="CUSTOM", AuthorizerId=authorizer)
        _deployed(v2, api_id)

        def call(token=None):
            return invoke(gatehouse, api_id, "path", headers={"x-token": token} if token is not None else {})

        call.api_id = api_id
        return call

    return make


def _token(verb):
    return f"{verb}:{uuid.uuid4().hex[:8]}"


def simple_v2(lambda_authorized, **kwargs):
    return lambda_authorized(AuthorizerPayloadFormatVersion="2.0", EnableSimpleResponses=True, **kwargs)


def test_lambda_simple_allow_passes_its_context_to_the_integration(lambda_authorized):
    call = simple_v2(lambda_authorized)
    event = event_of(call(_token("yes")))
    assert event["requestContext"]["authorizer"]["lambda"] == {"user": "ann"}


def test_lambda_simple_refusal_answers_403(lambda_authorized):
    response = simple_v2(lambda_authorized)(_token("no"))
    assert (response.status_code, response.json()) == (403, FORBIDDEN), (response.status_code, response.text)


def test_lambda_2_0_authorizer_event_describes_the_route(lambda_authorized, authorizer_fn):
    call = simple_v2(lambda_authorized)
    token = _token("yes")
    assert call(token).status_code == 200
    [event] = authorizer_fn.calls(token)
    assert event["version"] == "2.0"
    assert event["type"] == "REQUEST"
    assert event["routeArn"] == f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{call.api_id}/$default/GET/path"
    assert event["identitySource"] == [token]
    assert event["routeKey"] == "GET /path"
    assert event["rawPath"] == "/path"
    assert event["headers"]["x-token"] == token


def test_lambda_missing_identity_answers_401_without_calling_the_function(lambda_authorized, authorizer_fn):
    call = simple_v2(lambda_authorized)
    before = len(authorizer_fn.calls())
    response = call()
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED), (response.status_code, response.text)
    assert len(authorizer_fn.calls()) == before


def test_lambda_2_0_iam_policy_answers_allow_and_deny(lambda_authorized):
    call = lambda_authorized(AuthorizerPayloadFormatVersion="2.0", EnableSimpleResponses=False)
    event = event_of(call(_token("allow")))
    assert event["requestContext"]["authorizer"]["lambda"]["k"] == "v"
    response = call(_token("deny"))
    assert (response.status_code, response.json()) == (403, FORBIDDEN), (response.status_code, response.text)


def test_lambda_1_0_authorizer_gets_the_rest_style_event(lambda_authorized, authorizer_fn):
    call = lambda_authorized(AuthorizerPayloadFormatVersion="1.0")
    token = _token("allow")
    response = call(token)
    assert response.status_code == 200, response.text
    [event] = authorizer_fn.calls(token)
    assert event["version"] == "1.0"
    assert event["type"] == "REQUEST"
    assert event["methodArn"] == f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{call.api_id}/$default/GET/path"
    assert event["identitySource"] == token
    response = call(_token("deny"))
    assert (response.status_code, response.json()) == (403, FORBIDDEN), (response.status_code, response.text)


def test_lambda_authorizer_that_raises_answers_500(lambda_authorized):
    response = simple_v2(lambda_authorized)(_token("raise"))
    assert (response.status_code, response.json()) == (500, INTERNAL_ERROR), (response.status_code, response.text)


def test_lambda_authorizer_results_are_cached_for_the_ttl(lambda_authorized, authorizer_fn):
    call = simple_v2(lambda_authorized, AuthorizerResultTtlInSeconds=300)
    first, second = _token("yes"), _token("yes")
    for _ in range(2):
        assert event_of(call(first))["requestContext"]["authorizer"]["lambda"] == {"user": "ann"}
    assert len(authorizer_fn.calls(first)) == 1
    assert call(second).status_code == 200
    assert len(authorizer_fn.calls(second)) == 1
    assert len(authorizer_fn.calls(first)) == 1


def test_lambda_authorizer_without_ttl_is_called_every_time(lambda_authorized, authorizer_fn):
    call = simple_v2(lambda_authorized, AuthorizerResultTtlInSeconds=0)
    token = _token("yes")
    for _ in range(3):
        assert call(token).status_code == 200
    assert len(authorizer_fn.calls(token)) == 3


# ---------------------------------------------------------------------------------------------
# CORS

# Answers with CORS headers of its own, which the gateway replaces by the configured ones.
CORS_BACKEND = """
def handler(event, context):
    return {"statusCode": 200, "body": "hello",
            "headers": {"access-control-allow-origin": "https://evil.example", "access-control-expose-headers": "x-backend",
                        "access-control-max-age": "1", "x-kept": "yes"}}
"""

CORS = {"AllowOrigins": ["https://app.example.com", "https://*.example.org"], "AllowMethods": ["GET", "POST"],
        "AllowHeaders": ["Content-Type", "X-Custom"], "ExposeHeaders": ["x-exposed", "x-other"], "MaxAge": 600,
        "AllowCredentials": True}


@pytest.fixture(scope="module")
def cors_backend(lambda_client):
    name = create_python_function(lambda_client, CORS_BACKEND, prefix="cors", apigateway_may_invoke=True, Timeout=5)
    yield function_arn(name)
    lambda_client.delete_function(FunctionName=name)


@pytest.fixture
def cors_api(gatehouse, v2, apis, cors_backend):
    """An auto-deployed API with GET /cors (the CORS backend) and no OPTIONS route, configured with CORS."""
    api_id = apis()["ApiId"]
    route(v2, api_id, "GET /cors", lambda_integration(v2, api_id, cors_backend))
    _deployed(v2, api_id)
    v2.update_api(ApiId=api_id, CorsConfiguration=CORS)
    return api_id


def preflight(server, api_id, origin, path="cors", method="GET"):
    return invoke(server, api_id, path, method="OPTIONS",
                  headers={"Origin": origin, "Access-Control-Request-Method": method,
                           "Access-Control-Request-Headers": "content-type"})


def cors_headers(response):
    return {name.lower(): value for name, value in response.headers.items() if name.lower().startswith("access-control-")}


def test_cors_preflight_is_answered_by_the_gateway(gatehouse, cors_api):
    response = preflight(gatehouse, cors_api, "https://app.example.com")
    assert response.status_code == 204, (response.status_code, response.text)
    assert cors_headers(response) == {
        "access-control-allow-origin": "https://app.example.com",
        "access-control-allow-methods": "GET,POST",
        "access-control-allow-headers": "content-type,x-custom",
        "access-control-max-age": "600",
        "access-control-allow-credentials": "true",
    }
    assert response.headers["apigw-requestid"]


def test_cors_preflight_from_an_origin_not_allowed_has_no_cors_headers(gatehouse, cors_api):
    response = preflight(gatehouse, cors_api, "https://elsewhere.example.net")
    assert response.status_code == 204, (response.status_code, response.text)
    assert cors_headers(response) == {}


def test_cors_wildcard_origin_matches_subdomains(gatehouse, cors_api):
    for origin in ("https://api.example.org", "https://a.b.example.org"):
        response = preflight(gatehouse, cors_api, origin)
        assert response.status_code == 204
        assert response.headers.get("access-control-allow-origin") == origin, (origin, cors_headers(response))
    response = preflight(gatehouse, cors_api, "https://example.org")
    assert (response.status_code, cors_headers(response)) == (204, {})


def test_cors_any_origin_answers_a_star(gatehouse, v2, apis, echo):
    api_id = apis()["ApiId"]
    route(v2, api_id, "GET /cors", lambda_integration(v2, api_id, echo))
    _deployed(v2, api_id)
    v2.update_api(ApiId=api_id, CorsConfiguration={"AllowOrigins": ["*"], "AllowMethods": ["GET"], "MaxAge": 30})
    response = preflight(gatehouse, api_id, "https://anyone.example")
    assert response.status_code == 204, (response.status_code, response.text)
    assert response.headers.get("access-control-allow-origin") == "*", cors_headers(response)
    assert response.headers.get("access-control-allow-methods") == "GET"
    assert response.headers.get("access-control-max-age") == "30"
    assert "access-control-allow-credentials" not in cors_headers(response)


def test_cors_configuration_set_at_creation_applies_after_a_deployment(gatehouse, v2, apis, echo):
    api_id = apis(CorsConfiguration={"AllowOrigins": ["https://app.example.com"], "AllowMethods": ["PUT"]})["ApiId"]
    route(v2, api_id, "GET /cors", lambda_integration(v2, api_id, echo))
    v2.create_stage(ApiId=api_id, StageName="$default")
    v2.create_deployment(ApiId=api_id, StageName="$default")
    response = preflight(gatehouse, api_id, "https://app.example.com", method="PUT")
    assert response.status_code == 204, (response.status_code, response.text)
    assert cors_headers(response) == {"access-control-allow-origin": "https://app.example.com",
                                      "access-control-allow-methods": "PUT"}


def test_cors_headers_replace_the_backends_on_a_cross_origin_request(gatehouse, cors_api):
    response = invoke(gatehouse, cors_api, "cors", headers={"Origin": "https://app.example.com"})
    assert (response.status_code, response.text) == (200, "hello")
    assert cors_headers(response) == {
        "access-control-allow-origin": "https://app.example.com",
        "access-control-expose-headers": "x-exposed,x-other",
        "access-control-allow-credentials": "true",
    }
    assert response.headers["x-kept"] == "yes"


def test_cors_preflight_to_a_route_with_a_jwt_authorizer_is_not_answered_by_the_gateway(gatehouse, v2, apis, echo,
                                                                                          issuer):
    api_id = apis(CorsConfiguration=CORS)["ApiId"]
    authorizer = v2.create_authorizer(
        ApiId=api_id, AuthorizerType="JWT", Name="jwt", IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Issuer": issuer.url, "Audience": [AUDIENCE]})["AuthorizerId"]
    v2.create_route(ApiId=api_id, RouteKey="$default", Target=f"integrations/{lambda_integration(v2, api_id, echo)}",
                    AuthorizationType="JWT", AuthorizerId=authorizer)
    _deployed(v2, api_id)
    response = preflight(gatehouse, api_id, "https://app.example.com", path="anything")
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED), (response.status_code, response.text)


# ---------------------------------------------------------------------------------------------
# Throttling


@pytest.fixture
def proxied_api(gatehouse, v2, apis, upstream):
    """An auto-deployed API whose GET /limited, GET /free and POST /teapot go to the upstream
    (/echo, /echo and /status/418); returns `(api_id, call(path, method="GET"))`."""
    api_id = apis()["ApiId"]
    for key, target in (("GET /limited", "echo"), ("GET /free", "echo"), ("POST /teapot", "status/418")):
        integration = v2.create_integration(ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
                                            IntegrationUri=f"{upstream.url}/{target}", PayloadFormatVersion="1.0")
        route(v2, api_id, key, integration["IntegrationId"])
    _deployed(v2, api_id)
    return api_id, lambda path, method="GET": invoke(gatehouse, api_id, path, method=method)


def assert_throttled(response):
    assert (response.status_code, response.json()) == (429, TOO_MANY_REQUESTS), (response.status_code, response.text)


def test_default_route_settings_throttle_every_route(v2, proxied_api):
    api_id, call = proxied_api
    v2.update_stage(ApiId=api_id, StageName="$default",
                    DefaultRouteSettings={"ThrottlingRateLimit": 1, "ThrottlingBurstLimit": 1})
    assert call("free").status_code == 200
    assert_throttled(call("free"))


def test_route_settings_throttle_only_their_route(v2, proxied_api):
    api_id, call = proxied_api
    v2.update_stage(ApiId=api_id, StageName="$default",
                    RouteSettings={"GET /limited": {"ThrottlingRateLimit": 1, "ThrottlingBurstLimit": 1}})
    assert call("limited").status_code == 200
    assert_throttled(call("limited"))
    for _ in range(3):
        assert call("free").status_code == 200


def test_route_settings_must_name_existing_routes(v2, proxied_api):
    api_id, _ = proxied_api
    with pytest.raises(v2.exceptions.NotFoundException) as error:
        v2.update_stage(ApiId=api_id, StageName="$default",
                        RouteSettings={"GET /nope": {"ThrottlingRateLimit": 1, "ThrottlingBurstLimit": 1}})
    assert_aws_error(error, 404, "NotFoundException",
                     "Unable to find Route by key GET /nope within the provided RouteSettings")


# ---------------------------------------------------------------------------------------------
# Access logs

ACCESS_LOG_GROUP = "my-http-access"


def test_access_logs_get_a_line_per_routed_request(v2, logs_client, proxied_api):
    api_id, call = proxied_api
    v2.update_stage(ApiId=api_id, StageName="$default",
                    AccessLogSettings={"DestinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{ACCESS_LOG_GROUP}",
                                       "Format": "$context.requestId $context.routeKey $context.status $context.httpMethod"},
                    RouteSettings={"GET /limited": {"ThrottlingRateLimit": 1, "ThrottlingBurstLimit": 1}})
    expected = []
    for path, method, status, key in (("free", "GET", 200, "GET /free"), ("teapot", "POST", 418, "POST /teapot"),
                                      ("limited", "GET", 200, "GET /limited"), ("limited", "GET", 429, "GET /limited")):
        response = call(path, method)
        assert response.status_code == status, (path, response.status_code, response.text)
        expected.append(f"{response.headers['apigw-requestid']} {key} {status} {method}")
    missing = call("missing")
    assert (missing.status_code, missing.json()) == (404, NOT_FOUND)

    ids = {line.split(" ")[0] for line in expected}
    lines = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            events = logs_client.filter_log_events(logGroupName=ACCESS_LOG_GROUP)["events"]
        except logs_client.exceptions.ResourceNotFoundException:
            events = []
        lines = [event["message"] for event in events if event["message"].split(" ")[0] in ids]
        if len(lines) >= len(expected):
            break
        time.sleep(0.2)
    assert sorted(lines) == sorted(expected)
