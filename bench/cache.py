#!/usr/bin/env python3
"""Stage cache: what a cache hit costs, against a MOCK answer and an uncached Lambda call.

    cache.py [DURATION] [--no-results-md]

Starts its own Gatehouse (deploy_latency.Server: $GATEHOUSE_BIN, else .build/release/gatehouse, else
.build/debug/gatehouse; a copy, temporary data directory, free loopback port; stopped and removed
at the end). With boto3 (keys test/test, us-east-1) it lifts the account throttle (as setup.py
does), creates one python3.12 function returning {"statusCode": 200, "body": "hello"} (with a
permission for apigateway.amazonaws.com) and one REST API:

  - GET /mock   → MOCK answering 200 "hello";
  - GET /fn     → AWS_PROXY to the function;
  - GET /cached → the same AWS_PROXY integration,

deployed to stage "bench", then the stage's cache cluster is turned on with caching enabled for
GET /cached only (update_stage: /cacheClusterEnabled, /~1cached/GET/caching/enabled).

1. Sequential check, one client (requests keep-alive), after a few GETs to settle: 20 GETs of
   /cached and 20 of /fn, timed. A hit answers without calling the function, so /cached's p50
   must be below /fn's; if it is not, the cache is not working and the script exits 1.
2. Throughput: for /mock, /cached and /fn, the body is checked ("hello"), wrk warms the route up
   (BENCH_WARMUP, default 2s), then `wrk -t2 -c32 --latency` (BENCH_THREADS, BENCH_CONNECTIONS)
   runs for DURATION (argument, else BENCH_DURATION, default 10s; a bare number means seconds).

Prints a table (req/s, p50, p90, p99, req/s against the MOCK route), the cache hit's ratio to the
MOCK route (goal: a hit costs no more than a MOCK answer, ≥ 1.0×) and to the uncached Lambda
route, and appends them with the date, commit and machine to bench/RESULTS.md under "Stage cache"
(unless --no-results-md or BENCH_NO_RESULTS_MD=1). BENCH_PIN=1 runs wrk on CPU 1 and Gatehouse on
CPU 0.
"""
import argparse
import datetime
import io
import os
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import boto3
import requests
from botocore.config import Config
from deploy_latency import Server, gatehouse_binary, invoke_url, mock_get, percentile
from http_api import commit_of, duration_s, seconds, swift_build_running, wait_body
from report import fmt_ms, parse_wrk

BENCH_DIR = Path(__file__).resolve().parent
REGION, ACCOUNT, STAGE = "us-east-1", "000000000000", "bench"
HANDLER = 'def handler(event, context):\n    return {"statusCode": 200, "body": "hello"}\n'
BODY = "hello"
SEQUENTIAL_REQUESTS = 20
SETTLE_REQUESTS = 5
GOAL_RATIO = 1.0
ROUTES = [("mock", "GET /mock → MOCK"), ("cached", "GET /cached → Lambda, stage cache (hits)"),
          ("fn", "GET /fn → Lambda, uncached")]


def log(message):
    print(f"[cache] {message}", file=sys.stderr, flush=True)


def create(url):
    """The function, the API, the deployment and the stage's cache; returns the API id."""
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
    config = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30)
    functions = session.client("lambda", endpoint_url=url, config=config)
    gw = session.client("apigateway", endpoint_url=url, config=config)
    gw.update_account(patchOperations=[
        {"op": "replace", "path": "/throttleSettings/rateLimit", "value": "1000000"},
        {"op": "replace", "path": "/throttleSettings/burstLimit", "value": "1000000"}])

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("lambda_function.py", HANDLER)
    arn = functions.create_function(
        FunctionName="bench-cache", Runtime="python3.12", Role=f"arn:aws:iam::{ACCOUNT}:role/bench",
        Handler="lambda_function.handler", Code={"ZipFile": archive.getvalue()}, Timeout=10,
        MemorySize=128)["FunctionArn"]
    functions.add_permission(FunctionName="bench-cache", StatementId="apigateway",
                             Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com")

    api = gw.create_rest_api(name="gatehouse-cache-bench")
    api_id, root = api["id"], api["rootResourceId"]
    mock_get(gw, api_id, gw.create_resource(restApiId=api_id, parentId=root, pathPart="mock")["id"], BODY)
    for path_part in ("fn", "cached"):
        resource = gw.create_resource(restApiId=api_id, parentId=root, pathPart=path_part)["id"]
        method = dict(restApiId=api_id, resourceId=resource, httpMethod="GET")
        gw.put_method(**method, authorizationType="NONE")
        gw.put_integration(**method, type="AWS_PROXY", integrationHttpMethod="POST",
                           uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations")
    gw.create_deployment(restApiId=api_id, stageName=STAGE)
    stage = gw.update_stage(restApiId=api_id, stageName=STAGE, patchOperations=[
        {"op": "replace", "path": "/cacheClusterEnabled", "value": "true"},
        {"op": "replace", "path": "/~1cached/GET/caching/enabled", "value": "true"}])
    log(f"stage {STAGE}: cache cluster {stage.get('cacheClusterStatus')} ({stage.get('cacheClusterSize')} GB), "
        f"method settings {stage.get('methodSettings')}")
    return api_id


def sequential(urls):
    """p50 (ms) of SEQUENTIAL_REQUESTS GETs one after the other, per route, after SETTLE_REQUESTS each."""
    http = requests.Session()
    http.trust_env = False
    result = {}
    for key, url in urls.items():
        times = []
        for i in range(SETTLE_REQUESTS + SEQUENTIAL_REQUESTS):
            started = time.perf_counter()
            response = http.get(url, timeout=15)
            elapsed = (time.perf_counter() - started) * 1e3
            if response.status_code != 200 or response.text != BODY:
                raise RuntimeError(f"GET {url}: {response.status_code} {response.text[:200]!r}")
            if i >= SETTLE_REQUESTS:
                times.append(elapsed)
        result[key] = percentile(times, 50)
        log(f"sequential {key}: p50 {fmt_ms(result[key])} over {SEQUENTIAL_REQUESTS} GETs")
    return result


def wrk(key, url, args, duration, run_dir, cpu, busy):
    """Warm-up, then `wrk --latency`; wrk's numbers as report.parse_wrk reads them."""
    def run(name, length, latency):
        command = cpu + ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{length}", "--timeout", "5s"]
        command += (["--latency"] if latency else []) + [url]
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration_s(length) + 60)
        (run_dir / name).write_text(done.stdout + done.stderr)
        if done.returncode != 0:
            raise RuntimeError(f"{key}: wrk failed: {done.stdout}{done.stderr}")
        return done.stdout

    log(f"{key}: warm-up {args.warmup}")
    run(f"{key}.warmup", args.warmup, False)
    time.sleep(1)
    log(f"{key}: wrk -t{args.threads} -c{args.connections} -d{duration} --latency {url}")
    result = parse_wrk(run(f"{key}.wrk", duration, True))
    if swift_build_running():
        busy.append(key)
        log(f"{key}: WARNING: a swift build was running at the end of this measurement")
    log(f"{key}: {result['rps'] or 0:,.0f} req/s, p50 {fmt_ms(result['p50'])}, p99 {fmt_ms(result['p99'])}")
    time.sleep(1)
    return result


def ratio(a, b):
    return None if a is None or not b else a / b


def render(rows, latency, notes):
    mock = rows["mock"]["rps"]
    out = ["| route | req/s | p50 | p90 | p99 | req/s vs MOCK |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for key, label in ROUTES:
        r = rows[key]
        rps = "n/a" if r["rps"] is None else f"{r['rps']:,.0f}"
        vs = ratio(r["rps"], mock)
        out.append(f"| {label} | {rps} | {fmt_ms(r['p50'])} | {fmt_ms(r['p90'])} | {fmt_ms(r['p99'])} | "
                   f"{'n/a' if vs is None else f'{vs:.2f}×'} |")
    hit, lambda_ = ratio(rows["cached"]["rps"], mock), ratio(rows["cached"]["rps"], rows["fn"]["rps"])
    verdict = "n/a" if hit is None else ("met" if hit >= GOAL_RATIO else "not met")
    out += ["", f"Cache hit: {'n/a' if hit is None else f'{hit:.2f}'}× the MOCK route's req/s "
                f"(goal: a hit costs no more than a MOCK answer, ≥ {GOAL_RATIO:.1f}×: {verdict}).",
            f"Cached vs uncached Lambda: {'n/a' if lambda_ is None else f'{lambda_:.2f}'}×.",
            "", f"Sequential, one client, {SEQUENTIAL_REQUESTS} GETs each: GET /cached p50 {fmt_ms(latency['cached'])}, "
                f"GET /fn p50 {fmt_ms(latency['fn'])} (a hit is answered without calling the function)."]
    out += [f"\n**Note**: {note}" for note in notes]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("duration", nargs="?", default=os.environ.get("BENCH_DURATION", "10s"),
                        help="wrk duration per route (default $BENCH_DURATION, else 10s)")
    parser.add_argument("--no-results-md", action="store_true", default=os.environ.get("BENCH_NO_RESULTS_MD") == "1")
    args = parser.parse_args()
    duration = seconds(args.duration)
    args.warmup = seconds(os.environ.get("BENCH_WARMUP", "2s"))
    args.threads = int(os.environ.get("BENCH_THREADS", "2"))
    args.connections = int(os.environ.get("BENCH_CONNECTIONS", "32"))
    pin = os.environ.get("BENCH_PIN", "0") == "1"
    # SIGTERM (run.sh's timeout) unwinds through the finally below, so Gatehouse and its data go too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    binary = gatehouse_binary()
    if not binary.exists():
        log(f"no gatehouse binary at {binary} (set GATEHOUSE_BIN)")
        return 2
    server = Server(binary)
    run_dir = Path(tempfile.mkdtemp(prefix="results.", dir=server.workdir))
    busy = []
    try:
        log(f"starting gatehouse ({binary}) at {server.url}")
        server.start()
        if pin:
            subprocess.run(["taskset", "-apc", "0", str(server.process.pid)], check=True, capture_output=True)
        api = create(server.url)
        urls = {key: invoke_url(server, api, STAGE, key) for key, _ in ROUTES}
        for key, url in urls.items():
            wait_body(url, BODY, 10, server.process)  # deployments go live within about a second
            log(f"{key}: {url} answers {BODY!r}")
        time.sleep(1.5)  # and so do stage updates: the cache is on before anything is measured

        latency = sequential({"cached": urls["cached"], "fn": urls["fn"]})
        if not latency["cached"] < latency["fn"]:
            log(f"ERROR: GET /cached p50 {fmt_ms(latency['cached'])} is not below GET /fn p50 "
                f"{fmt_ms(latency['fn'])}: the stage cache is not answering")
            return 1

        rows = {}
        for key, _ in ROUTES:
            rows[key] = wrk(key, urls[key], args, duration, run_dir, ["taskset", "-c", "1"] if pin else [], busy)
    except Exception as error:  # noqa: BLE001 - say what failed, then fail
        log(f"ERROR: {error}")
        log(f"gatehouse log:\n{server.log_tail()}")
        return 1
    finally:
        server.stop()

    notes = []
    if busy:
        notes.append(f"a swift build was running during: {' '.join(busy)}; those numbers are skewed.")
    if any(r["non2xx"] or r["socket_errors"] or r["rps"] is None for r in rows.values()):
        errors = ", ".join(f"{key} {r['non2xx']} non-2xx, {r['socket_errors']} socket errors" for key, r in rows.items())
        notes.append(f"errors or missing numbers in the wrk runs ({errors}).")
    report = render(rows, latency, notes)
    print(report)
    if not args.no_results_md:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        build = "release" if "/release/" in str(binary) else "debug" if "/debug/" in str(binary) else "unknown"
        machine = (f"`bench/cache.py` (its own Gatehouse, {build} build); wrk `-t{args.threads} -c{args.connections} "
                   f"-d{duration} --latency` after a {args.warmup} warm-up per route; pinning: "
                   f"{'Gatehouse CPU 0, wrk CPU 1' if pin else 'off'}; load average after the run "
                   f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}.")
        with open(BENCH_DIR / "RESULTS.md", "a") as results:
            results.write(f"\n## Stage cache — {stamp}, commit {commit_of(binary.resolve())}, {os.cpu_count()} cores"
                          f"\n\n{machine}\n\n{report}\n")
        log("appended to bench/RESULTS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
