#!/usr/bin/env python3
"""HTTP API vs REST API: the same routes behind both kinds of API on one Gatehouse, side by side.

    http_api.py [GATEHOUSE_URL UPSTREAM_URL [--reference URL] [--binary PATH]]
                [--run-dir DIR] [--json OUT.json] [--requests N] [--no-results-md]

Issue 13: AWS promises that HTTP APIs are faster than REST APIs; this shows whether Gatehouse's are
(goals: HTTP API route ≥ 1.2× the REST route's req/s; warm Lambda added latency p50 < 0.5 ms).

Given a running Gatehouse and an upstream that answers "hello" (bench/run.sh passes its own, and its
nginx proxy_pass as --reference), it uses them. Without them it starts what it needs, as run.sh
does: Gatehouse ($GATEHOUSE_BIN, else .build/release/gatehouse, else .build/debug/gatehouse; a copy,
temporary data directory) and two nginx instances rendered from bench/nginx.conf.template (the
upstream, and a front one whose proxy_pass to it is the reference row), all on free loopback ports,
all stopped at the end. The upstream is nginx, never a Python server, so that it is not the
bottleneck.

With boto3 (keys test/test, us-east-1) it creates
  - one python3.11 function whose handler returns {"statusCode": 200, "body": "hello"}, with a
    permission for apigateway.amazonaws.com;
  - a REST API: GET /fn → AWS_PROXY to the function, GET /up → HTTP_PROXY to the upstream,
    deployed to stage "bench" (and the account throttle lifted, as setup.py does);
  - an HTTP API: route GET /fn → AWS_PROXY (payload format 2.0) to the same function, GET /up →
    HTTP_PROXY to the upstream, stage $default with auto-deploy.
Both are called in the host form (`Host: {api-id}.execute-api.localhost`; /bench/fn for REST, /fn
for the HTTP API), so both take the same path through the listener and only the API kind differs.

Then:
  1. Warm Lambda added latency, one client, sequential (N GETs each, default 500, after 50 to warm
     up; requests.Session on keep-alive): REST GET /fn, HTTP API GET /fn, the same function
     through the Invoke endpoint (requests + SigV4, signing outside the timed part, an event of
     the size a proxy event has), and the upstream nginx directly (the client + loopback floor).
     The REPORT lines' Duration of each route's requests (event handed to the worker → its answer)
     is read back from the function's log. Added latency = route p50 − direct Invoke p50, as
     bench/lambda.py computes it; also route p50 − REPORT Duration p50 − floor p50, the time the
     gateway spends around the function call.
  2. Throughput: for each target, the body is checked ("hello"), wrk warms it up (BENCH_WARMUP,
     default 2s), then `wrk -t2 --latency` (BENCH_THREADS) runs for BENCH_DURATION (default 10s):
     -c16 for the Lambda routes (one function worker per concurrent request is started), -c32
     (BENCH_CONNECTIONS) for the HTTP_PROXY routes and the reference — REST /fn, HTTP API /fn,
     REST /up, HTTP API /up, then nginx proxy_pass (or, with an upstream but no --reference, the
     upstream directly).

Prints a table (req/s, p50, p90, p99, errors), the ratios HTTP API / REST for both route kinds and
the latency table, and appends them with the date, commit and machine to bench/RESULTS.md under
"HTTP API vs REST" (unless --no-results-md or BENCH_NO_RESULTS_MD=1). Raw wrk output and logs go to
--run-dir (default: a new directory under /tmp). BENCH_PIN=1 runs wrk on CPU 1 (and, when started
here, the servers on CPU 0). The function and both APIs are deleted at the end.
"""
import argparse
import datetime
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

import boto3
import requests
from deploy_latency import gatehouse_binary
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
from report import fmt_ms, parse_wrk  # noqa: E402 - bench/report.py reads wrk's output for run.sh too

REGION = "us-east-1"
ACCOUNT = "000000000000"
STAGE = "bench"
HANDLER_SOURCE = 'def handler(event, context):\n    return {"statusCode": 200, "body": "hello"}\n'
BODY = "hello"
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
LAMBDA_CONNECTIONS = 16
WARM_UP_REQUESTS = 50
GOAL_RATIO = 1.2
GOAL_ADDED_MS = 0.5


def log(message):
    print(f"[http-api] {message}", file=sys.stderr, flush=True)


def seconds(text: str) -> str:
    """wrk's duration: a bare number means seconds."""
    return f"{text}s" if text.isdigit() else text


def duration_s(text: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([smh]?)", text)
    if not match:
        raise ValueError(f"unparsable duration {text!r}")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def percentile(values, pct):
    """Nearest-rank percentile (pct in 0..100); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def summary(values_ms):
    return {"n": len(values_ms), **{f"p{p}": percentile(values_ms, p) for p in (50, 90, 99)}}


def swift_build_running() -> bool:
    return subprocess.run(["pgrep", "-f", "swift-build"], capture_output=True).returncode == 0


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


# ---------------------------------------------------------------- servers started here
class LocalServers:
    """Gatehouse and two nginx instances (upstream, front with proxy_pass), as bench/run.sh starts them."""

    def __init__(self, run_dir: Path, pin: bool):
        self.run_dir = run_dir
        self.cpu = ["taskset", "-c", "0"] if pin else []
        self.processes = []
        self.data_dir = tempfile.mkdtemp(prefix="gatehouse-http-api-bench.")
        return_port, proxy_port, upstream_port, gatehouse_port = free_ports(4)
        self.ports = {"RETURN_PORT": return_port, "PROXY_PORT": proxy_port, "UPSTREAM_PORT": upstream_port}
        self.upstream_url = f"http://127.0.0.1:{upstream_port}/"
        self.reference_url = f"http://127.0.0.1:{proxy_port}/"
        self.gatehouse_url = f"http://127.0.0.1:{gatehouse_port}"
        self.gatehouse_port = gatehouse_port
        self.gatehouse_pid = None

    def render_nginx(self, role: str) -> Path:
        """nginx.conf for ROLE ("front" or "upstream"): the template's shared lines plus ROLE's blocks."""
        directory = self.run_dir / f"nginx-{role}"
        directory.mkdir(parents=True, exist_ok=True)
        lines, section = [], ""
        for line in (BENCH_DIR / "nginx.conf.template").read_text().splitlines():
            if marker := re.match(r"^#@(front|upstream)-(begin|end)", line):
                section = marker.group(1) if marker.group(2) == "begin" else ""
                continue
            if section in ("", role):
                lines.append(line)
        text = "\n".join(lines) + "\n"
        for name, value in {"RUNDIR": directory, **self.ports}.items():
            text = text.replace(f"@{name}@", str(value))
        (directory / "nginx.conf").write_text(text)
        return directory

    def start(self, name, command, env=None):
        output = open(self.run_dir / f"{name}.log", "wb")
        process = subprocess.Popen(self.cpu + command, stdout=output, stderr=subprocess.STDOUT, env=env)
        self.processes.append(process)
        return process

    def start_all(self, binary: Path):
        for role in ("upstream", "front"):
            directory = self.render_nginx(role)
            self.start(f"nginx-{role}", ["nginx", "-p", str(directory), "-c", str(directory / "nginx.conf"),
                                         "-e", str(directory / "error.log")])
        # A copy, so that a build finishing during the run cannot swap the binary under it.
        copy = Path(self.data_dir) / "gatehouse"
        shutil.copy2(binary, copy)
        # Gatehouse takes its settings from the flags, not from the caller's GATEHOUSE_* variables.
        env = {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}
        gatehouse = self.start("gatehouse", [str(copy), "serve", "--host", "127.0.0.1", "--port",
                                             str(self.gatehouse_port), "--data-dir", f"{self.data_dir}/data"], env)
        self.gatehouse_pid = gatehouse.pid
        wait_body(self.upstream_url, BODY, 15, self.processes[0])
        wait_body(self.reference_url, BODY, 15, self.processes[1])
        wait_body(f"{self.gatehouse_url}/_gatehouse/health", None, 120, gatehouse)

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def wait_body(url, expected, timeout_s, process=None, headers=None):
    """Until URL answers 200 with `expected` (None: any body); raises after timeout_s."""
    deadline, last = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process serving {url} exited with {process.returncode}")
        try:
            response = requests.get(url, headers=headers, timeout=2)
            last = f"{response.status_code} {response.text[:200]!r}"
            if response.status_code == 200 and (expected is None or response.text == expected):
                return
        except requests.RequestException as error:
            last = repr(error)
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer {expected!r} within {timeout_s} s (last: {last})")


# ---------------------------------------------------------------- the APIs
class Bench:
    def __init__(self, gatehouse_url: str, upstream_url: str):
        self.url = gatehouse_url.rstrip("/")
        self.upstream = upstream_url if upstream_url.endswith("/") else upstream_url + "/"
        session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
        config = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30)
        self.lam = session.client("lambda", endpoint_url=self.url, config=config)
        self.logs = session.client("logs", endpoint_url=self.url, config=config)
        self.rest = session.client("apigateway", endpoint_url=self.url, config=config)
        self.v2 = session.client("apigatewayv2", endpoint_url=self.url, config=config)
        self.tag = uuid.uuid4().hex[:8]
        self.function = f"bench-http-api-{self.tag}"
        self.rest_id = self.http_id = None
        self.seen_reports = set()

    def create(self):
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            zipped.writestr("lambda_function.py", HANDLER_SOURCE)
        arn = self.lam.create_function(
            FunctionName=self.function, Runtime="python3.11", Role=f"arn:aws:iam::{ACCOUNT}:role/bench",
            Handler="lambda_function.handler", Code={"ZipFile": archive.getvalue()}, Timeout=10,
            MemorySize=128)["FunctionArn"]
        self.lam.add_permission(FunctionName=self.function, StatementId="apigateway",
                                Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com")

        # REST API: GET /fn → AWS_PROXY, GET /up → HTTP_PROXY, stage "bench".
        self.rest.update_account(patchOperations=[
            {"op": "replace", "path": "/throttleSettings/rateLimit", "value": "1000000"},
            {"op": "replace", "path": "/throttleSettings/burstLimit", "value": "1000000"}])
        api = self.rest.create_rest_api(name=f"bench-rest-{self.tag}")
        self.rest_id = api["id"]
        routes = {
            "fn": dict(type="AWS_PROXY", integrationHttpMethod="POST",
                       uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"),
            "up": dict(type="HTTP_PROXY", integrationHttpMethod="GET", uri=self.upstream),
        }
        for path_part, integration in routes.items():
            resource = self.rest.create_resource(restApiId=self.rest_id, parentId=api["rootResourceId"],
                                                 pathPart=path_part)["id"]
            method = dict(restApiId=self.rest_id, resourceId=resource, httpMethod="GET")
            self.rest.put_method(**method, authorizationType="NONE")
            self.rest.put_integration(**method, **integration)
        self.rest.create_deployment(restApiId=self.rest_id, stageName=STAGE)

        # HTTP API: GET /fn → AWS_PROXY (payload 2.0), GET /up → HTTP_PROXY, $default with auto-deploy.
        self.http_id = self.v2.create_api(Name=f"bench-http-{self.tag}", ProtocolType="HTTP")["ApiId"]
        integrations = {
            "GET /fn": dict(IntegrationType="AWS_PROXY", IntegrationUri=arn, PayloadFormatVersion="2.0"),
            "GET /up": dict(IntegrationType="HTTP_PROXY", IntegrationMethod="GET", IntegrationUri=self.upstream,
                            PayloadFormatVersion="1.0"),
        }
        for route_key, integration in integrations.items():
            integration_id = self.v2.create_integration(ApiId=self.http_id, **integration)["IntegrationId"]
            self.v2.create_route(ApiId=self.http_id, RouteKey=route_key, Target=f"integrations/{integration_id}")
        self.v2.create_stage(ApiId=self.http_id, StageName="$default", AutoDeploy=True)

        # Host form for both: http://127.0.0.1:port/{path} with Host: {api-id}.execute-api.localhost.
        self.targets = {
            "rest-fn": (f"{self.url}/{STAGE}/fn", self.rest_id),
            "http-fn": (f"{self.url}/fn", self.http_id),
            "rest-up": (f"{self.url}/{STAGE}/up", self.rest_id),
            "http-up": (f"{self.url}/up", self.http_id),
        }
        for key, (url, api_id) in self.targets.items():
            wait_body(url, BODY, 60, headers=host(api_id))  # deployments go live within about a second
            log(f"{key}: {url} (Host: {api_id}.execute-api.localhost) answers {BODY!r}")

    # ------------------------------------------------------------ sequential latency
    def report_durations(self, expect):
        """Duration (ms) of the function's REPORT lines not read before; waits for the async log writes."""
        deadline = time.monotonic() + 10
        while True:
            time.sleep(0.3)
            events, token = [], None
            while True:
                kwargs = {"logGroupName": f"/aws/lambda/{self.function}", "filterPattern": "REPORT"}
                if token:
                    kwargs["nextToken"] = token
                page = self.logs.filter_log_events(**kwargs)
                events += page.get("events", [])
                token = page.get("nextToken")
                if not token:
                    break
            new = [e for e in events if e["eventId"] not in self.seen_reports]
            if len(new) >= expect or time.monotonic() > deadline:
                break
        self.seen_reports.update(e["eventId"] for e in new)
        return [float(m.group(1)) for e in new if (m := re.search(r"\tDuration: ([\d.]+) ms", e["message"]))]

    def sequential(self, n):
        """One client, one request at a time: both routes, a direct Invoke and the upstream itself."""
        http = requests.Session()
        http.trust_env = False  # no proxy or netrc look-ups per request

        def timed(call, count):
            times = []
            for _ in range(count):
                t0 = time.perf_counter()
                call()
                times.append((time.perf_counter() - t0) * 1e3)
            return times

        def get(url, headers=None):
            response = http.get(url, headers=headers, timeout=15)
            if response.status_code != 200 or response.text != BODY:
                raise RuntimeError(f"GET {url}: {response.status_code} {response.text[:200]!r}")

        results = {}
        self.report_durations(0)  # everything logged so far (the readiness checks) is not counted
        for key in ("rest-fn", "http-fn"):
            url, api_id = self.targets[key]
            headers = host(api_id)
            timed(lambda: get(url, headers), WARM_UP_REQUESTS)
            self.report_durations(WARM_UP_REQUESTS)
            results[key] = summary(timed(lambda: get(url, headers), n))
            results[f"{key}-report"] = summary(self.report_durations(n))

        # The same function through the Invoke endpoint, with an event of a proxy event's size.
        invoke_url = f"{self.url}/2015-03-31/functions/{self.function}/invocations"
        event = json.dumps({
            "version": "2.0", "routeKey": "GET /fn", "rawPath": "/fn", "rawQueryString": "",
            "headers": {"accept": "*/*", "accept-encoding": "gzip, deflate", "connection": "keep-alive",
                        "host": f"{self.http_id}.execute-api.localhost", "user-agent": "python-requests/2"},
            "requestContext": {"accountId": ACCOUNT, "apiId": self.http_id, "domainName": "x.execute-api.localhost",
                               "domainPrefix": self.http_id, "http": {"method": "GET", "path": "/fn",
                               "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "python-requests/2"},
                               "requestId": "x" * 16, "routeKey": "GET /fn", "stage": "$default",
                               "time": "06/Dec/2026:00:00:00 +0000", "timeEpoch": 0},
            "isBase64Encoded": False}).encode()
        credentials = Credentials("test", "test")
        expected = json.dumps({"statusCode": 200, "body": BODY}).replace(" ", "")

        def invoke(headers):
            response = http.post(invoke_url, data=event, headers=headers, timeout=15)
            if response.status_code != 200 or response.text.replace(" ", "") != expected:
                raise RuntimeError(f"Invoke: {response.status_code} {response.text[:200]!r}")

        def signed():
            request = AWSRequest(method="POST", url=invoke_url, data=event, headers={"Content-Type": "application/json"})
            SigV4Auth(credentials, "lambda", REGION).add_auth(request)
            return dict(request.headers)

        times = []
        for i in range(WARM_UP_REQUESTS + n):
            headers = signed()  # outside the timed part
            t0 = time.perf_counter()
            invoke(headers)
            if i >= WARM_UP_REQUESTS:
                times.append((time.perf_counter() - t0) * 1e3)
        results["invoke"] = summary(times)
        self.report_durations(WARM_UP_REQUESTS + n)

        timed(lambda: get(self.upstream), WARM_UP_REQUESTS)
        results["floor"] = summary(timed(lambda: get(self.upstream), n))
        return results

    def cleanup(self):
        for call in (lambda: self.rest_id and self.rest.delete_rest_api(restApiId=self.rest_id),
                     lambda: self.http_id and self.v2.delete_api(ApiId=self.http_id),
                     lambda: self.lam.delete_function(FunctionName=self.function)):
            try:
                call()
            except Exception as error:  # noqa: BLE001 - best effort; Gatehouse may be gone already
                log(f"cleanup: {error}")


def host(api_id):
    return {"Host": f"{api_id}.execute-api.localhost"}


# ---------------------------------------------------------------- wrk
class Wrk:
    def __init__(self, run_dir: Path, duration: str, warmup: str, pin: bool):
        self.run_dir, self.duration, self.warmup = run_dir, duration, warmup
        self.cpu = ["taskset", "-c", "1"] if pin else []
        self.busy = []

    def run(self, key, url, connections, headers=None, seconds_=None, latency=True):
        args = self.cpu + ["wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds_ or self.duration}", "--timeout", "5s"]
        if latency:
            args.append("--latency")
        for name, value in (headers or {}).items():
            args += ["-H", f"{name}: {value}"]
        limit = duration_s(seconds_ or self.duration) + 60
        result = subprocess.run(args + [url], capture_output=True, text=True, timeout=limit)
        (self.run_dir / key).write_text(result.stdout + result.stderr)
        if result.returncode != 0:
            raise RuntimeError(f"{key}: wrk failed: {result.stdout}{result.stderr}")
        return result.stdout

    def measure(self, key, url, connections, headers=None):
        """Body check, warm-up, then the measured run; wrk's numbers as report.parse_wrk reads them."""
        response = requests.get(url, headers=headers, timeout=5)
        if response.text != BODY:
            raise RuntimeError(f"{key}: {url} answered {response.status_code} {response.text[:200]!r}")
        log(f"{key}: warm-up {self.warmup}")
        self.run(f"{key}.warmup", url, connections, headers, seconds_=self.warmup, latency=False)
        time.sleep(1)
        log(f"{key}: wrk -t{THREADS} -c{connections} -d{self.duration} --latency {url}")
        result = parse_wrk(self.run(f"{key}.wrk", url, connections, headers))
        result["connections"] = connections
        if swift_build_running():
            self.busy.append(key)
            log(f"{key}: WARNING: a swift build was running at the end of this measurement")
        log(f"{key}: {result['rps'] or 0:,.0f} req/s, p50 {fmt_ms(result['p50'])}, p99 {fmt_ms(result['p99'])}")
        time.sleep(1)
        return result


# ---------------------------------------------------------------- report
LABELS = {
    "rest-fn": "REST API GET /fn → AWS_PROXY (Lambda)",
    "http-fn": "HTTP API GET /fn → AWS_PROXY (Lambda, payload 2.0)",
    "rest-up": "REST API GET /up → HTTP_PROXY",
    "http-up": "HTTP API GET /up → HTTP_PROXY",
    "nginx-proxy": "nginx proxy_pass to the same upstream (reference)",
    "upstream": "the upstream nginx directly (reference)",
}


def ratio(a, b):
    return None if a is None or not b else a / b


def fmt_ratio(value):
    return "n/a" if value is None else f"{value:.2f}×"


def fmt_signed(ms):
    return "n/a" if ms is None else ("−" + fmt_ms(-ms) if ms < 0 else fmt_ms(ms))


def build_report(rows, latency, requests_n):
    out = ["| target | wrk -c | req/s | p50 | p90 | p99 | errors |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for key, r in rows.items():
        rps = "n/a" if r["rps"] is None else f"{r['rps']:,.0f}"
        out.append(f"| {LABELS[key]} | {r['connections']} | {rps} | {fmt_ms(r['p50'])} | {fmt_ms(r['p90'])} | "
                   f"{fmt_ms(r['p99'])} | {r['non2xx'] + r['socket_errors']} |")
    out += ["", "| HTTP API / REST | req/s | p50 | p99 |", "| --- | ---: | ---: | ---: |"]
    verdicts = []
    for kind, label in (("fn", "Lambda route (AWS_PROXY)"), ("up", "HTTP_PROXY route")):
        http, rest = rows.get(f"http-{kind}"), rows.get(f"rest-{kind}")
        if not http or not rest:
            continue
        rps = ratio(http["rps"], rest["rps"])
        out.append(f"| {label} | {fmt_ratio(rps)} | {fmt_ratio(ratio(http['p50'], rest['p50']))} | "
                   f"{fmt_ratio(ratio(http['p99'], rest['p99']))} |")
        if rps is not None:
            verdicts.append(f"{label}: {fmt_ratio(rps)} the REST route's req/s "
                            f"({'meets' if rps >= GOAL_RATIO else 'misses'} the ≥ {GOAL_RATIO}× goal)")
    out.append("")
    out.append("A req/s ratio above 1 and p50/p99 ratios below 1 mean the HTTP API is faster.")
    if latency:
        out += ["",
                f"| warm, 1 client, sequential ({requests_n} GETs each) | p50 | p90 | p99 |",
                "| --- | ---: | ---: | ---: |"]
        for key, label in (("rest-fn", "REST API GET /fn"),
                           ("rest-fn-report", "… the function's REPORT Duration for those requests"),
                           ("http-fn", "HTTP API GET /fn"),
                           ("http-fn-report", "… the function's REPORT Duration for those requests"),
                           ("invoke", "The same function through the Invoke endpoint (requests + SigV4)"),
                           ("floor", "The upstream nginx directly (client + loopback floor)")):
            s = latency.get(key)
            if s:
                out.append(f"| {label} | {fmt_ms(s['p50'])} | {fmt_ms(s['p90'])} | {fmt_ms(s['p99'])} |")
        out.append("")
        invoke, floor = latency["invoke"], latency["floor"]
        parts, around = [], []
        for key, label in (("rest-fn", "REST"), ("http-fn", "HTTP API")):
            route, report = latency[key], latency[f"{key}-report"]
            added = route["p50"] - invoke["p50"]
            parts.append(f"{label} **{fmt_signed(added)}** (p99 {fmt_signed(route['p99'] - invoke['p99'])})")
            gateway = None if report["p50"] is None else route["p50"] - report["p50"] - floor["p50"]
            if gateway is not None:
                around.append(f"{label} {fmt_signed(gateway)}")
            if key == "http-fn":
                def verdict(ms):
                    return f"{'meets' if ms < GOAL_ADDED_MS else 'misses'} the < {fmt_ms(GOAL_ADDED_MS)} goal"
                line = f"warm Lambda added latency p50 (HTTP API): {fmt_signed(added)} against a direct Invoke ({verdict(added)})"
                if gateway is not None:
                    line += f", {fmt_signed(gateway)} around the function call ({verdict(gateway)})"
                verdicts.append(line)
        out.append("Warm Lambda added latency (route p50 − direct Invoke p50, as bench/lambda.py computes it): "
                   + "; ".join(parts) + ". The Invoke endpoint checks a SigV4 signature the routes do not, "
                   "so this can come out below zero.")
        if around:
            out.append("Time around the function call (route p50 − REPORT Duration p50 − floor p50: routing, "
                       "the event, handing it to the worker and the answer back, without the client and "
                       "loopback): " + "; ".join(around) + ".")
    if verdicts:
        out += ["", "Issue 13's goals: " + "; ".join(verdicts) + "."]
    return "\n".join(out)


def machine_line(binary, commit, duration, warmup, connections, pin, mode):
    cpu = next((line.split(": ", 1)[1] for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown CPU")
    nginx = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip().split("/")[-1]
    build = "release" if "/release/" in str(binary) else "debug" if "/debug/" in str(binary) else "unknown"
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"{date}. `bench/http_api.py` ({mode}); Gatehouse commit `{commit}`, {build} build; wrk "
            f"`-t{THREADS} -c{LAMBDA_CONNECTIONS}` (Lambda routes) or `-c{connections}` (HTTP_PROXY, reference) "
            f"`-d{duration} --latency` after a {warmup} warm-up per target; {os.cpu_count()} cores ({cpu}); "
            f"pinning: {'servers CPU 0, wrk CPU 1' if pin else 'off'}; nginx {nginx} (1 worker); "
            f"load average after the run {' '.join(Path('/proc/loadavg').read_text().split()[:3])}.")


def commit_of(path: Path):
    """Short commit of the work tree holding `path`, flagged when its sources have uncommitted changes."""
    directory = path if path.is_dir() else path.parent
    git = ["git", "-C", str(directory)]
    commit = subprocess.run(git + ["rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    if not commit:
        return "unknown"
    top = subprocess.run(git + ["rev-parse", "--show-toplevel"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", top, "status", "--porcelain", "--", ".", ":!bench"],
                           capture_output=True, text=True).stdout.strip()
    return commit + (" (with uncommitted changes)" if dirty else "")


# ---------------------------------------------------------------- main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("gatehouse", nargs="?", help="a running Gatehouse (default: start one)")
    parser.add_argument("upstream", nargs="?", help="an upstream answering 'hello' (required with GATEHOUSE_URL)")
    parser.add_argument("--reference", help="nginx proxy_pass to the upstream, for the reference row")
    parser.add_argument("--run-dir", type=Path, help="raw wrk output and logs (default: a new directory in /tmp)")
    parser.add_argument("--json", type=Path, help="write every number here")
    parser.add_argument("--requests", type=int, default=500, help="sequential GETs per latency row (default 500)")
    parser.add_argument("--binary", type=Path, help="with GATEHOUSE_URL: the binary it runs (for the commit line)")
    parser.add_argument("--no-results-md", action="store_true", help="do not append to bench/RESULTS.md")
    args = parser.parse_args()
    if bool(args.gatehouse) != bool(args.upstream):
        parser.error("give both GATEHOUSE_URL and UPSTREAM_URL, or neither")
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        os.environ.pop(var, None)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

    duration = seconds(os.environ.get("BENCH_DURATION", "10s"))
    warmup = seconds(os.environ.get("BENCH_WARMUP", "2s"))
    connections = int(os.environ.get("BENCH_CONNECTIONS", "32"))
    pin = os.environ.get("BENCH_PIN", "0") == "1"
    no_results_md = args.no_results_md or os.environ.get("BENCH_NO_RESULTS_MD") == "1"
    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="gatehouse-http-api-results."))
    run_dir.mkdir(parents=True, exist_ok=True)
    log(f"raw output in {run_dir}")

    servers = bench = None
    if args.gatehouse:
        gatehouse_url, upstream_url, reference = args.gatehouse, args.upstream, args.reference
        binary, mode = args.binary, "on bench/run.sh's Gatehouse and nginx"
    else:
        binary, mode = gatehouse_binary(), "its own Gatehouse and nginx"
        if not binary.exists():
            log(f"no gatehouse binary at {binary} (set GATEHOUSE_BIN)")
            return 2
        servers = LocalServers(run_dir, pin)
        gatehouse_url, upstream_url, reference = servers.gatehouse_url, servers.upstream_url, servers.reference_url
    commit = commit_of(binary.resolve() if binary else ROOT)

    wrk = Wrk(run_dir, duration, warmup, pin)
    rows, latency, notes, status = {}, {}, [], 0
    try:
        if servers:
            log(f"starting gatehouse ({binary}) and nginx")
            servers.start_all(binary)
        bench = Bench(gatehouse_url, upstream_url)
        bench.create()
        if swift_build_running():
            notes.append("a swift build was running when the measurements started.")
        log(f"sequential latency: {args.requests} GETs per route, Invoke and floor")
        latency = bench.sequential(args.requests)
        for key in ("rest-fn", "http-fn"):
            url, api_id = bench.targets[key]
            rows[key] = wrk.measure(key, url, LAMBDA_CONNECTIONS, host(api_id))
        for key in ("rest-up", "http-up"):
            url, api_id = bench.targets[key]
            rows[key] = wrk.measure(key, url, connections, host(api_id))
        if reference:
            rows["nginx-proxy"] = wrk.measure("nginx-proxy", reference, connections)
        else:
            rows["upstream"] = wrk.measure("upstream", upstream_url, connections)
    except Exception as error:  # noqa: BLE001 - report what was measured, then fail
        notes.append(f"stopped early: {error}")
        log(f"ERROR: {error}")
        status = 1
    finally:
        if bench:
            bench.cleanup()
        if servers:
            servers.stop()

    if wrk.busy:
        notes.append(f"a swift build was running during: {' '.join(wrk.busy)}; those numbers are skewed.")
    if any(r["non2xx"] or r["socket_errors"] or r["rps"] is None for r in rows.values()):
        notes.append("errors or missing numbers in the wrk runs; see the raw output.")
    report = build_report(rows, latency, args.requests) if rows or latency else ""
    report += "".join(f"\n\n**Note**: {note}" for note in notes)
    print(report.strip())
    if args.json:
        args.json.write_text(json.dumps({"wrk": rows, "sequential": latency, "notes": notes}, indent=2))
    if not no_results_md and rows:
        section = (f"\n## HTTP API vs REST\n\n{machine_line(binary, commit, duration, warmup, connections, pin, mode)}"
                   f"\n\n{report.strip()}\n")
        with (BENCH_DIR / "RESULTS.md").open("a") as f:
            f.write(section)
        log("appended to bench/RESULTS.md")
    return status


if __name__ == "__main__":
    sys.exit(main())
