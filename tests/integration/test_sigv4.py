"""The SigV4 front door: what AWS answers to unsigned, mis-signed and stale requests, and that a
rejected request changes nothing."""
import datetime
import json
import re
import time

import pytest
import requests
from botocore.exceptions import ClientError

from helpers import (amz_date, assert_aws_error, botocore_signed_request, manual_sigv4_headers, presigned_url,
                     unique_name)

SIGNATURE_MISMATCH = "The request signature we calculated does not match the signature you provided."


def api_names(apigw):
    return {api["name"] for api in apigw.get_rest_apis(limit=500).get("items", [])}


def assert_rejected(response, error_type, message=None, startswith=None):
    assert response.status_code == 403, (response.status_code, response.text)
    assert response.headers.get("x-amzn-ErrorType", "").split(":")[0] == error_type, dict(response.headers)
    assert response.headers.get("x-amzn-RequestId")
    body = response.json()
    if message is not None:
        assert body == {"message": message}
    if startswith is not None:
        assert body["message"].startswith(startswith), body


def test_missing_authorization_answers_403_missing_authentication_token(gatehouse, apigw):
    name = unique_name("unsigned")
    response = requests.post(f"{gatehouse.url}/restapis", data=json.dumps({"name": name}),
                             headers={"Content-Type": "application/json", "Accept": "application/json"}, timeout=30)
    assert_rejected(response, "MissingAuthenticationTokenException", "Missing Authentication Token")
    assert name not in api_names(apigw)


def test_missing_authorization_on_get_answers_403_missing_authentication_token(gatehouse):
    response = requests.get(f"{gatehouse.url}/restapis", timeout=30)
    assert_rejected(response, "MissingAuthenticationTokenException", "Missing Authentication Token")


def test_unknown_access_key_answers_403_unrecognized_client(gatehouse, apigw):
    name = unique_name("unknownkey")
    response = botocore_signed_request("POST", f"{gatehouse.url}/restapis", {"name": name},
                                       access_key="AKIAIOSFODNN7EXAMPLE", secret_key="test")
    assert_rejected(response, "UnrecognizedClientException", "The security token included in the request is invalid.")
    assert name not in api_names(apigw)


def test_wrong_secret_answers_403_invalid_signature(gatehouse, apigw):
    name = unique_name("wrongsecret")
    response = botocore_signed_request("POST", f"{gatehouse.url}/restapis", {"name": name}, secret_key="not-the-secret")
    assert_rejected(response, "InvalidSignatureException", startswith=SIGNATURE_MISMATCH)
    assert name not in api_names(apigw)


def test_tampered_body_answers_403_invalid_signature(gatehouse, apigw):
    name = unique_name("tampered")
    url = f"{gatehouse.url}/restapis"
    headers = manual_sigv4_headers("POST", url, json.dumps({"name": "original"}).encode())
    response = requests.post(url, data=json.dumps({"name": name}).encode(), headers=headers, timeout=30)
    assert_rejected(response, "InvalidSignatureException", startswith=SIGNATURE_MISMATCH)
    assert name not in api_names(apigw)


def test_stale_x_amz_date_answers_403_signature_expired(gatehouse, apigw):
    name = unique_name("stale")
    url = f"{gatehouse.url}/restapis"
    body = json.dumps({"name": name}).encode()
    stale = amz_date(datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20))
    response = requests.post(url, data=body, headers=manual_sigv4_headers("POST", url, body, timestamp=stale), timeout=30)
    assert_rejected(response, "InvalidSignatureException")
    message = response.json()["message"]
    assert re.fullmatch(
        rf"Signature expired: {stale} is now earlier than \d{{8}}T\d{{6}}Z \(\d{{8}}T\d{{6}}Z - \d+ min\.\)", message), message
    assert name not in api_names(apigw)


def test_manually_signed_fresh_request_answers_201(gatehouse, apigw):
    """The same hand-made signature with a current date is accepted, so the stale-date rejection
    above is about the date alone."""
    name = unique_name("manual")
    url = f"{gatehouse.url}/restapis"
    body = json.dumps({"name": name}).encode()
    response = requests.post(url, data=body, headers=manual_sigv4_headers("POST", url, body), timeout=30)
    assert response.status_code == 201, response.text
    assert response.headers.get("x-amzn-RequestId")
    created = response.json()
    try:
        assert created["name"] == name
        assert name in api_names(apigw)
    finally:
        apigw.delete_rest_api(restApiId=created["id"])


def test_correctly_signed_raw_request_answers_201(gatehouse, apigw):
    name = unique_name("signed")
    response = botocore_signed_request("POST", f"{gatehouse.url}/restapis", {"name": name})
    assert response.status_code == 201, response.text
    assert response.headers.get("x-amzn-RequestId")
    assert response.headers["Content-Type"].startswith("application/json")
    created = response.json()
    try:
        assert created["name"] == name
        assert apigw.get_rest_api(restApiId=created["id"])["name"] == name
    finally:
        apigw.delete_rest_api(restApiId=created["id"])


def test_signed_get_with_query_string_answers_200(gatehouse):
    response = botocore_signed_request("GET", f"{gatehouse.url}/restapis?limit=1")
    assert response.status_code == 200, response.text
    assert len(response.json().get("item", [])) <= 1


def test_boto3_client_with_wrong_secret_gets_invalid_signature(client_factory, apigw):
    bad = client_factory(secret_key="definitely-wrong")
    name = unique_name("botowrong")
    with pytest.raises(ClientError) as error:
        bad.create_rest_api(name=name)
    assert_aws_error(error, 403, "InvalidSignatureException", startswith=SIGNATURE_MISMATCH)
    with pytest.raises(ClientError) as error:
        bad.get_rest_apis()
    assert_aws_error(error, 403, "InvalidSignatureException", startswith=SIGNATURE_MISMATCH)
    assert name not in api_names(apigw)


def test_boto3_client_with_unknown_access_key_gets_unrecognized_client(client_factory):
    bad = client_factory(access_key="AKIDUNKNOWNEXAMPLE", secret_key="test")
    with pytest.raises(ClientError) as error:
        bad.get_rest_apis()
    assert_aws_error(error, 403, "UnrecognizedClientException", "The security token included in the request is invalid.")


def test_a_presigned_get_answers_200(gatehouse, apigw):
    api = apigw.create_rest_api(name=unique_name("presigned"))
    response = requests.get(presigned_url(f"{gatehouse.url}/restapis/{api['id']}", service="apigateway"), timeout=30)
    assert response.status_code == 200, response.text
    assert (response.json()["id"], response.json()["name"]) == (api["id"], api["name"])
    apigw.delete_rest_api(restApiId=api["id"])


def test_a_presigned_url_with_a_wrong_secret_answers_403_invalid_signature(gatehouse):
    url = presigned_url(f"{gatehouse.url}/restapis", service="apigateway", secret_key="not-the-secret")
    assert_rejected(requests.get(url, timeout=30), "InvalidSignatureException", startswith=SIGNATURE_MISMATCH)


def test_a_presigned_url_with_a_changed_query_answers_403_invalid_signature(gatehouse):
    url = presigned_url(f"{gatehouse.url}/restapis?limit=5", service="apigateway").replace("limit=5", "limit=6")
    assert_rejected(requests.get(url, timeout=30), "InvalidSignatureException", startswith=SIGNATURE_MISMATCH)


def test_an_expired_presigned_url_answers_403_signature_expired(gatehouse):
    url = presigned_url(f"{gatehouse.url}/restapis", service="apigateway", expires=1)
    time.sleep(2.1)
    assert_rejected(requests.get(url, timeout=30), "InvalidSignatureException", startswith="Signature expired: ")


def test_a_presigned_url_missing_its_date_answers_400_incomplete_signature(gatehouse):
    url = re.sub(r"X-Amz-Date=[^&]*&?", "", presigned_url(f"{gatehouse.url}/restapis", service="apigateway"))
    response = requests.get(url, timeout=30)
    assert response.status_code == 400, response.text
    assert response.headers["x-amzn-ErrorType"].split(":")[0] == "IncompleteSignatureException"
    assert response.json() == {"message": "AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."}
