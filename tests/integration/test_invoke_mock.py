"""MOCK integrations on the data plane, and the request size limit."""
import json

import pytest


@pytest.fixture
def selecting(invokable):
    """GET /s/{code} for a few codes, each a MOCK answering that status, all sharing the same
    integration responses: default 200, "40" (never matches a whole status), 4\\d{2} -> 404
    with headers, 5\\d{2} -> 503."""
    responses = [
        {"status": 200, "template": '{"ok": true}', "headers": {"X-Foo": "'bar'"}},
        {"status": 401, "pattern": "40", "template": "partial match must not win"},
        {"status": 404, "pattern": "4\\d{2}", "template": "not found",
         "headers": {"X-Foo": "'four-oh-x'", "X-Other": "'two words'"}},
        {"status": 503, "pattern": "5\\d{2}", "template": "server side"},
    ]
    for code in (200, 201, 404, 409, 500):
        invokable.mock(f"/s/{code}", "GET", status=code, responses=responses)
    invokable.deploy("dev")
    return invokable


@pytest.mark.parametrize("code,status,body,foo", [
    ("200", 200, '{"ok": true}', "bar"),      # default response
    ("201", 200, '{"ok": true}', "bar"),      # no pattern matches -> default
    ("404", 404, "not found", "four-oh-x"),   # "40" must match the whole string, so 4\d{2} wins
    ("409", 404, "not found", "four-oh-x"),
    ("500", 503, "server side", None),
])
def test_mock_integration_response_selection(selecting, code, status, body, foo):
    response = selecting.invoke("dev", f"s/{code}")
    assert (response.status_code, response.text) == (status, body)
    assert response.headers.get("X-Foo") == foo
    if status == 404:
        assert response.headers.get("X-Other") == "two words"


def test_mock_default_content_type_is_json(invokable):
    invokable.mock("/pets", "GET", body='{"pets": []}')
    invokable.deploy("dev")
    response = invokable.invoke("dev", "pets")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"pets": []}


def test_mock_response_template_is_literal_text(invokable):
    text = 'line one\nline "two" {not json'
    invokable.mock("/text", "GET", body=text)
    invokable.deploy("dev")
    assert invokable.invoke("dev", "text").text == text


def test_mock_with_no_matching_integration_response_answers_500(invokable):
    invokable.mock("/broken", "GET", status=500, responses=[{"status": 200, "pattern": "2\\d{2}", "template": "ok"}])
    invokable.deploy("dev")
    response = invokable.invoke("dev", "broken")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal server error"}
    assert response.headers.get("x-amzn-RequestId")


def test_mock_serves_every_method_of_an_any_route(invokable):
    invokable.mock("/any", "ANY", body="any")
    invokable.deploy("dev")
    for method in ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        response = invokable.invoke("dev", "any", method=method)
        assert (response.status_code, response.text) == (200, "any"), method
    head = invokable.invoke("dev", "any", method="HEAD")
    assert head.status_code == 200


LIMIT = 10 * 1024 * 1024


def test_request_body_over_10_mb_answers_413(invokable):
    invokable.mock("/upload", "POST", body="stored")
    invokable.deploy("dev")
    small = invokable.invoke("dev", "upload", method="POST", data=b"x" * 1024,
                             headers={"Content-Type": "application/json"})
    assert (small.status_code, small.text) == (200, "stored")
    response = invokable.invoke("dev", "upload", method="POST", data=b"x" * (LIMIT + 1),
                                headers={"Content-Type": "application/json"})
    # AWS's front door answers in plain text, before any stage sees the request (docs/aws/limits.md).
    assert response.status_code == 413
    assert response.text == "HTTP content length exceeded 10485760 bytes."


def test_request_body_of_exactly_10_mb_is_accepted(invokable):
    invokable.mock("/upload", "POST", body="stored")
    invokable.deploy("dev")
    response = invokable.invoke("dev", "upload", method="POST", data=b"x" * LIMIT,
                                headers={"Content-Type": "application/json"})
    assert (response.status_code, response.text) == (200, "stored")


def test_chunked_request_body_over_10_mb_answers_413(invokable):
    invokable.mock("/upload", "POST", body="stored")
    invokable.deploy("dev")

    def chunks():
        piece = b"y" * (1024 * 1024)
        for _ in range(10):
            yield piece
        yield b"z"

    response = invokable.invoke("dev", "upload", method="POST", data=chunks(),
                                headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.text == "HTTP content length exceeded 10485760 bytes."
