"""Data plane routing: invoke URL forms, route precedence, path parameters, missing routes."""
import pytest
import requests

MISSING_TOKEN = {"message": "Missing Authentication Token"}


@pytest.fixture
def routed(invokable):
    """An API whose routes overlap so that precedence decides; every MOCK answers its own name."""
    api = invokable
    api.mock("/pets", "GET", body="pets")
    api.mock("/pets/dog", "GET", body="literal-dog")
    api.mock("/pets/{id}", "GET", body="param-get")
    api.mock("/pets/{id}", "ANY", body="param-any")
    api.mock("/pets/{id}/toys", "GET", body="param-toys")
    api.mock("/files/{proxy+}", "GET", body="files-proxy")
    api.mock("/{proxy+}", "ANY", body="root-proxy")
    api.deploy("dev")
    return api


PRECEDENCE = [
    ("GET", "pets", "pets"),
    ("GET", "pets/dog", "literal-dog"),          # literal beats {param}
    ("GET", "pets/cat", "param-get"),            # {param} beats {proxy+}; exact method beats ANY
    ("DELETE", "pets/cat", "param-any"),         # ANY catches the other methods
    ("PATCH", "pets/cat", "param-any"),
    ("GET", "pets/a%20b", "param-get"),          # encoded characters stay one segment
    ("GET", "pets/caf%C3%A9", "param-get"),
    ("GET", "pets/cat/toys", "param-toys"),
    ("GET", "files/a", "files-proxy"),           # {proxy+} with one segment
    ("GET", "files/a/b/c.txt", "files-proxy"),   # ... and with several
    ("GET", "other", "root-proxy"),
    ("POST", "other/deep/path", "root-proxy"),
]


@pytest.mark.parametrize("form", ["path", "host"])
def test_route_precedence_table(routed, form):
    got = [(m, p, routed.invoke("dev", p, method=m, form=form)) for m, p, _ in PRECEDENCE]
    results = [(m, p, r.status_code, r.text) for m, p, r in got]
    expected = [(m, p, 200, body) for m, p, body in PRECEDENCE]
    assert results == expected


def test_root_resource_method(invokable):
    invokable.mock("/", "GET", body="root")
    invokable.deploy("dev")
    for form in ("path", "host"):
        response = invokable.invoke("dev", "", form=form)
        assert (response.status_code, response.text) == (200, "root"), form


def test_proxy_plus_needs_at_least_one_segment(invokable):
    invokable.mock("/files/{proxy+}", "GET", body="files-proxy")
    invokable.mock("/other", "GET", body="other")
    invokable.deploy("dev")
    assert invokable.invoke("dev", "files/x").text == "files-proxy"
    for path in ("files", ""):
        response = invokable.invoke("dev", path)
        assert response.status_code == 403, path
        assert response.json() == MISSING_TOKEN


@pytest.fixture
def simple(invokable):
    invokable.mock("/pets", "GET", body="pets")
    invokable.mock("/pets/{id}", "GET", body="pet")
    invokable.deploy("dev")
    return invokable


def _assert_missing(response):
    assert response.status_code == 403, (response.status_code, response.text)
    assert response.json() == MISSING_TOKEN
    assert response.headers.get("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    assert response.headers.get("Content-Type", "").startswith("application/json")
    assert response.headers.get("x-amzn-RequestId")
    assert response.headers.get("x-amz-apigw-id")


@pytest.mark.parametrize("form", ["path", "host"])
@pytest.mark.parametrize("stage,method,path", [
    ("dev", "GET", "nope"),             # missing resource
    ("dev", "GET", "pets/1/extra"),     # deeper than any resource
    ("dev", "POST", "pets"),            # missing method
    ("dev", "DELETE", "pets/1"),
    ("prod", "GET", "pets"),            # missing stage
    ("dev", "GET", ""),                 # root has no method
])
def test_missing_routes_answer_403_missing_authentication_token(simple, form, stage, method, path):
    assert simple.invoke("dev", "pets", form=form).text == "pets"
    _assert_missing(simple.invoke(stage, path, method=method, form=form))


def test_unknown_api_answers_403(gatehouse, simple):
    url = f"{gatehouse.url}/restapis/zzzzzzzzzz/dev/_user_request_/pets"
    _assert_missing(requests_get(url))
    _assert_missing(requests_get(f"{gatehouse.url}/dev/pets",
                                 headers={"Host": f"zzzzzzzzzz.execute-api.localhost:{gatehouse.port}"}))


def requests_get(url, **kwargs):
    return requests.get(url, timeout=10, **kwargs)


def test_every_response_carries_request_ids(invokable):
    invokable.mock("/ok", "GET", body="ok")
    invokable.mock("/broken", "GET", status=503, responses=[{"status": 200, "pattern": "2\\d{2}", "template": "x"}])
    invokable.deploy("dev")
    responses = {
        "200": invokable.invoke("dev", "ok"),
        "403": invokable.invoke("dev", "missing"),
        "500": invokable.invoke("dev", "broken"),
        "host-200": invokable.invoke("dev", "ok", form="host"),
    }
    assert [r.status_code for r in responses.values()] == [200, 403, 500, 200]
    request_ids = set()
    for name, response in responses.items():
        assert response.headers.get("x-amzn-RequestId"), name
        assert response.headers.get("x-amz-apigw-id"), name
        request_ids.add(response.headers["x-amzn-RequestId"])
    assert len(request_ids) == len(responses), "request ids must be unique per request"
