"""The function sandbox, tried as a hostile function author would: a handler that goes after the
server's store, another function's code, /tmp and environment, the server's processes and
environment, and writes outside /tmp, and must fail at each; and what Gatehouse says when it
cannot sandbox."""
import base64
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from conftest import GatehouseProcess, _binary, _free_port, make_client
from helpers import SECRET_KEY, create_python_function, invoke_json, make_zip, unique_name

VICTIM = """
import os

KEEP = open("/tmp/victim-secret.txt", "w")
KEEP.write("VICTIM-TMP-MARKER")
KEEP.flush()

def handler(event, context):
    return {"pid": os.getpid(), "tmp": os.listdir("/tmp")}

# VICTIM-CODE-MARKER
"""

HOSTILE = r"""
import errno
import os

# Spelled in pieces, so this file does not hold them itself.
MARKERS = tuple("VICTIM-" + kind + "-MARKER" for kind in ("CODE", "TMP", "ENV"))


def attempt(action):
    try:
        action()
        return "succeeded"
    except OSError as error:
        return errno.errorcode.get(error.errno, str(error.errno))


def read(path):
    with open(path, "rb") as file:
        return file.read()


def write(path, size=1):
    chunk = b"x" * min(size, 1 << 20)
    with open(path, "wb") as file:
        for _ in range(0, size, len(chunk)):
            file.write(chunk)
            file.flush()


def threads_started(limit):
    # How many threads start before the process limit stops them (Lambda's is 1,024).
    import threading
    release, started = threading.Event(), []
    try:
        for _ in range(limit):
            thread = threading.Thread(target=release.wait)
            thread.start()
            started.append(thread)
    except RuntimeError:
        pass
    finally:
        release.set()
        for thread in started:
            thread.join()
    return len(started)


def reachable_files():
    # Every file the handler can reach by walking from the root (the interpreter's own tree aside).
    for top, directories, files in os.walk("/"):
        directories[:] = [d for d in directories if os.path.join(top, d) not in ("/proc", "/sys", "/usr", "/dev")]
        for name in files:
            yield os.path.join(top, name)


def handler(event, context):
    data = event["dataDir"]
    found = {"store": [], "markers": []}
    for path in reachable_files():
        if os.path.basename(path) == "gatehouse.sqlite":
            found["store"].append(path)
        if path.startswith(("/tmp", "/var", "/opt", "/etc")):
            try:
                if any(marker.encode() in read(path) for marker in MARKERS):
                    found["markers"].append(path)
            except OSError:
                pass
    walked_up, directory = [], os.getcwd()
    for _ in range(12):
        directory = os.path.dirname(directory)
        walked_up += os.listdir(directory)
    processes = {}
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            processes[pid] = read(f"/proc/{pid}/cmdline").replace(b"\0", b" ").decode()
        except OSError as error:
            processes[pid] = errno.errorcode.get(error.errno)
    environments = []
    for pid in processes:
        try:
            environments.append(read(f"/proc/{pid}/environ").decode(errors="replace"))
        except OSError:
            pass
    status = dict(line.split(":\t", 1) for line in read("/proc/self/status").decode().splitlines() if ":\t" in line)
    return {
        "uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "capabilities": status["CapEff"].strip(),
        "cwd": os.getcwd(),
        "readStore": attempt(lambda: read(os.path.join(data, "gatehouse.sqlite"))),
        "readStoreFromCwd": attempt(lambda: read(os.path.join("../" * 12 + data.lstrip("/"), "gatehouse.sqlite"))),
        "readVictimCode": attempt(lambda: read(event["victimCode"])),
        "listVictimCode": attempt(lambda: os.listdir(os.path.dirname(event["victimCode"]))),
        "found": found, "walkedUp": sorted(set(walked_up)),
        "processes": processes,
        "environments": environments,
        "writes": {path: attempt(lambda: write(path)) for path in
                   ["/planted", "/var/task/planted", "/etc/planted", "/opt/planted", os.path.join(data, "planted"), "/usr/planted"]},
        "tmpWrite": attempt(lambda: write("/tmp/mine")),
        "tmpOverflow": attempt(lambda: write("/tmp/big", event["overflowBytes"])),
        "threads": threads_started(1100),
        "environment": dict(os.environ),
    }
"""


@pytest.fixture
def sandboxed_pair(gatehouse, lambda_client):
    """A victim function (run once, so its worker holds /tmp state and an open file) and a hostile
    one with 512 MB of /tmp and the memory to fill it."""
    victim = create_python_function(lambda_client, VICTIM, prefix="victim", Timeout=30,
                                    Environment={"Variables": {"VICTIM_SECRET": "VICTIM-ENV-MARKER"}})
    _, victim_answer = invoke_json(lambda_client, victim)
    hostile = create_python_function(lambda_client, HOSTILE, prefix="hostile", Timeout=60, MemorySize=1024,
                                     EphemeralStorage={"Size": 512})
    yield gatehouse, victim, victim_answer, hostile
    for name in (victim, hostile):
        lambda_client.delete_function(FunctionName=name)


def test_a_hostile_handler_fails_at_every_attempt(sandboxed_pair, lambda_client):
    server, victim, victim_answer, hostile = sandboxed_pair
    assert "victim-secret.txt" in victim_answer["tmp"]
    sha = lambda_client.get_function(FunctionName=victim)["Configuration"]["CodeSha256"]
    unpacked = Path(server.data_dir, "functions", "unpacked", sha.replace("+", "-").replace("/", "_").rstrip("="))
    assert (unpacked / "app.py").exists(), "the victim's code is where the hostile handler will look"
    event = {"dataDir": os.path.abspath(server.data_dir), "victimCode": str(unpacked / "app.py"),
             "overflowBytes": 513 * 1024 * 1024}
    response, answer = invoke_json(lambda_client, hostile, event)
    assert "FunctionError" not in response, answer

    # Who it is: uid 993 as on AWS (and to the host, the server being root), no capabilities, in Lambda's working directory.
    assert (answer["uid"], answer["euid"]) == (993, 993)
    if os.geteuid() == 0:
        assert _outside_uids("-m", "awslambdaric", "app.handler") == {993}
    assert answer["capabilities"] == "0000000000000000"
    assert answer["cwd"] == "/var/task"
    # The store, by its path and by walking up; another function's code, /tmp and environment.
    assert answer["readStore"] == "ENOENT"
    assert answer["readStoreFromCwd"] == "ENOENT"
    assert answer["found"] == {"store": [], "markers": []}
    assert "gatehouse.sqlite" not in answer["walkedUp"] and "functions" not in answer["walkedUp"]
    assert answer["readVictimCode"] == "ENOENT"
    assert answer["listVictimCode"] == "ENOENT"
    # Processes: its own PID namespace shows the sandbox's init and itself, not the server.
    assert all("gatehouse" not in str(command) for command in answer["processes"].values()), answer["processes"]
    assert answer["processes"]["1"].startswith("/usr/bin/bwrap --args 3"), "the sandbox's init shows no host path"
    assert len(answer["processes"]) <= 3
    assert all(SECRET_KEY not in environment and "VICTIM-ENV-MARKER" not in environment for environment in answer["environments"])
    # Writes: nowhere but /tmp, and /tmp only up to EphemeralStorage.
    assert all(code in ("EROFS", "EACCES", "ENOENT") for code in answer["writes"].values()), answer["writes"]
    assert answer["tmpWrite"] == "succeeded"
    assert answer["tmpOverflow"] == "ENOSPC"
    # Processes and threads: at most 1,024, where the machine has a pids cgroup.
    if "process limits: none" not in server.log():
        assert answer["threads"] < 1024, answer["threads"]
    # Its environment holds its role's temporary credentials and nothing of the server's.
    environment = answer["environment"]
    assert environment["AWS_ACCESS_KEY_ID"].startswith("ASIA") and environment["AWS_SESSION_TOKEN"]
    assert SECRET_KEY not in environment.values()
    assert not [key for key in environment if key.startswith("GATEHOUSE_") or key == "HOME"]
    assert "VICTIM_SECRET" not in environment


def test_tmp_and_environment_stay_with_their_function(lambda_client):
    writer = create_python_function(lambda_client, """
import os
def handler(event, context):
    open("/tmp/left-behind", "w").write("mine")
    return sorted(os.listdir("/tmp"))
""", prefix="tmpwriter", Environment={"Variables": {"ONLY_MINE": "1"}})
    reader = create_python_function(lambda_client, """
import os
def handler(event, context):
    return {"tmp": sorted(os.listdir("/tmp")), "env": "ONLY_MINE" in os.environ}
""", prefix="tmpreader")
    try:
        assert invoke_json(lambda_client, writer)[1] == ["left-behind"]
        # A warm worker keeps its own /tmp, as on AWS.
        assert invoke_json(lambda_client, writer)[1] == ["left-behind"]
        assert invoke_json(lambda_client, reader)[1] == {"tmp": [], "env": False}
    finally:
        for name in (writer, reader):
            lambda_client.delete_function(FunctionName=name)


def _path_without_bwrap():
    """A PATH with every program of the server's PATH except bwrap."""
    directory = tempfile.mkdtemp(prefix="no-bwrap-")
    for entry in os.environ["PATH"].split(":"):
        if not os.path.isdir(entry):
            continue
        for name in os.listdir(entry):
            target = os.path.join(directory, name)
            if name != "bwrap" and not os.path.lexists(target):
                os.symlink(os.path.join(entry, name), target)
    return directory


def _serve(env):
    workdir = tempfile.mkdtemp(prefix="gatehouse-sandbox-")
    server = GatehouseProcess(_binary(), _free_port(), os.path.join(workdir, "data"), os.path.join(workdir, "gatehouse.log"), env)
    return server, workdir


def test_without_bubblewrap_the_server_says_so_and_the_setting_decides():
    path = _path_without_bwrap()
    try:
        server, workdir = _serve({"PATH": path, "GATEHOUSE_SANDBOX": "required"})
        with pytest.raises(RuntimeError, match="bubblewrap is not installed"):
            server.start()
        shutil.rmtree(workdir, ignore_errors=True)

        server, workdir = _serve({"PATH": path})
        server.start()
        try:
            assert "function sandbox: NONE" in server.log()
            client = make_client(server, service="lambda")
            name = create_python_function(client, "def handler(event, context):\n    return 'unsandboxed'\n", prefix="bare")
            response, answer = invoke_json(client, name, LogType="Tail")
            assert answer == "unsandboxed"
            report = [line for line in base64.b64decode(response["LogResult"]).decode().splitlines() if line.startswith("REPORT")]
            assert report and "Sandbox: none" in report[0]
        finally:
            server.stop()
            shutil.rmtree(workdir, ignore_errors=True)
    finally:
        shutil.rmtree(path, ignore_errors=True)


PROBE_BOOTSTRAP = r"""#!/bin/sh
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  curl -sS -D "$HEADERS" -o /dev/null "$API/invocation/next"
  REQUEST_ID="$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)"
  PROCS="$(ls /proc | grep -c '^[0-9]')"
  curl -sS -X POST -d "{\"uid\":$(id -u),\"processes\":$PROCS,\"cwd\":\"$(pwd)\"}" \
    "$API/invocation/$REQUEST_ID/response" >/dev/null
done
"""


def _outside_uids(*command):
    """The real uids, as the host sees them, of the processes whose arguments start with `command`
    (after the program's own path)."""
    uids = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[1:1 + len(command)] == list(command):
                status = Path(f"/proc/{pid}/status").read_text()
                uids.add(int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1]))
        except (OSError, StopIteration):
            pass
    return uids


def _healthy(server):
    try:
        return requests.get(f"{server.url}/_gatehouse/health", timeout=1).status_code == 200
    except requests.RequestException:
        return False


@pytest.mark.skipif(os.geteuid() != 0, reason="starts the server as another user, which needs root")
def test_a_server_run_by_an_ordinary_user_sandboxes_in_a_user_namespace():
    workdir = tempfile.mkdtemp(prefix="gatehouse-nobody-")
    os.chmod(workdir, 0o777)
    port = _free_port()
    log = open(os.path.join(workdir, "gatehouse.log"), "wb")
    environment = {key: value for key, value in os.environ.items() if not key.startswith("GATEHOUSE_")}
    process = subprocess.Popen(
        ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "--", str(_binary()), "serve",
         "--host", "127.0.0.1", "--port", str(port), "--data-dir", os.path.join(workdir, "data")],
        stdout=log, stderr=log, env={**environment, "HOME": workdir}, cwd=workdir)
    try:
        server = GatehouseProcess(_binary(), port, os.path.join(workdir, "data"), log.name)
        deadline = time.monotonic() + 20
        while not _healthy(server) and time.monotonic() < deadline:
            assert process.poll() is None, server.log()
            time.sleep(0.1)
        assert "in a user namespace" in server.log()
        client = make_client(server, service="lambda")
        name = unique_name("nobody")
        client.create_function(FunctionName=name, Runtime="provided.al2023", Handler="probe", Role="arn:aws:iam::000000000000:role/r",
                               Code={"ZipFile": make_zip({"bootstrap": PROBE_BOOTSTRAP})})
        _, answer = invoke_json(client, name)
        assert answer["uid"] == 993
        assert _outside_uids("/var/task/bootstrap") == {65534}
        assert answer["processes"] < 10, "its own PID namespace: the host has many more"
        assert answer["cwd"] == "/var/task"
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)
