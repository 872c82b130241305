"""What a function's worker holds: temporary credentials of its execution role (never the
server's own keys), good for the calls its SDK makes; and code downloads that need the signed,
expiring URL GetFunction hands out."""
import json
from urllib.parse import urlsplit, urlunsplit

import requests

from helpers import ACCOUNT_ID, SECRET_KEY, create_python_function, invoke_json

WHOAMI = """
import os
import boto3

def handler(event, context):
    identity = boto3.client("sts").get_caller_identity()
    return {
        "key": os.environ["AWS_ACCESS_KEY_ID"], "token": bool(os.environ.get("AWS_SESSION_TOKEN")),
        "secretIsServers": os.environ["AWS_SECRET_ACCESS_KEY"] == SERVER_SECRET,
        "arn": identity["Arn"], "functions": len(boto3.client("lambda").list_functions()["Functions"]) >= 1,
    }
""".replace("SERVER_SECRET", repr(SECRET_KEY))


def test_a_worker_holds_its_roles_temporary_credentials(lambda_client):
    role = f"arn:aws:iam::{ACCOUNT_ID}:role/whoami-role"
    name = create_python_function(lambda_client, WHOAMI, prefix="whoami", Role=role, Timeout=30)
    _, answer = invoke_json(lambda_client, name)
    assert answer["key"].startswith("ASIA")
    assert answer["token"] is True
    assert answer["secretIsServers"] is False
    assert answer["arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/whoami-role/{name}"
    assert answer["functions"] is True


def test_code_downloads_need_the_signed_url(lambda_client, make_function):
    name = make_function()["FunctionName"]
    location = lambda_client.get_function(FunctionName=name)["Code"]["Location"]
    assert requests.get(location, timeout=10).status_code == 200
    parts = urlsplit(location)
    assert requests.get(urlunsplit(parts._replace(query="")), timeout=10).status_code == 403
    tampered = parts.query.replace("X-Gatehouse-Signature=", "X-Gatehouse-Signature=0")
    assert requests.get(urlunsplit(parts._replace(query=tampered)), timeout=10).status_code == 403
    other = urlunsplit(parts._replace(path=parts.path.replace(name, name + "x")))
    assert requests.get(other, timeout=10).status_code == 403
