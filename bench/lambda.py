#!/usr/bin/env python3
"""Functions benchmark: cold start, warm invoke latency and throughput of a Python function on Gatehouse.

    lambda.py GATEHOUSE_URL [--pid GATEHOUSE_PID] [--json OUT.json] [--quick]

Against a running Gatehouse (boto3 with endpoint_url, keys test/test, region us-east-1), with a
python3.11 function whose handler returns {"ok": true} (zip built here):

1. Cold start, 5 times with fresh function names: CreateFunction -> first Invoke's response
   (and the two calls apart, and the REPORT line's Init Duration: worker spawn -> its first
   /next). Floor: spawning `python3 -c "import awslambdaric"` (sys.executable).
2. Warm, sequential: 500 boto3 Invokes; 500 raw `requests.Session` POSTs to
   /2015-03-31/functions/NAME/invocations signed with botocore's SigV4Auth (signing is outside
   the timed part); the handler called directly in-process (the floor); the REPORT lines'
   Duration (what Gatehouse measures between handing the event to the worker and its answer).
   Runtime API overhead = raw invoke p50 - direct call p50.
3. Concurrent: 4 threads x 100 invokes (boto3, then raw), after a warm-up that starts 4 workers.

Prints a markdown table (stdout); --json writes every number. Every function it creates is
deleted at the end. Loopback only; the whole run takes well under a minute.
"""
import argparse
import io
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from pathlib import Path

import boto3
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

REGION = "us-east-1"
RUNTIME = "python3.11"
HANDLER_SOURCE = 'def handler(event, context):\n    return {"ok": True}\n'
EXPECTED = {"ok": True}
COLD_RUNS = 5
SEQUENTIAL = 500
DIRECT_CALLS = 10_000
THREADS, PER_THREAD = 4, 100
ROLE = "arn:aws:iam::000000000000:role/gatehouse-bench"


PROXY_HANDLER_SOURCE = 'def handler(event, context):\n    return {"statusCode": 200, "body": "{\\"ok\\": true}"}\n'


def build_zip(source=HANDLER_SOURCE) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("lambda_function.py", source)
    return buffer.getvalue()


def percentile(values, pct):
    """Nearest-rank percentile (pct in 0..100) of values, in their unit; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil
    return ordered[int(rank) - 1]


def summary(values_ms, wall_s=None):
    return {
        "n": len(values_ms),
        "p50": percentile(values_ms, 50),
        "p99": percentile(values_ms, 99),
        "max": max(values_ms) if values_ms else None,
        "per_s": (len(values_ms) / wall_s) if wall_s else None,
    }


class Bench:
    def __init__(self, url: str, quick: bool):
        self.url = url.rstrip("/")
        self.quick = quick
        config = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=15,
                        max_pool_connections=THREADS * 2)
        self.session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
        self.config = config
        self.lam = self.client("lambda")
        self.logs = self.client("logs")
        self.credentials = Credentials("test", "test")
        self.zip = build_zip()
        self.tag = uuid.uuid4().hex[:8]
        self.created = []
        self.results = {}
        self.notes = []

    def client(self, service):
        return self.session.client(service, endpoint_url=self.url, config=self.config)

    # ------------------------------------------------------------ helpers
    def create(self, name):
        self.lam.create_function(
            FunctionName=name, Runtime=RUNTIME, Role=ROLE, Handler="lambda_function.handler",
            Code={"ZipFile": self.zip}, Timeout=10, MemorySize=128)
        self.created.append(name)

    def invoke(self, client, name):
        response = client.invoke(FunctionName=name, Payload=b"{}")
        payload = response["Payload"].read()
        if response.get("FunctionError") or response.get("StatusCode") != 200:
            raise RuntimeError(f"Invoke {name}: {response.get('StatusCode')} {response.get('FunctionError')} {payload[:300]!r}")
        return payload

    def signed_headers(self, url, body):
        request = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": "application/json"})
        SigV4Auth(self.credentials, "lambda", REGION).add_auth(request)
        return dict(request.headers)

    @staticmethod
    def http_session():
        http = requests.Session()
        # No per-request proxy/netrc lookups from the environment (the URL is loopback anyway).
        http.trust_env = False
        return http

    def raw_url(self, name):
        return f"{self.url}/2015-03-31/functions/{name}/invocations"

    def raw_invoke(self, http, url, headers, body=b"{}"):
        response = http.post(url, data=body, headers=headers, timeout=15)
        if response.status_code != 200 or response.headers.get("X-Amz-Function-Error"):
            raise RuntimeError(f"raw invoke: {response.status_code} {response.headers.get('X-Amz-Function-Error')} {response.content[:300]!r}")
        return response.content

    def report_lines(self, name, seen, settle_s=0.3, expect=None):
        """REPORT lines of NAME's log not in `seen` (event ids), as dicts; waits for the async writes."""
        deadline = time.monotonic() + 5
        while True:
            time.sleep(settle_s)
            events, token = [], None
            while True:
                kwargs = {"logGroupName": f"/aws/lambda/{name}", "filterPattern": "REPORT"}
                if token:
                    kwargs["nextToken"] = token
                page = self.logs.filter_log_events(**kwargs)
                events += page.get("events", [])
                token = page.get("nextToken")
                if not token:
                    break
            new = [e for e in events if e["eventId"] not in seen]
            if expect is None or len(new) >= expect or time.monotonic() > deadline:
                break
        out = []
        for e in new:
            seen.add(e["eventId"])
            m = re.search(r"\tDuration: ([\d.]+) ms", e["message"])
            init = re.search(r"Init Duration: ([\d.]+) ms", e["message"])
            if m:
                out.append({"duration": float(m.group(1)), "init": float(init.group(1)) if init else None})
        if expect is not None and len(out) < expect:
            self.notes.append(f"{name}: {len(out)} REPORT lines found, {expect} expected")
        return out

    # ------------------------------------------------------------ 1. cold start
    def cold_start(self):
        totals, creates, firsts, inits, floor = [], [], [], [], []
        for i in range(COLD_RUNS):
            # The floor, interleaved with the cold starts so both see the same machine.
            t0 = time.perf_counter()
            # No timeout=: subprocess then polls the child with growing sleeps, adding up to ~30 ms.
            subprocess.run([sys.executable, "-c", "import awslambdaric"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            floor.append((time.perf_counter() - t0) * 1e3)
            name = f"bench-cold-{self.tag}-{i}"
            t0 = time.perf_counter()
            self.create(name)
            t1 = time.perf_counter()
            payload = self.invoke(self.lam, name)
            t2 = time.perf_counter()
            if json.loads(payload) != EXPECTED:
                raise RuntimeError(f"cold {name}: unexpected payload {payload!r}")
            totals.append((t2 - t0) * 1e3)
            creates.append((t1 - t0) * 1e3)
            firsts.append((t2 - t1) * 1e3)
        for i in range(COLD_RUNS):
            for line in self.report_lines(f"bench-cold-{self.tag}-{i}", set(), settle_s=0.05 if i else 0.3, expect=1):
                if line["init"] is not None:
                    inits.append(line["init"])
        # Their workers are of no further use: delete the functions (which stops the workers).
        for i in range(COLD_RUNS):
            self.delete(f"bench-cold-{self.tag}-{i}")
        self.results["cold_total"] = summary(totals)
        self.results["cold_create"] = summary(creates)
        self.results["cold_first_invoke"] = summary(firsts)
        self.results["cold_init_duration"] = summary(inits)
        self.results["python_import_floor"] = summary(floor)

    # ------------------------------------------------------------ 2. warm, sequential
    def warm_sequential(self, name):
        seen = set()
        for _ in range(20):
            self.invoke(self.lam, name)
        self.report_lines(name, seen, expect=20)
        n = SEQUENTIAL // 5 if self.quick else SEQUENTIAL

        times = []
        start = time.perf_counter()
        for _ in range(n):
            t0 = time.perf_counter()
            payload = self.invoke(self.lam, name)
            times.append((time.perf_counter() - t0) * 1e3)
        wall = time.perf_counter() - start
        if json.loads(payload) != EXPECTED:
            raise RuntimeError(f"warm: unexpected payload {payload!r}")
        self.results["boto3_sequential"] = summary(times, wall)
        self.results["report_boto3_sequential"] = summary([r["duration"] for r in self.report_lines(name, seen, expect=n)])

        http = self.http_session()
        url = self.raw_url(name)
        for _ in range(20):
            self.raw_invoke(http, url, self.signed_headers(url, b"{}"))
        self.report_lines(name, seen, settle_s=0.1, expect=20)
        times, wall = [], 0.0
        for _ in range(n):
            headers = self.signed_headers(url, b"{}")
            t0 = time.perf_counter()
            payload = self.raw_invoke(http, url, headers)
            dt = time.perf_counter() - t0
            wall += dt
            times.append(dt * 1e3)
        if json.loads(payload) != EXPECTED:
            raise RuntimeError(f"raw: unexpected payload {payload!r}")
        # invokes/s here excludes the signing (done between requests, outside the timed part).
        self.results["raw_sequential"] = summary(times, wall)
        self.results["report_raw_sequential"] = summary([r["duration"] for r in self.report_lines(name, seen, expect=n)])

        namespace = {}
        exec(compile(HANDLER_SOURCE, "lambda_function.py", "exec"), namespace)
        handler = namespace["handler"]
        clock = time.perf_counter_ns
        direct = []
        for _ in range(DIRECT_CALLS):
            t0 = clock()
            handler({}, None)
            direct.append((clock() - t0) / 1e6)
        self.results["direct_call"] = summary(direct)
        # What awslambdaric adds in-process around the handler: parse the event, serialize the result.
        direct_json = []
        for _ in range(DIRECT_CALLS):
            t0 = clock()
            json.dumps(handler(json.loads(b"{}"), None))
            direct_json.append((clock() - t0) / 1e6)
        self.results["direct_call_json"] = summary(direct_json)
        self.seen = seen

    # ------------------------------------------------------------ 2b. through a REST API
    def proxy_route(self):
        """A warm Lambda proxy route against invoking the same function directly: the gateway's added latency."""
        name = f"bench-proxy-{self.tag}"
        self.lam.create_function(
            FunctionName=name, Runtime=RUNTIME, Role=ROLE, Handler="lambda_function.handler",
            Code={"ZipFile": build_zip(PROXY_HANDLER_SOURCE)}, Timeout=10, MemorySize=128)
        self.created.append(name)
        apigw = self.client("apigateway")
        api = apigw.create_rest_api(name=f"bench-proxy-{self.tag}")
        self.api_id = api["id"]
        resource = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="fn")
        apigw.put_method(restApiId=api["id"], resourceId=resource["id"], httpMethod="GET", authorizationType="NONE")
        apigw.put_integration(
            restApiId=api["id"], resourceId=resource["id"], httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST",
            uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/arn:aws:lambda:{REGION}:000000000000:function:{name}/invocations")
        self.lam.add_permission(FunctionName=name, StatementId="bench", Action="lambda:InvokeFunction",
                                Principal="apigateway.amazonaws.com")
        apigw.create_deployment(restApiId=api["id"], stageName="bench")
        route = f"{self.url}/restapis/{api['id']}/bench/_user_request_/fn"
        http = self.http_session()
        n = SEQUENTIAL // 5 if self.quick else SEQUENTIAL
        for _ in range(20):
            http.get(route, timeout=15)
        times, wall = [], 0.0
        for _ in range(n):
            t0 = time.perf_counter()
            response = http.get(route, timeout=15)
            dt = time.perf_counter() - t0
            wall += dt
            times.append(dt * 1e3)
            if response.status_code != 200 or response.json() != EXPECTED:
                raise RuntimeError(f"proxy route: {response.status_code} {response.content[:200]!r}")
        self.results["proxy_route_sequential"] = summary(times, wall)
        # The same function invoked directly, with a proxy-sized event, on the same kind of client.
        url = self.raw_url(name)
        event = json.dumps({"resource": "/fn", "path": "/fn", "httpMethod": "GET", "headers": {"Host": "x"},
                            "requestContext": {"stage": "bench"}, "body": None}).encode()
        times, wall = [], 0.0
        for _ in range(n):
            headers = self.signed_headers(url, event)
            t0 = time.perf_counter()
            self.raw_invoke(http, url, headers, body=event)
            dt = time.perf_counter() - t0
            wall += dt
            times.append(dt * 1e3)
        self.results["proxy_direct_invoke"] = summary(times, wall)

    # ------------------------------------------------------------ 3. concurrency
    def concurrent(self, name):
        seen = self.seen
        clients = [self.client("lambda") for _ in range(THREADS)]
        sessions = [self.http_session() for _ in range(THREADS)]
        url = self.raw_url(name)
        per_thread = PER_THREAD // 4 if self.quick else PER_THREAD

        def run(kind, count):
            barrier = threading.Barrier(THREADS + 1)
            latencies = [[] for _ in range(THREADS)]
            errors = []

            def worker(i):
                try:
                    barrier.wait()
                    for _ in range(count):
                        if kind == "boto3":
                            t0 = time.perf_counter()
                            self.invoke(clients[i], name)
                        else:
                            headers = self.signed_headers(url, b"{}")
                            t0 = time.perf_counter()
                            self.raw_invoke(sessions[i], url, headers)
                        latencies[i].append((time.perf_counter() - t0) * 1e3)
                except Exception as error:  # noqa: BLE001 - reported below
                    errors.append(repr(error))

            threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(THREADS)]
            for t in threads:
                t.start()
            barrier.wait()
            start = time.perf_counter()
            for t in threads:
                t.join(timeout=60)
            wall = time.perf_counter() - start
            if errors:
                raise RuntimeError(f"{kind} concurrent: {len(errors)} thread(s) failed: {errors[0]}")
            return [x for xs in latencies for x in xs], wall

        run("boto3", 5)  # warm-up: brings the pool to up to THREADS workers
        self.report_lines(name, seen, settle_s=0.1, expect=THREADS * 5)
        times, wall = run("boto3", per_thread)
        self.results["boto3_concurrent"] = summary(times, wall)
        self.results["report_boto3_concurrent"] = summary(
            [r["duration"] for r in self.report_lines(name, seen, expect=THREADS * per_thread)])
        times, wall = run("raw", per_thread)
        self.results["raw_concurrent"] = summary(times, wall)
        self.results["report_raw_concurrent"] = summary(
            [r["duration"] for r in self.report_lines(name, seen, expect=THREADS * per_thread)])
        # Each worker writes its own log stream: how many workers this function has started.
        try:
            streams = self.logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}").get("logStreams", [])
            self.results["warm_function_workers_started"] = len(streams)
        except Exception as error:  # noqa: BLE001
            self.notes.append(f"DescribeLogStreams: {error}")

    # ------------------------------------------------------------ memory
    def memory(self, pid):
        def rss(p):
            try:
                for line in Path(f"/proc/{p}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
            except OSError:
                pass
            return None

        children = []
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                children += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
        worker_rss = [r for r in (rss(c) for c in children) if r]
        self.results["gatehouse_rss_kb"] = rss(pid)
        self.results["workers"] = len(worker_rss)
        self.results["worker_rss_kb"] = sorted(worker_rss)

    def delete(self, name):
        try:
            self.lam.delete_function(FunctionName=name)
            self.created.remove(name)
        except Exception as error:  # noqa: BLE001
            self.notes.append(f"DeleteFunction {name}: {error}")

    def cleanup(self):
        for name in list(self.created):
            self.delete(name)
        if getattr(self, "api_id", None):
            try:
                self.client("apigateway").delete_rest_api(restApiId=self.api_id)
            except Exception:  # noqa: BLE001 - best effort
                pass


def fmt(ms):
    if ms is None:
        return "n/a"
    if abs(ms) < 0.1:
        return f"{ms * 1000:.2f} µs"
    if abs(ms) < 1:
        return f"{ms * 1000:.0f} µs"
    return f"{ms:.2f} ms"


def table(results, notes, elapsed) -> str:
    r = results
    rows = [
        ("cold_total", f"Cold start: CreateFunction → first Invoke response ({COLD_RUNS} fresh functions)"),
        ("cold_create", "… CreateFunction call"),
        ("cold_first_invoke", "… first Invoke (spawn worker, import, handler)"),
        ("cold_init_duration", "… REPORT Init Duration (spawn → first /next)"),
        ("python_import_floor", '`python3 -c "import awslambdaric"` (floor)'),
        ("boto3_sequential", "Warm Invoke, boto3, sequential"),
        ("raw_sequential", "Warm Invoke, requests + SigV4, sequential"),
        ("report_raw_sequential", "… REPORT Duration (event handed → response)"),
        ("direct_call", "Handler called directly in-process (floor)"),
        ("direct_call_json", "… plus json.loads(event) / json.dumps(result)"),
        ("proxy_route_sequential", "Warm Lambda proxy route GET /fn (REST API, requests, sequential)"),
        ("proxy_direct_invoke", "… the same function through the Invoke endpoint (requests + SigV4)"),
        ("boto3_concurrent", f"Warm Invoke, boto3, {THREADS} threads"),
        ("raw_concurrent", f"Warm Invoke, requests + SigV4, {THREADS} threads"),
        ("report_raw_concurrent", "… REPORT Duration"),
    ]
    out = ["| functions (python3.11, handler returns {\"ok\": true}) | n | p50 | p99 | max | invokes/s |",
           "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for key, label in rows:
        s = r.get(key)
        if not s:
            out.append(f"| {label} | not run | | | | |")
            continue
        per_s = "" if s.get("per_s") is None else f"{s['per_s']:,.0f}"
        p99 = "" if key.startswith(("cold", "python")) else fmt(s["p99"])
        out.append(f"| {label} | {s['n']} | {fmt(s['p50'])} | {p99} | {fmt(s['max'])} | {per_s} |")
    out.append("")
    raw, direct, rep = r.get("raw_sequential"), r.get("direct_call"), r.get("report_raw_sequential")
    if raw and direct and raw["p50"] is not None:
        overhead = raw["p50"] - direct["p50"]
        line = f"Invoke overhead over a direct handler call (raw p50 − direct p50): **{fmt(overhead)}**"
        if rep and rep["p50"] is not None:
            line += (f"; of which {fmt(rep['p50'])} inside Gatehouse's REPORT Duration (Runtime API round trip "
                     f"to the worker and awslambdaric), {fmt(raw['p50'] - rep['p50'])} outside it (client, "
                     f"HTTP, SigV4 check, Invoke operation)")
        out.append(line + ".")
    proxy, direct_invoke = r.get("proxy_route_sequential"), r.get("proxy_direct_invoke")
    if proxy and direct_invoke:
        out.append(f"The gateway's added latency for a Lambda proxy route (route p50 − direct Invoke p50): "
                   f"**{fmt(proxy['p50'] - direct_invoke['p50'])}** (p99 {fmt(proxy['p99'] - direct_invoke['p99'])}).")
    boto, cold, floor = r.get("boto3_sequential"), r.get("cold_total"), r.get("python_import_floor")
    if boto and raw:
        out.append(f"boto3's own cost per Invoke (boto3 p50 − raw p50): {fmt(boto['p50'] - raw['p50'])}.")
    if cold and floor:
        out.append(f"Cold start over the Python import floor (p50): {fmt(cold['p50'] - floor['p50'])}.")
    if r.get("warm_function_workers_started") is not None:
        out.append(f"Workers the warm function started over the whole run (one per log stream; 1 sequential client, "
                   f"then {THREADS} threads): {r['warm_function_workers_started']}.")
    if r.get("gatehouse_rss_kb"):
        workers = r.get("worker_rss_kb") or []
        out.append(f"After the run: Gatehouse RSS {r['gatehouse_rss_kb'] / 1024:.1f} MB, {len(workers)} worker process(es)"
                   + (f" of {statistics.median(workers) / 1024:.1f} MB RSS each (median)." if workers else "."))
    out.append(f"Sequential invokes/s are 1 / mean latency of one client; the raw rows exclude request signing. "
               f"The functions part took {elapsed:.1f} s.")
    for note in notes:
        out.append(f"**Note**: {note}")
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--pid", type=int, help="Gatehouse's pid: report its RSS and its workers'")
    parser.add_argument("--json", type=Path, help="write every number here")
    parser.add_argument("--quick", action="store_true", help="fewer iterations (smoke test)")
    args = parser.parse_args()
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        os.environ.pop(var, None)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

    started = time.perf_counter()
    bench = Bench(args.url, args.quick)
    status = 0
    try:
        bench.cold_start()
        warm = f"bench-warm-{bench.tag}"
        bench.create(warm)
        bench.invoke(bench.lam, warm)
        bench.warm_sequential(warm)
        bench.proxy_route()
        bench.concurrent(warm)
        if args.pid:
            bench.memory(args.pid)
    except Exception as error:  # noqa: BLE001 - print what was measured, then fail
        bench.notes.append(f"stopped early: {error}")
        status = 1
    finally:
        bench.cleanup()
    elapsed = time.perf_counter() - started
    print(table(bench.results, bench.notes, elapsed), end="")
    if args.json:
        args.json.write_text(json.dumps({"results": bench.results, "notes": bench.notes, "elapsed_s": elapsed}, indent=2))
    return status


if __name__ == "__main__":
    sys.exit(main())
