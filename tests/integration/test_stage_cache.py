"""The stage cache of REST APIs: the cache cluster's stage fields, which requests are cached and
under which key, TTLs, FlushStageCache, and `Cache-Control: max-age=0` with and without the
authorization to invalidate. The backend is the session's echo upstream; every test counts
what reached it under a path of its own."""
import json
import time
import uuid

import pytest
import requests
from botocore.exceptions import ClientError

from helpers import assert_aws_error, botocore_signed_request

WARNING = "199 Cache-control headers were ignored because the caller was unauthorized."


def replace(path, value):
    return {"op": "replace", "path": path, "value": str(value)}


class CachedBackend:
    """`path` on the API proxies to a path of the upstream unique to this test."""

    def __init__(self, apigw, invokable, upstream, path="/items", http_method="ANY", key_parameters=(), method_parameters=None,
                 authorization="NONE"):
        self.apigw, self.invokable, self.upstream = apigw, invokable, upstream
        self.tag = "/cache-" + uuid.uuid4().hex[:10]
        self.path = path
        resource = invokable.resource(path)
        kwargs = {"requestParameters": method_parameters} if method_parameters else {}
        apigw.put_method(restApiId=invokable.id, resourceId=resource, httpMethod=http_method, authorizationType=authorization, **kwargs)
        apigw.put_integration(restApiId=invokable.id, resourceId=resource, httpMethod=http_method, type="HTTP_PROXY",
                              integrationHttpMethod="ANY", uri=upstream.url + self.tag, cacheKeyParameters=list(key_parameters))

    def deploy(self, *settings, size=None):
        """Deploys stage dev with the cache cluster on and `settings` patched in."""
        self.invokable.deploy("dev")
        operations = [replace("/cacheClusterEnabled", "true")]
        if size:
            operations.append(replace("/cacheClusterSize", size))
        self.apigw.update_stage(restApiId=self.invokable.id, stageName="dev", patchOperations=operations + list(settings))

    @property
    def calls(self):
        return sum(1 for r in self.upstream.requests if r["path"] == self.tag)

    def get(self, query="", method="GET", **kwargs):
        response = self.invokable.invoke("dev", self.path.lstrip("/") + query, method=method, **kwargs)
        return response


@pytest.fixture
def backend(apigw, invokable, upstream):
    return CachedBackend(apigw, invokable, upstream)


def test_the_cache_cluster_fields_of_a_stage(apigw, invokable, backend):
    invokable.deploy("dev")
    stage = apigw.get_stage(restApiId=invokable.id, stageName="dev")
    assert (stage["cacheClusterEnabled"], stage["cacheClusterStatus"], "cacheClusterSize" in stage) == (False, "NOT_AVAILABLE", False)
    enabled = apigw.update_stage(restApiId=invokable.id, stageName="dev", patchOperations=[replace("/cacheClusterEnabled", "true")])
    assert (enabled["cacheClusterEnabled"], enabled["cacheClusterStatus"], enabled["cacheClusterSize"]) == (True, "AVAILABLE", "0.5")
    resized = apigw.update_stage(restApiId=invokable.id, stageName="dev", patchOperations=[replace("/cacheClusterSize", "6.1")])
    assert resized["cacheClusterSize"] == "6.1"
    disabled = apigw.update_stage(restApiId=invokable.id, stageName="dev", patchOperations=[replace("/cacheClusterEnabled", "false")])
    # A disabled cluster keeps its size, as AWS's get-stage shows.
    assert (disabled["cacheClusterEnabled"], disabled["cacheClusterStatus"], disabled["cacheClusterSize"]) == (False, "NOT_AVAILABLE", "6.1")
    created = apigw.create_stage(restApiId=invokable.id, stageName="beta", deploymentId=stage["deploymentId"],
                                 cacheClusterEnabled=True, cacheClusterSize="1.6")
    assert (created["cacheClusterStatus"], created["cacheClusterSize"]) == ("AVAILABLE", "1.6")
    with pytest.raises(ClientError) as error:
        apigw.create_stage(restApiId=invokable.id, stageName="gamma", deploymentId=stage["deploymentId"],
                           cacheClusterEnabled=True, cacheClusterSize="3")
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "0.5" in error.value.response["Error"]["Message"]


def test_get_responses_are_cached_and_other_methods_are_not(backend):
    backend.deploy(replace("/*/*/caching/enabled", "true"))
    answers = [backend.get() for _ in range(3)]
    assert [a.status_code for a in answers] == [200] * 3
    assert backend.calls == 1
    assert len({a.text for a in answers}) == 1
    # Each answer is still its own request.
    assert len({a.headers["x-amzn-RequestId"] for a in answers}) == 3
    assert [backend.get(method="POST", data="x").status_code for _ in range(2)] == [200, 200]
    assert backend.calls == 3


def test_a_method_override_caches_another_method(apigw, invokable, upstream):
    backend = CachedBackend(apigw, invokable, upstream, path="/orders", http_method="POST")
    backend.deploy(replace("/*/*/caching/enabled", "true"))
    backend.get(method="POST", data="a")
    backend.get(method="POST", data="b")
    assert backend.calls == 2
    apigw.update_stage(restApiId=invokable.id, stageName="dev", patchOperations=[replace("/~1orders/POST/caching/enabled", "true")])
    first, second = backend.get(method="POST", data="a"), backend.get(method="POST", data="b")
    assert backend.calls == 3
    assert first.text == second.text


def test_cache_key_parameters_split_entries(apigw, invokable, upstream):
    backend = CachedBackend(apigw, invokable, upstream, key_parameters=["method.request.querystring.type"],
                            method_parameters={"method.request.querystring.type": False})
    backend.deploy(replace("/*/*/caching/enabled", "true"))
    admin = backend.get("?type=admin&department=A")
    assert backend.get("?type=admin&department=B").text == admin.text
    assert backend.calls == 1
    regular = backend.get("?type=regular")
    assert json.loads(regular.text)["query"] == {"type": ["regular"]}
    assert backend.calls == 2
    # The key's absence is a value of its own.
    backend.get()
    backend.get("?department=C")
    assert backend.calls == 3


def test_a_cache_key_parameter_must_be_a_request_parameter(apigw, invokable, upstream):
    resource = invokable.resource("/keys")
    apigw.put_method(restApiId=invokable.id, resourceId=resource, httpMethod="GET", authorizationType="NONE")
    with pytest.raises(ClientError) as error:
        apigw.put_integration(restApiId=invokable.id, resourceId=resource, httpMethod="GET", type="HTTP_PROXY",
                              integrationHttpMethod="GET", uri=upstream.url, cacheKeyParameters=["method.request.querystring.type"])
    assert_aws_error(error, 400, "BadRequestException", "Invalid cache key parameter specified")


def test_path_parameters_are_not_in_the_default_key(apigw, invokable, upstream):
    backend = CachedBackend(apigw, invokable, upstream, path="/things/{id}")
    backend.deploy(replace("/*/*/caching/enabled", "true"))
    first = invokable.invoke("dev", "things/1")
    assert invokable.invoke("dev", "things/2").text == first.text
    assert backend.calls == 1


def test_entries_live_for_their_ttl(backend):
    backend.deploy(replace("/*/*/caching/enabled", "true"), replace("/*/*/caching/ttlInSeconds", "1"))
    backend.get()
    backend.get()
    assert backend.calls == 1
    time.sleep(1.3)
    backend.get()
    assert backend.calls == 2


def test_a_ttl_of_zero_turns_caching_off(backend):
    backend.deploy(replace("/*/*/caching/enabled", "true"), replace("/*/*/caching/ttlInSeconds", "0"))
    backend.get()
    backend.get()
    assert backend.calls == 2


def test_a_ttl_over_an_hour_is_refused(apigw, invokable, backend):
    backend.deploy()
    with pytest.raises(ClientError) as error:
        apigw.update_stage(restApiId=invokable.id, stageName="dev", patchOperations=[replace("/*/*/caching/ttlInSeconds", "3601")])
    # Gatehouse's words: AWS documents the 3,600-second maximum, not its message.
    assert_aws_error(error, 400, "BadRequestException", "Invalid cache time to live specified: 3601. Must be between 0 and 3600 seconds")


def test_without_the_cluster_nothing_is_cached(apigw, invokable, backend):
    backend.deploy(replace("/*/*/caching/enabled", "true"))
    backend.get()
    backend.get()
    assert backend.calls == 1
    apigw.update_stage(restApiId=invokable.id, stageName="dev", patchOperations=[replace("/cacheClusterEnabled", "false")])
    backend.get()
    backend.get()
    assert backend.calls == 3


def test_error_responses_from_the_backend_are_cached_too(apigw, invokable, upstream):
    backend = CachedBackend(apigw, invokable, upstream)
    backend.tag = "/status/503"
    resource = invokable.resource("/items")
    apigw.update_integration(restApiId=invokable.id, resourceId=resource, httpMethod="ANY", patchOperations=[
        replace("/uri", upstream.url + "/status/503")])
    backend.deploy(replace("/*/*/caching/enabled", "true"))
    before = backend.calls
    assert [backend.get().status_code for _ in range(2)] == [503, 503]
    assert backend.calls == before + 1


def test_flush_stage_cache_empties_it(apigw, invokable, backend):
    backend.deploy(replace("/*/*/caching/enabled", "true"))
    backend.get()
    backend.get()
    answer = apigw.flush_stage_cache(restApiId=invokable.id, stageName="dev")
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 202
    backend.get()
    assert backend.calls == 2
    with pytest.raises(ClientError) as error:
        apigw.flush_stage_cache(restApiId=invokable.id, stageName="nope")
    assert_aws_error(error, 404, "NotFoundException", "Invalid stage identifier specified")


@pytest.mark.parametrize("strategy, status, warning", [
    ("SUCCEED_WITH_RESPONSE_HEADER", 200, WARNING),
    ("SUCCEED_WITHOUT_RESPONSE_HEADER", 200, None),
    ("FAIL_WITH_403", 403, None),
])
def test_an_unauthorized_invalidation_follows_the_strategy(backend, strategy, status, warning):
    backend.deploy(replace("/*/*/caching/enabled", "true"),
                   replace("/*/*/caching/unauthorizedCacheControlHeaderStrategy", strategy))
    cached = backend.get()
    answer = backend.get(headers={"Cache-Control": "max-age=0"})
    assert answer.status_code == status, answer.text
    assert answer.headers.get("Warning") == warning
    assert backend.calls == 1
    if status == 200:
        assert answer.text == cached.text
    else:
        assert answer.headers["x-amzn-ErrorType"] == "AccessDeniedException"
        assert "execute-api:InvalidateCache" in json.loads(answer.text)["Message"]


def test_invalidation_refetches_when_authorization_is_not_required(backend):
    backend.deploy(replace("/*/*/caching/enabled", "true"),
                   replace("/*/*/caching/requireAuthorizationForCacheControl", "false"))
    first = backend.get(headers={"X-Mark": "one"})
    refreshed = backend.get(headers={"Cache-Control": "max-age=0", "X-Mark": "two"})
    assert backend.calls == 2
    assert json.loads(refreshed.text)["headers"]["x-mark"] == "two"
    assert "Warning" not in refreshed.headers
    # The refreshed answer replaced the entry.
    assert backend.get(headers={"X-Mark": "three"}).text == refreshed.text != first.text
    assert backend.calls == 2


def test_an_iam_caller_may_invalidate(apigw, invokable, upstream):
    backend = CachedBackend(apigw, invokable, upstream, authorization="AWS_IAM")
    backend.deploy(replace("/*/*/caching/enabled", "true"))
    url = invokable.url("dev", "items")
    assert botocore_signed_request("GET", url, service="execute-api").status_code == 200
    assert botocore_signed_request("GET", url, service="execute-api").status_code == 200
    assert backend.calls == 1
    refreshed = botocore_signed_request("GET", url, service="execute-api", headers={"Cache-Control": "max-age=0"})
    assert refreshed.status_code == 200
    assert "Warning" not in refreshed.headers
    assert backend.calls == 2
    # Unsigned, the method refuses before the cache is consulted.
    assert requests.get(url, timeout=10).status_code == 403


@pytest.mark.parametrize("use_stage_cache, calls", [(True, 1), (False, 3)])
def test_a_canary_uses_the_stage_cache_only_when_told(apigw, invokable, backend, use_stage_cache, calls):
    backend.deploy(replace("/*/*/caching/enabled", "true"))
    backend.get()
    apigw.create_deployment(restApiId=invokable.id, stageName="dev", canarySettings={
        "percentTraffic": 100, "useStageCache": use_stage_cache})
    backend.get()
    backend.get()
    assert backend.calls == calls
