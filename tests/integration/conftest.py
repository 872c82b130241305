"""Fixtures for the Gatehouse integration suite.

Every test talks to a real `gatehouse serve` process with real AWS clients (boto3, the aws CLI,
raw SigV4-signed `requests`). The binary comes from $GATEHOUSE_BIN (default
`.build/debug/gatehouse` under the repository root).
"""
import base64
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config

from board import Board
from helpers import ACCESS_KEY, AwsCliError, REGION, REPO_ROOT, SECRET_KEY, unique_name

STARTUP_TIMEOUT = 30.0
SHUTDOWN_TIMEOUT = 15.0


def _binary() -> Path:
    path = Path(os.environ.get("GATEHOUSE_BIN", ".build/debug/gatehouse"))
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not path.exists():
        pytest.exit(f"gatehouse binary not found at {path} (set GATEHOUSE_BIN)", returncode=2)
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_environment() -> dict:
    """The caller's environment without GATEHOUSE_* settings that would override the flags or
    the default test/test credentials."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}


class GatehouseProcess:
    """One `gatehouse serve` process on a fixed port and data directory."""

    def __init__(self, binary: Path, port: int, data_dir: str, log_path: str, env: dict | None = None):
        self.binary = binary
        self.env = env or {}
        self.port = port
        self.data_dir = data_dir
        self.log_path = log_path
        self.url = f"http://127.0.0.1:{port}"
        self.process = None
        self._log = None

    def start(self):
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(self.binary), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", self.data_dir],
            stdout=self._log, stderr=self._log, env={**_server_environment(), **self.env}, cwd=str(REPO_ROOT))
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gatehouse exited with {self.process.returncode} during startup:\n{self.log()}")
            try:
                response = requests.get(f"{self.url}/_gatehouse/health", timeout=1)
                if response.status_code == 200 and response.json().get("status") == "ok":
                    return
            except (requests.ConnectionError, requests.Timeout, ValueError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gatehouse did not become healthy within {STARTUP_TIMEOUT}s:\n{self.log()}")

    def stop(self) -> int:
        """SIGTERM and wait for a graceful exit; returns the exit code."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=SHUTDOWN_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode
        self.process = None
        if self._log:
            self._log.close()
            self._log = None
        return code

    def restart(self) -> int:
        """Stop gracefully and start again on the same port and data directory; returns the exit
        code of the stopped process."""
        code = self.stop()
        self.start()
        return code

    def log(self) -> str:
        try:
            return Path(self.log_path).read_text(errors="replace")
        except OSError:
            return ""


def _launch(env=None):
    workdir = tempfile.mkdtemp(prefix="gatehouse-it-")
    server = GatehouseProcess(_binary(), _free_port(), os.path.join(workdir, "data"), os.path.join(workdir, "gatehouse.log"), env)
    server.start()
    return server, workdir


def _served(env=None):
    """A server for the length of a fixture, removed with its data afterwards."""
    server, workdir = _launch(env)
    yield server
    server.stop()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def board():
    """The notice board functions leave records on (board.py)."""
    made = Board()
    yield made
    made.close()


@pytest.fixture(scope="session")
def gatehouse():
    """The shared server for the whole session."""
    yield from _served()


@pytest.fixture
def fresh_gatehouse():
    """A private server for tests that restart it or need an untouched store."""
    yield from _served()


@pytest.fixture
def relaxed_gatehouse():
    """A private server started with GATEHOUSE_LAMBDA_PERMISSIONS=relaxed."""
    yield from _served({"GATEHOUSE_LAMBDA_PERMISSIONS": "relaxed"})


def make_client(server, service="apigateway", region=REGION, access_key=ACCESS_KEY, secret_key=SECRET_KEY):
    return boto3.session.Session().client(
        service, endpoint_url=server.url, region_name=region, aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30))


@pytest.fixture(scope="session")
def apigw(gatehouse):
    return make_client(gatehouse)


@pytest.fixture(scope="session")
def client_factory(gatehouse):
    """`client_factory(service="apigateway", region=..., access_key=..., secret_key=...)`."""
    return lambda **kwargs: make_client(gatehouse, **kwargs)


@pytest.fixture(scope="session")
def aws_cli(gatehouse, tmp_path_factory):
    """Runs `aws apigateway <args>` (the pip-installed CLI) against the server and returns the
    parsed JSON output (None when the command prints nothing); raises AwsCliError otherwise."""
    home = tmp_path_factory.mktemp("aws-cli-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(home / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_MAX_ATTEMPTS": "1", "AWS_PAGER": "",
    })

    def run(*args):
        command = [sys.executable, "-m", "awscli", "apigateway", *args, "--endpoint-url", gatehouse.url, "--output", "json"]
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
        if done.returncode != 0:
            raise AwsCliError(list(args), done.returncode, done.stdout, done.stderr)
        return json.loads(done.stdout) if done.stdout.strip() else None

    return run


@pytest.fixture
def rest_api(apigw):
    """A fresh REST API (the CreateRestApi response), deleted after the test."""
    api = apigw.create_rest_api(name=unique_name("api"))
    yield api
    try:
        apigw.delete_rest_api(restApiId=api["id"])
    except apigw.exceptions.NotFoundException:
        pass


# ---------------------------------------------------------------------------------------------
# Data plane: a local upstream and a builder for invokable APIs


BINARY_PAYLOAD = bytes([0x00, 0xFF, 0xFE, 0x80, 0x81, 0xC3, 0x28, 0x0D, 0x0A, 0x7F]) + bytes(range(256))


class _UpstreamHandler(http.server.BaseHTTPRequestHandler):
    """Echoes `{"method","path","query","headers","body","body_b64"}` for any path;
    `/status/{code}` answers that status, `/slow?ms=N` sleeps N ms first, `/binary` answers
    non-UTF-8 bytes as application/octet-stream."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep pytest output quiet
        pass

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status, body: bytes, content_type="application/json", extra=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Upstream", "yes")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self):
        body = self._read_body()
        parts = urllib.parse.urlsplit(self.path)
        record = {
            "method": self.command,
            "path": parts.path,
            "query": urllib.parse.parse_qs(parts.query, keep_blank_values=True),
            "raw_query": parts.query,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "body": body.decode("utf-8", errors="replace"),
            "body_b64": base64.b64encode(body).decode(),
        }
        self.server.requests.append(record)
        segments = parts.path.strip("/").split("/")
        if segments[0] == "status" and len(segments) == 2 and segments[1].isdigit():
            self._send(int(segments[1]), json.dumps(record).encode(), extra={"X-Status-Echo": segments[1]})
            return
        if segments[0] == "slow":
            time.sleep(int(record["query"].get("ms", ["1000"])[0]) / 1000)
        if segments[0] == "binary":
            self._send(200, BINARY_PAYLOAD, content_type="application/octet-stream")
            return
        self._send(200, json.dumps(record).encode())

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle


class _QuietThreadingHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """The gateway hangs up on slow answers (timeouts): no tracebacks for broken pipes."""
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class Upstream:
    def __init__(self):
        self.server = _QuietThreadingHTTPServer(("127.0.0.1", 0), _UpstreamHandler)
        self.server.requests = []
        self.port = self.server.server_address[1]
        self.authority = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.authority}"
        self.binary_payload = BINARY_PAYLOAD
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def requests(self):
        return self.server.requests

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def upstream():
    """A local HTTP echo server on 127.0.0.1 (see _UpstreamHandler)."""
    server = Upstream()
    yield server
    server.stop()


@pytest.fixture
def closed_port():
    """A 127.0.0.1 port nobody listens on."""
    return _free_port()


class InvokableApi:
    """Builds resources/methods/integrations on one REST API with boto3 and invokes its stages."""

    def __init__(self, apigw, server, api):
        self.apigw = apigw
        self.server = server
        self.id = api["id"]
        self.root = api["rootResourceId"]
        self._resources = {"/": self.root}

    # --- building ---------------------------------------------------------------------------

    def resource(self, path):
        """The id of the resource at `path` (e.g. "/pets/{id}"), creating missing ancestors."""
        path = "/" + path.strip("/")
        if path in self._resources:
            return self._resources[path]
        parent_path, _, part = path.rpartition("/")
        parent = self.resource(parent_path or "/")
        created = self.apigw.create_resource(restApiId=self.id, parentId=parent, pathPart=part)
        self._resources[path] = created["id"]
        return created["id"]

    def method(self, path, http_method="GET", request_parameters=None):
        resource = self.resource(path)
        kwargs = {"requestParameters": request_parameters} if request_parameters else {}
        self.apigw.put_method(restApiId=self.id, resourceId=resource, httpMethod=http_method,
                              authorizationType="NONE", **kwargs)
        return resource

    def method_response(self, path, http_method, status, headers=()):
        kwargs = {"responseParameters": {f"method.response.header.{h}": False for h in headers}} if headers else {}
        self.apigw.put_method_response(restApiId=self.id, resourceId=self.resource(path), httpMethod=http_method,
                                       statusCode=str(status), **kwargs)

    def integration_response(self, path, http_method, status, pattern=None, template=None, parameters=None):
        kwargs = {}
        if pattern is not None:
            kwargs["selectionPattern"] = pattern
        if template is not None:
            kwargs["responseTemplates"] = {"application/json": template}
        if parameters:
            kwargs["responseParameters"] = parameters
        self.apigw.put_integration_response(restApiId=self.id, resourceId=self.resource(path),
                                            httpMethod=http_method, statusCode=str(status), **kwargs)

    def mock(self, path, http_method="GET", body=None, status=200, responses=None):
        """A MOCK method answering `status`. `responses` is a list of dicts (status, pattern,
        template, headers={name: "'value'"}); by default one default response with `body`."""
        resource = self.method(path, http_method)
        self.apigw.put_integration(restApiId=self.id, resourceId=resource, httpMethod=http_method, type="MOCK",
                                   requestTemplates={"application/json": json.dumps({"statusCode": status})})
        if responses is None:
            responses = [{"status": status, "template": body if body is not None else ""}]
        for spec in responses:
            headers = spec.get("headers") or {}
            self.method_response(path, http_method, spec["status"], headers=list(headers))
            self.integration_response(
                path, http_method, spec["status"], pattern=spec.get("pattern"), template=spec.get("template"),
                parameters={f"method.response.header.{h}": v for h, v in headers.items()})
        return resource

    def http_proxy(self, path, uri, http_method="ANY", integration_method="ANY", timeout=None,
                   request_parameters=None, method_parameters=None):
        resource = self.method(path, http_method, request_parameters=method_parameters)
        kwargs = {"timeoutInMillis": timeout} if timeout is not None else {}
        if request_parameters:
            kwargs["requestParameters"] = request_parameters
        self.apigw.put_integration(restApiId=self.id, resourceId=resource, httpMethod=http_method,
                                   type="HTTP_PROXY", integrationHttpMethod=integration_method, uri=uri, **kwargs)
        return resource

    def deploy(self, stage="dev", variables=None):
        kwargs = {"variables": variables} if variables else {}
        return self.apigw.create_deployment(restApiId=self.id, stageName=stage, **kwargs)["id"]

    # --- invoking ---------------------------------------------------------------------------

    def url(self, stage, path=""):
        return f"{self.server.url}/restapis/{self.id}/{stage}/_user_request_/{path.lstrip('/')}"

    def host_header(self):
        return f"{self.id}.execute-api.localhost:{self.server.port}"

    def invoke(self, stage, path="", method="GET", form="path", headers=None, timeout=30, **kwargs):
        """One data-plane request in the path form or the host form; returns requests.Response."""
        headers = dict(headers or {})
        if form == "host":
            headers["Host"] = self.host_header()
            url = f"{self.server.url}/{stage}/{path.lstrip('/')}"
        else:
            url = self.url(stage, path)
        return requests.request(method, url, headers=headers, timeout=timeout, allow_redirects=False, **kwargs)


@pytest.fixture
def invokable(apigw, gatehouse, rest_api):
    """An InvokableApi on the test's fresh rest_api."""
    return InvokableApi(apigw, gatehouse, rest_api)


# ---------------------------------------------------------------------------------------------
# Functions: lambda / logs clients, a function factory and a CLI runner for any service


@pytest.fixture(scope="session")
def lambda_client(gatehouse):
    return make_client(gatehouse, "lambda")


@pytest.fixture(scope="session")
def logs_client(gatehouse):
    return make_client(gatehouse, "logs")


@pytest.fixture
def make_function(lambda_client):
    """`make_function(source=None, files=None, runtime="python3.12", handler="app.handler", name=None,
    wait=True, **create_kwargs)` creates a function (python `source` becomes app.py; `files` is a
    {name: text|bytes} zip layout), waits until it is Active and returns the CreateFunction
    response. Every function made is deleted after the test."""
    from helpers import LAMBDA_ROLE, make_zip

    created = []

    def make(source=None, files=None, runtime="python3.12", handler="app.handler", name=None, wait=True,
             **kwargs):
        name = name or unique_name("fn")
        if files is None:
            files = {"app.py": source or "def handler(event, context):\n    return event\n"}
        response = lambda_client.create_function(
            FunctionName=name, Runtime=runtime, Role=LAMBDA_ROLE, Handler=handler,
            Code={"ZipFile": make_zip(files)}, **kwargs)
        created.append(name)
        if wait:
            lambda_client.get_waiter("function_active_v2").wait(
                FunctionName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
        return response

    yield make
    for name in created:
        try:
            lambda_client.delete_function(FunctionName=name)
        except lambda_client.exceptions.ResourceNotFoundException:
            pass


@pytest.fixture(scope="session")
def aws_service_cli(gatehouse, tmp_path_factory):
    """`aws_service_cli(service, *args, cwd=None)` runs `aws <service> <args>` (the pip-installed
    CLI) against the server and returns the parsed JSON output (None when it prints nothing);
    raises AwsCliError otherwise."""
    home = tmp_path_factory.mktemp("aws-cli-service-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(home / "config"), "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_MAX_ATTEMPTS": "1", "AWS_PAGER": "",
    })

    def run(service, *args, cwd=None):
        command = [sys.executable, "-m", "awscli", service, *args, "--endpoint-url", gatehouse.url,
                   "--output", "json"]
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, cwd=cwd)
        if done.returncode != 0:
            raise AwsCliError([service, *args], done.returncode, done.stdout, done.stderr)
        return json.loads(done.stdout) if done.stdout.strip() else None

    return run


@pytest.fixture(scope="session")
def moto():
    """moto's server (`moto[server]`) on a free loopback port: AWS services Gatehouse does not serve."""
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(url + "/moto-api/", timeout=1)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("moto's server did not start")
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)
