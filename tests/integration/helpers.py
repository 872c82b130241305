"""Shared helpers for the integration tests: AWS error assertions, raw SigV4 requests, functions,
logs and the README's walkthrough blocks."""
import datetime
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

import requests
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

REPO_ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
ACCOUNT_ID = "000000000000"
ACCESS_KEY = "test"
SECRET_KEY = "test"

ID10 = re.compile(r"^[a-z0-9]{10}$")
ID6 = re.compile(r"^[a-z0-9]{6}$")


class AwsCliError(Exception):
    """A failed `aws` CLI run: exit code, stdout and stderr."""

    def __init__(self, args, returncode, stdout, stderr):
        super().__init__(f"aws {' '.join(args)} exited {returncode}:\n{stderr}")
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr


def unique_name(prefix="it"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def status_of(response):
    """HTTP status of a boto3 response dict or ClientError.response."""
    return response["ResponseMetadata"]["HTTPStatusCode"]


def assert_request_id(response):
    """AWS answers every request with an `x-amzn-RequestId` header."""
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert headers.get("x-amzn-requestid"), f"no x-amzn-RequestId header in {headers}"


def body_of(response):
    """A boto3 response without its ResponseMetadata."""
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def assert_aws_error(error, status, code, message=None, startswith=None):
    """Checks a botocore ClientError (or pytest ExceptionInfo of one) against what AWS answers."""
    if not isinstance(error, ClientError):
        error = error.value
    assert isinstance(error, ClientError), error
    response = error.response
    got = (status_of(response), response["Error"]["Code"], response["Error"].get("Message"))
    assert got[0] == status and got[1] == code, f"expected {status} {code}, got {got}"
    if message is not None:
        assert got[2] == message, f"expected message {message!r}, got {got[2]!r}"
    if startswith is not None:
        assert (got[2] or "").startswith(startswith), f"expected message starting {startswith!r}, got {got[2]!r}"
    assert_request_id(response)


def assert_enum_error(error, location, value, allowed):
    """A ValidationException for a value outside an enum. AWS lists the allowed values in its
    service's internal order, which botocore's model does not preserve, so the list is compared
    as a set and the rest of the message exactly."""
    assert_aws_error(error, 400, "ValidationException")
    message = error.value.response["Error"]["Message"]
    prefix = (f"1 validation error detected: Value '{value}' at '{location}' failed to satisfy constraint: "
              "Member must satisfy enum value set: [")
    assert message.startswith(prefix) and message.endswith("]"), message
    assert set(message[len(prefix):-1].split(", ")) == set(allowed), message


# ---------------------------------------------------------------------------------------------
# Raw SigV4


def deleted_after(make, id_of, delete, already_gone):
    """The body of a factory fixture: yields `create(**kwargs)`, which calls `make(**kwargs)` and
    returns what it made; after the test each is deleted with `delete(id_of(made))`, unless the
    test deleted it first (`already_gone`, the exception that says so)."""
    created = []

    def create(**kwargs):
        made = make(**kwargs)
        created.append(id_of(made))
        return made

    yield create
    for made_id in created:
        try:
            delete(made_id)
        except already_gone:
            pass


def amz_date(moment=None):
    moment = moment or datetime.datetime.now(datetime.timezone.utc)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _hmac(key, text):
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def manual_sigv4_headers(method, url, body=b"", access_key=ACCESS_KEY, secret_key=SECRET_KEY, region=REGION,
                         service="apigateway", timestamp=None, content_type="application/json"):
    """Headers for a SigV4-signed request computed by hand, so the X-Amz-Date can be anything."""
    timestamp = timestamp or amz_date()
    parts = urlsplit(url)
    host = parts.netloc
    canonical_uri = quote(parts.path or "/", safe="/~")
    query = sorted(
        (quote(k, safe="-_.~"), quote(v, safe="-_.~"))
        for k, _, v in (item.partition("=") for item in parts.query.split("&") if item))
    canonical_query = "&".join(f"{k}={v}" for k, v in query)
    headers = {"host": host, "x-amz-date": timestamp}
    if content_type:
        headers["content-type"] = content_type
    signed = ";".join(sorted(headers))
    canonical_headers = "".join(f"{name}:{headers[name]}\n" for name in sorted(headers))
    payload_hash = hashlib.sha256(body).hexdigest()
    canonical_request = "\n".join([method, canonical_uri, canonical_query, canonical_headers, signed, payload_hash])
    date = timestamp[:8]
    scope = f"{date}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", timestamp, scope, hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = _hmac(f"AWS4{secret_key}".encode(), date)
    key = _hmac(key, region)
    key = _hmac(key, service)
    key = _hmac(key, "aws4_request")
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    result = {
        "X-Amz-Date": timestamp,
        "Authorization": f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={signed}, Signature={signature}",
        "Accept": "application/json",
    }
    if content_type:
        result["Content-Type"] = content_type
    return result


def botocore_signed_request(method, url, body=None, access_key=ACCESS_KEY, secret_key=SECRET_KEY, region=REGION,
                            service="apigateway", headers=None):
    """Sends a request (with `headers`) signed by botocore's own SigV4Auth and returns the requests.Response."""
    data = json.dumps(body).encode() if body is not None else b""
    headers = {"Accept": "application/json", **(headers or {})}
    if body is not None:
        headers["Content-Type"] = "application/json"
    aws_request = AWSRequest(method=method, url=url, data=data, headers=headers)
    SigV4Auth(Credentials(access_key, secret_key), service, region).add_auth(aws_request)
    return requests.request(method, url, data=data, headers=dict(aws_request.headers.items()), timeout=30)


def presigned_url(url, service="execute-api", expires=300, secret_key=SECRET_KEY, method="GET"):
    """`url` presigned by botocore's SigV4QueryAuth (the signature in the query string, as
    browsers send it where they cannot set headers)."""
    aws_request = AWSRequest(method=method, url=url)
    SigV4QueryAuth(Credentials(ACCESS_KEY, secret_key), service, REGION, expires=expires).add_auth(aws_request)
    return aws_request.url


# ---------------------------------------------------------------------------------------------
# Functions (lambda)

LAMBDA_ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/lambda-role"


def function_arn(name, qualifier=None):
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def make_zip(files):
    """A zip of {name: text|bytes}; every entry is executable (0755), as `zip` keeps a bootstrap's mode."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = 0o755 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


def create_python_function(lambda_client, source, prefix="fn", apigateway_may_invoke=False, **kwargs):
    """A python3.12 function running `source` as app.py (handler app.handler), waited on until
    Active; with `apigateway_may_invoke`, a policy statement (no source ARN) lets API Gateway
    invoke it. `kwargs` go to CreateFunction. Returns its name."""
    name = unique_name(prefix)
    kwargs.setdefault("Role", LAMBDA_ROLE)
    lambda_client.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler",
                                  Code={"ZipFile": make_zip({"app.py": source})}, **kwargs)
    lambda_client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    if apigateway_may_invoke:
        lambda_client.add_permission(FunctionName=name, StatementId="apigateway", Action="lambda:InvokeFunction",
                                     Principal="apigateway.amazonaws.com")
    return name


def delete_role(iam, name):
    """Deletes an IAM role with its inline and attached policies (IAM refuses it otherwise)."""
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy)
    for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=attached["PolicyArn"])
    iam.delete_role(RoleName=name)


def invoke_json(lambda_client, name, event=None, **kwargs):
    """Invoke and return (response without the stream, decoded JSON payload or raw bytes)."""
    payload = json.dumps(event if event is not None else {}).encode()
    response = lambda_client.invoke(FunctionName=name, Payload=payload, **kwargs)
    raw = response["Payload"].read()
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = raw
    return response, body


def poll_log_messages(logs_client, group, predicate, timeout=5.0):
    """The messages of `group` once `predicate(messages)` holds (or the last ones seen)."""
    deadline = time.monotonic() + timeout
    messages = []
    while True:
        try:
            events = logs_client.filter_log_events(logGroupName=group)["events"]
            messages = [event["message"] for event in events]
        except logs_client.exceptions.ResourceNotFoundException:
            messages = []
        if predicate(messages) or time.monotonic() > deadline:
            return messages
        time.sleep(0.2)


def readme_block(name):
    text = (REPO_ROOT / "README.md").read_text()
    block = re.search(rf"<!-- {name}:start -->\n```sh\n(.*?)```\n<!-- {name}:end -->", text, re.S)
    assert block, f"README has no {name} block"
    return block.group(1)


def run_readme_block(name, gatehouse, tmp_path):
    """Runs a README block with bash -euo pipefail against `gatehouse`; returns its stdout."""
    script = readme_block(name).replace("GW=http://localhost:4566", f"GW={gatehouse.url}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    # The README calls `aws`; make sure it is the awscli of this Python.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "aws").write_text(f"#!/bin/sh\nexec {sys.executable} -m awscli \"$@\"\n")
    (bin_dir / "aws").chmod(0o755)
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


# A custom runtime in bash: the Runtime API with curl (echoes the handler and the event).
BASH_BOOTSTRAP = r"""#!/bin/bash
set -euo pipefail
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  EVENT="$(curl -sS -LD "$HEADERS" "$API/invocation/next")"
  REQUEST_ID="$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)"
  echo "bash runtime handling $REQUEST_ID"
  if [[ "$EVENT" == *'"fail"'* ]]; then
    curl -sS -X POST -H "Lambda-Runtime-Function-Error-Type: Custom.Failure" \
      -d '{"errorMessage":"asked to fail","errorType":"Custom.Failure"}' "$API/invocation/$REQUEST_ID/error" >/dev/null
  else
    curl -sS -X POST -d "{\"runtime\":\"bash\",\"handler\":\"$_HANDLER\",\"event\":$EVENT}" \
      "$API/invocation/$REQUEST_ID/response" >/dev/null
  fi
  rm -f "$HEADERS"
done
"""
