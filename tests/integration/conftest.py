"""Fixtures for the Gatehouse integration suite.

Every test talks to a real `gatehouse serve` process with real AWS clients (boto3, the aws CLI,
raw SigV4-signed `requests`). The binary comes from $GATEHOUSE_BIN (default
`.build/debug/gatehouse` under the repository root).
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config

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

    def __init__(self, binary: Path, port: int, data_dir: str, log_path: str):
        self.binary = binary
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
            stdout=self._log, stderr=self._log, env=_server_environment(), cwd=str(REPO_ROOT))
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


def _launch():
    workdir = tempfile.mkdtemp(prefix="gatehouse-it-")
    server = GatehouseProcess(_binary(), _free_port(), os.path.join(workdir, "data"), os.path.join(workdir, "gatehouse.log"))
    server.start()
    return server, workdir


@pytest.fixture(scope="session")
def gatehouse():
    """The shared server for the whole session."""
    server, workdir = _launch()
    yield server
    server.stop()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def fresh_gatehouse():
    """A private server for tests that restart it or need an untouched store."""
    server, workdir = _launch()
    yield server
    server.stop()
    shutil.rmtree(workdir, ignore_errors=True)


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
