#!/usr/bin/env python3
"""Deploy → live: how long a control-plane change takes to reach the data plane, with 1 API in the
store and with many.

    deploy_latency.py [--apis N] [--samples K] [--quick] [--no-results-md]

Starts its own `gatehouse serve` (binary from $GATEHOUSE_BIN, else .build/release/gatehouse, else
.build/debug/gatehouse) on a free 127.0.0.1 port with a temporary data directory, and stops it at
the end. With boto3 (keys test/test, us-east-1) it builds a bench API deployed to stage "bench"
(GET / and GET /echo, a MOCK whose response template is `$stageVariables.x`), then at each size:

  create_deployment        K times: a new resource with GET → MOCK (method response, integration
                           response answering "r<i>") is put, then CreateDeployment to "bench";
                           the CreateDeployment call's own latency
  deploy → first 200       from the start of that CreateDeployment until the new route first
                           answers 200 with its body (polled back to back)
  first GET answered?      how many of those K had the route live on the very first GET after
                           CreateDeployment returned
  update_stage             K times: UpdateStage replacing /variables/x; the call's latency
  update_stage → visible   from the start of UpdateStage until GET /echo answers the new value
  update_rest_api          5K plain control-plane writes (the description of the bench API)
  GET deployed route       5K data-plane GETs of a deployed route (the polling floor)

Sizes: first with only the bench API in the store, then after creating N APIs (default 1,000) of
10 resources each, every resource with GET → MOCK, each API deployed to a stage (so the data plane
holds N more stages); 8 threads with a boto3 client each create them. The sample resources are
deleted (and the API redeployed) after each size, so the bench API has the same shape at both.

Then (unless --no-restart) gatehouse is restarted on the same data and the N-API size measured
again: the first N-API measurement runs in a process that has served every write that built the
store, the restarted one in a fresh process over the same store, which tells the cost of the
store's size apart from the cost of the process's history.

Prints p50/p90/max per size and a side-by-side "1 API vs N APIs" table with the ratios, and
appends that table with the date to bench/RESULTS.md under "Deploy → live" (unless
--no-results-md). This measures; it asserts nothing about time.

--quick is --apis 100 --samples 5.
"""
import argparse
import concurrent.futures
import datetime
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import boto3
import requests
from botocore.config import Config

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
REGION = "us-east-1"
STAGE = "bench"
RESOURCES_PER_API = 10
POPULATE_THREADS = 8
POLL_TIMEOUT_S = 30.0

# Loopback only, never through a proxy.
for _var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
    os.environ.pop(_var, None)
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


def log(message):
    print(f"[deploy-latency] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the server


def gatehouse_binary() -> Path:
    if os.environ.get("GATEHOUSE_BIN"):
        path = Path(os.environ["GATEHOUSE_BIN"])
        return path if path.is_absolute() else ROOT / path
    release = ROOT / ".build/release/gatehouse"
    return release if release.exists() else ROOT / ".build/debug/gatehouse"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, binary: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = tempfile.mkdtemp(prefix="gatehouse-deploy-bench-")
        # A copy, so that a build finishing during the run cannot swap the binary between starts.
        self.binary = Path(self.workdir) / "gatehouse"
        shutil.copy2(binary, self.binary)
        self.log_path = os.path.join(self.workdir, "gatehouse.log")
        self.process = None

    def start(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(self.binary), "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--data-dir", os.path.join(self.workdir, "data")],
            stdout=self._log, stderr=self._log, env=env, cwd=str(ROOT))
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gatehouse exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/_gatehouse/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gatehouse did not become healthy in 300 s:\n{self.log_tail()}")

    def rss_mb(self):
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return None

    def log_tail(self, lines=40):
        try:
            return "\n".join(Path(self.log_path).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def terminate(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self):
        """Stops gracefully and starts again on the same data; returns seconds until healthy."""
        self.terminate()
        started = time.perf_counter()
        self.start()
        return time.perf_counter() - started

    def stop(self):
        self.terminate()
        shutil.rmtree(self.workdir, ignore_errors=True)


class CallCounter:
    """Control-plane calls made since the server (re)started, by every client."""

    def __init__(self):
        self.lock = threading.Lock()
        self.count = 0

    def __call__(self, **_):
        with self.lock:
            self.count += 1


CALLS = CallCounter()


def client(server):
    gw = boto3.session.Session().client(
        "apigateway", endpoint_url=server.url, region_name=REGION, aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=60))
    gw.meta.events.register("after-call", CALLS)
    return gw


# ---------------------------------------------------------------- building blocks


def mock_get(gw, api, resource, body):
    """GET on `resource`: MOCK answering 200 with `body` (a response template)."""
    method = dict(restApiId=api, resourceId=resource, httpMethod="GET")
    gw.put_method(**method, authorizationType="NONE")
    gw.put_integration(**method, type="MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    gw.put_method_response(**method, statusCode="200")
    gw.put_integration_response(**method, statusCode="200", responseTemplates={"application/json": body})


def invoke_url(server, api, stage, path):
    return f"{server.url}/restapis/{api}/{stage}/_user_request_/{path.lstrip('/')}"


def poll_until(session, url, expected_body, started):
    """GETs `url` back to back until it answers 200 with `expected_body`; returns (seconds since
    `started` at that answer, number of GETs)."""
    gets = 0
    while True:
        response = session.get(url, timeout=10)
        gets += 1
        if response.status_code == 200 and response.text == expected_body:
            return time.perf_counter() - started, gets
        if time.perf_counter() - started > POLL_TIMEOUT_S:
            raise RuntimeError(f"{url} did not answer {expected_body!r} within {POLL_TIMEOUT_S} s "
                               f"(last: {response.status_code} {response.text[:200]!r})")
        if gets > 50:
            time.sleep(0.001)


# ---------------------------------------------------------------- population


def populate(server, count, label):
    """Creates `count` APIs of RESOURCES_PER_API GET → MOCK resources, each deployed to stage "s",
    with POPULATE_THREADS threads of their own boto3 client; returns (seconds, calls)."""
    local = threading.local()
    done = [0]
    lock = threading.Lock()
    step = max(1, count // 10)
    calls_per_api = 2 + RESOURCES_PER_API * 5

    def one(i):
        if not hasattr(local, "gw"):
            local.gw = client(server)
        gw = local.gw
        api = gw.create_rest_api(name=f"{label}-{i}")
        for r in range(RESOURCES_PER_API):
            resource = gw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart=f"r{r}")["id"]
            mock_get(gw, api["id"], resource, f"{i}/{r}")
        gw.create_deployment(restApiId=api["id"], stageName="s")
        with lock:
            done[0] += 1
            if done[0] % step == 0 or done[0] == count:
                elapsed = time.perf_counter() - started
                log(f"  populated {done[0]}/{count} APIs in {elapsed:.1f} s "
                    f"({done[0] * calls_per_api / elapsed:.0f} control-plane calls/s)")
        return api["id"]

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(POPULATE_THREADS) as pool:
        ids = list(pool.map(one, range(count)))
    seconds = time.perf_counter() - started
    # Spot check: the last API's stage answers on the data plane.
    body = requests.get(invoke_url(server, ids[-1], "s", f"r{RESOURCES_PER_API - 1}"), timeout=10)
    if (body.status_code, body.text) != (200, f"{count - 1}/{RESOURCES_PER_API - 1}"):
        raise RuntimeError(f"populated API {ids[-1]} does not answer: {body.status_code} {body.text[:200]!r}")
    return seconds, count * calls_per_api


# ---------------------------------------------------------------- one size


def measure(server, gw, bench, samples, size_label):
    """All the measurements at the current store size; returns {metric: [seconds]} and extras."""
    api, root = bench["id"], bench["root"]
    session = requests.Session()
    results = {name: [] for name in METRICS}
    first_get_live = 0

    # Plain control-plane writes and the data-plane floor, 5K each.
    for i in range(samples * 5):
        t0 = time.perf_counter()
        gw.update_rest_api(restApiId=api, patchOperations=[
            {"op": "replace", "path": "/description", "value": f"{size_label} {i}"}])
        results["update_rest_api"].append(time.perf_counter() - t0)
    root_url = invoke_url(server, api, STAGE, "")
    for _ in range(samples * 5):
        t0 = time.perf_counter()
        response = session.get(root_url, timeout=10)
        results["get"].append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise RuntimeError(f"GET {root_url}: {response.status_code} {response.text[:200]!r}")

    # A new route: put, deploy, poll.
    created = []
    for i in range(samples):
        part = f"{size_label}-{i}"
        resource = gw.create_resource(restApiId=api, parentId=root, pathPart=part)["id"]
        created.append(resource)
        mock_get(gw, api, resource, f"r{i}")
        t0 = time.perf_counter()
        gw.create_deployment(restApiId=api, stageName=STAGE)
        results["create_deployment"].append(time.perf_counter() - t0)
        live, gets = poll_until(session, invoke_url(server, api, STAGE, part), f"r{i}", t0)
        results["deploy_to_200"].append(live)
        first_get_live += gets == 1

    # A stage variable: update_stage, poll.
    echo_url = invoke_url(server, api, STAGE, "echo")
    for i in range(samples):
        value = f"{size_label}-{i}"
        t0 = time.perf_counter()
        gw.update_stage(restApiId=api, stageName=STAGE, patchOperations=[
            {"op": "replace", "path": "/variables/x", "value": value}])
        results["update_stage"].append(time.perf_counter() - t0)
        visible, _ = poll_until(session, echo_url, value, t0)
        results["update_stage_visible"].append(visible)

    # Back to the bench API's base shape for the next size.
    for resource in created:
        gw.delete_resource(restApiId=api, resourceId=resource)
    gw.create_deployment(restApiId=api, stageName=STAGE)
    return results, first_get_live


METRICS = {
    "create_deployment": "CreateDeployment call",
    "deploy_to_200": "CreateDeployment start → new route's first 200",
    "update_stage": "UpdateStage call (stage variable)",
    "update_stage_visible": "UpdateStage start → new value on the route",
    "update_rest_api": "UpdateRestApi (plain control-plane write)",
    "get": "GET a deployed route (data-plane floor)",
}


# ---------------------------------------------------------------- reporting


def percentile(values, pct):
    """Nearest-rank percentile (pct in 0..100)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def fmt(seconds):
    if seconds is None:
        return ""
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 0.001:
        return f"{seconds * 1000:.2f} ms"
    return f"{seconds * 1e6:.0f} µs"


def size_table(results):
    lines = ["| metric | n | p50 | p90 | max | mean |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for key, label in METRICS.items():
        values = results[key]
        lines.append(f"| {label} | {len(values)} | {fmt(percentile(values, 50))} | {fmt(percentile(values, 90))} | "
                     f"{fmt(max(values))} | {fmt(statistics.fmean(values))} |")
    return "\n".join(lines)


def comparison_table(small, large, restarted, apis):
    """1 API vs N APIs (same process, after every write that built them) and, when measured,
    N APIs again after a restart of the same data."""
    n = f"{apis:,} APIs"
    header = f"| 1 API vs {n} | 1 API p50 | 1 API p90 | {n} p50 | {n} p90 | {n} max | ratio p50 | ratio p90 |"
    rule = "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    if restarted is not None:
        header += f" {n}, restarted p50 | {n}, restarted p90 | ratio p50, restarted |"
        rule += " ---: | ---: | ---: |"
    lines = [header, rule]
    for key, label in METRICS.items():
        a, b = small[key], large[key]
        a50, a90, b50, b90 = percentile(a, 50), percentile(a, 90), percentile(b, 50), percentile(b, 90)
        line = (f"| {label} | {fmt(a50)} | {fmt(a90)} | {fmt(b50)} | {fmt(b90)} | {fmt(max(b))} | "
                f"{b50 / a50:.2f}× | {b90 / a90:.2f}× |")
        if restarted is not None:
            c = restarted[key]
            c50 = percentile(c, 50)
            line += f" {fmt(c50)} | {fmt(percentile(c, 90))} | {c50 / a50:.2f}× |"
        lines.append(line)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apis", type=int, default=None, help="APIs to create for the second size (default 1000)")
    parser.add_argument("--samples", type=int, default=None, help="samples per measurement (default 20)")
    parser.add_argument("--quick", action="store_true", help="--apis 100 --samples 5")
    parser.add_argument("--no-restart", action="store_true",
                        help="skip the third measurement (N APIs after restarting gatehouse on the same data)")
    parser.add_argument("--no-results-md", action="store_true", help="do not append to bench/RESULTS.md")
    args = parser.parse_args()
    apis = args.apis if args.apis is not None else (100 if args.quick else 1000)
    samples = args.samples if args.samples is not None else (5 if args.quick else 20)
    if apis < 1 or samples < 1:
        parser.error("--apis and --samples must be at least 1")

    binary = gatehouse_binary()
    if not binary.exists():
        log(f"no gatehouse binary at {binary} (set GATEHOUSE_BIN)")
        return 2
    build = "release" if "/release/" in str(binary) else "debug" if "/debug/" in str(binary) else "custom"
    server = Server(binary)
    started = time.perf_counter()
    notes = []

    def report(title, results, first_live):
        calls = CALLS.count
        rss = server.rss_mb()
        print(f"\n## {title} (gatehouse RSS {rss:.1f} MB; {calls:,} control-plane calls since gatehouse started)\n")
        print(size_table(results))
        print(f"\nThe new route answered on the first GET after CreateDeployment returned in {first_live}/{samples}.")
        sys.stdout.flush()
        return rss, calls

    try:
        server.start()
        log(f"gatehouse ({binary}, {build} build) on {server.url}; {apis} APIs, {samples} samples")
        gw = client(server)
        created = gw.create_rest_api(name="deploy-bench")
        bench = {"id": created["id"], "root": created["rootResourceId"]}
        mock_get(gw, bench["id"], bench["root"], "root")
        echo = gw.create_resource(restApiId=bench["id"], parentId=bench["root"], pathPart="echo")["id"]
        mock_get(gw, bench["id"], echo, "$stageVariables.x")
        gw.create_deployment(restApiId=bench["id"], stageName=STAGE, variables={"x": "start"})
        poll_until(requests.Session(), invoke_url(server, bench["id"], STAGE, "echo"), "start", time.perf_counter())

        log("measuring with 1 API in the store")
        small, small_first = measure(server, gw, bench, samples, "one")
        small_rss, small_calls = report("1 API in the store", small, small_first)

        log(f"creating {apis} APIs of {RESOURCES_PER_API} resources, each deployed ({POPULATE_THREADS} threads)")
        populate_s, populate_calls = populate(server, apis, "filler")
        log(f"created {apis} APIs in {populate_s:.1f} s ({populate_calls / populate_s:.0f} calls/s)")

        log(f"measuring with {apis + 1} APIs in the store")
        large, large_first = measure(server, gw, bench, samples, "many")
        large_rss, large_calls = report(
            f"{apis:,} more APIs in the store ({apis:,} more stages, {apis * RESOURCES_PER_API:,} more resources)",
            large, large_first)

        restarted = None
        if not args.no_restart:
            log("restarting gatehouse on the same data")
            restart_s = server.restart()
            CALLS.count = 0
            gw = client(server)
            log(f"healthy again after {restart_s:.2f} s; measuring with {apis + 1} APIs after the restart")
            restarted, restarted_first = measure(server, gw, bench, samples, "restarted")
            restarted_rss, restarted_calls = report(
                f"{apis:,} more APIs in the store, after restarting gatehouse on the same data", restarted,
                restarted_first)
            notes.append(
                f"\"restarted\": the same store after a graceful restart (healthy again after {restart_s:.2f} s), "
                f"gatehouse RSS {restarted_rss:.1f} MB, {restarted_calls:,} control-plane calls since that start; "
                f"the new route answered on the first GET after CreateDeployment in {restarted_first}/{samples}.")

        comparison = comparison_table(small, large, restarted, apis)
        print(f"\n## 1 API vs {apis:,} APIs\n")
        print(comparison)
        summary = (
            f"Populating: {apis:,} APIs × ({RESOURCES_PER_API} resources with GET → MOCK, one deployment) = "
            f"{populate_calls:,} control-plane calls in {populate_s:.1f} s ({populate_calls / populate_s:.0f}/s, "
            f"{POPULATE_THREADS} threads). Control-plane calls since gatehouse started: {small_calls:,} at the "
            f"1-API measurement, {large_calls:,} at the {apis:,}-API one. Gatehouse RSS {small_rss:.1f} MB → "
            f"{large_rss:.1f} MB.")
        print(f"\n{summary}")
        for note in notes:
            print(note)
        print(f"Whole run {time.perf_counter() - started:.1f} s.")
        sys.stdout.flush()

        if not args.no_results_md:
            commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                    text=True).stdout.strip() or "unknown"
            dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", ".", ":!bench"],
                                   capture_output=True, text=True).stdout.strip()
            if dirty:
                commit += " (with uncommitted changes)"
            date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            cpu = next((line.split(": ", 1)[1] for line in Path("/proc/cpuinfo").read_text().splitlines()
                        if line.startswith("model name")), "unknown CPU")
            section = (
                f"\n## Deploy → live\n\n"
                f"{date}. `bench/deploy_latency.py --apis {apis} --samples {samples}`; Gatehouse commit `{commit}`, "
                f"{build} build; {os.cpu_count()} cores ({cpu}); load average after the run "
                f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}.\n\n"
                f"{comparison}\n\n"
                f"\"CreateDeployment → first 200\" runs from the start of CreateDeployment to the new route's first "
                f"200 (polled back to back); the new route answered on the very first GET after CreateDeployment "
                f"returned in {small_first}/{samples} (1 API) and {large_first}/{samples} ({apis:,} APIs) samples. "
                f"\"UpdateStage → visible\" likewise for a stage variable echoed by a template. {samples} samples "
                f"per row ({samples * 5} for UpdateRestApi and GET). The {apis:,} APIs have {RESOURCES_PER_API} "
                f"GET → MOCK resources each and one deployed stage. {summary}"
                + "".join(f" {note}" for note in notes) + "\n")
            with (BENCH_DIR / "RESULTS.md").open("a") as f:
                f.write(section)
            log("appended to bench/RESULTS.md")
        return 0
    except Exception:
        log(f"failed; gatehouse log tail:\n{server.log_tail()}")
        raise
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
