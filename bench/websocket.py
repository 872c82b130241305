#!/usr/bin/env python3
"""WebSocket APIs: echo round trips and idle connections, Gatehouse beside a bare
hummingbird-websocket echo server in the same run.

    websocket.py [--binary PATH] [--connections N] [--idle N] [--no-results-md]

Starts (on free loopback ports, stopped at the end) Gatehouse ($GATEHOUSE_BIN, else
.build/release/gatehouse; temporary data directory; connection cap and new-connection rate
raised) and bench/hello's `echo` server, and uses bench/hello's `wsbench` client (build them
with `swift build -c release` in bench/hello). With boto3 it creates one python3.11 function
answering `{"statusCode": 200, "body": event["body"]}` and a WebSocket API, stage "bench":

  - `$default` → MOCK, two-way: the integration response template answers
    `{"route": "$context.routeKey", "id": "$context.connectionId"}`;
  - `echo` → AWS_PROXY to the function, two-way: the message comes back.

1. Echo: `wsbench echo` runs N clients (default 16) for BENCH_DURATION (default 10s; a 2 s
   warm-up first), each sending a ~40-byte message and waiting for the answer: against the echo
   server, the MOCK route and the Lambda route. Messages/s and p50/p90/p99; the ratio to the
   bare server (goal ≥ 0.8× on the MOCK route).
2. Idle connections: `wsbench hold` opens --idle clients (default 10,000; each learns its
   connection id from the MOCK route, then sits idle). Gatehouse's RSS before and after gives
   the memory per connection (goal < 10 KB). Then one PostToConnection per connection (boto3's
   signing, 16 threads, requests keep-alive) broadcasts a message: the time from the first post
   to the last message received, and Gatehouse's CPU time spent on it per post.

Prints the tables and appends them, with the date, commit and machine, to bench/RESULTS.md under
"WebSocket APIs" (unless --no-results-md or BENCH_NO_RESULTS_MD=1).
"""
import argparse
import concurrent.futures
import datetime
import io
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from pathlib import Path

import boto3
import requests
from deploy_latency import free_port
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
TOOLS = BENCH_DIR / "hello" / ".build" / "release"
REGION, ACCOUNT, STAGE = "us-east-1", "000000000000", "bench"
HANDLER = 'def handler(event, context):\n    return {"statusCode": 200, "body": event["body"]}\n'
MOCK_MESSAGE = '{"action": "none", "message": "hello, round trip"}'
LAMBDA_MESSAGE = '{"action": "echo", "message": "hello, round trip"}'
GOAL_RATIO = 0.8
GOAL_BYTES_PER_CONNECTION = 10 * 1024


def log(message):
    print(f"[websocket] {message}", file=sys.stderr, flush=True)


def rss_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_healthy(url, process):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{url} exited during startup")
        try:
            if requests.get(f"{url}/_gatehouse/health", timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    sys.exit(f"{url} did not start")


def wait_port(port):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"nothing listens on {port}")


def setup(url):
    """The function and the WebSocket API; returns the API id."""
    session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
    functions = session.client("lambda", endpoint_url=url)
    v2 = session.client("apigatewayv2", endpoint_url=url)
    name = f"ws-echo-{uuid.uuid4().hex[:8]}"
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", HANDLER)
    functions.create_function(FunctionName=name, Runtime="python3.11", Role=f"arn:aws:iam::{ACCOUNT}:role/bench",
                              Handler="app.handler", Code={"ZipFile": code.getvalue()}, MemorySize=256)
    functions.add_permission(FunctionName=name, StatementId="apigw", Action="lambda:InvokeFunction",
                             Principal="apigateway.amazonaws.com")
    api = v2.create_api(Name="bench", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action")["ApiId"]
    mock = v2.create_integration(ApiId=api, IntegrationType="MOCK", TemplateSelectionExpression="\\$default",
                                 RequestTemplates={"$default": '{"statusCode": 200}'})["IntegrationId"]
    v2.create_integration_response(ApiId=api, IntegrationId=mock, IntegrationResponseKey="$default",
                                   ResponseTemplates={"$default": '{"route": "$context.routeKey", "id": "$context.connectionId"}'})
    fn = v2.create_integration(ApiId=api, IntegrationType="AWS_PROXY",
                               IntegrationUri=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}")["IntegrationId"]
    for key, target in (("$default", mock), ("echo", fn)):
        route = v2.create_route(ApiId=api, RouteKey=key, Target=f"integrations/{target}")["RouteId"]
        v2.create_route_response(ApiId=api, RouteId=route, RouteResponseKey="$default")
    v2.create_stage(ApiId=api, StageName=STAGE, AutoDeploy=True)
    return api


def echo(url, connections, duration, message):
    subprocess.run([str(TOOLS / "wsbench"), "echo", url, str(connections), "2", message], check=True, capture_output=True)
    done = subprocess.run([str(TOOLS / "wsbench"), "echo", url, str(connections), str(duration), message],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def broadcast(url, api, ids, threads=16):
    """One PostToConnection per id; returns the epoch ms of the first post."""
    credentials = Credentials("test", "test")
    local = threading.local()

    def post(connection_id):
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        target = f"{url}/{api}/{STAGE}/%40connections/{connection_id.replace('=', '%3D')}"
        request = AWSRequest(method="POST", url=target, data=b"broadcast")
        SigV4Auth(credentials, "execute-api", REGION).add_auth(request)
        response = session.post(target, data=b"broadcast", headers=dict(request.headers), timeout=30)
        return response.status_code, response.text

    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        answers = list(pool.map(post, ids))
    refused = [answer for answer in answers if answer[0] != 200]
    if refused:
        log(f"{len(refused)} posts refused, e.g. {refused[0]}")
    return int(started * 1000), len(answers) - len(refused)


def hold(url, api, gatehouse, count, run_dir):
    ids_file = run_dir / "ids.txt"
    before = rss_kb(gatehouse.pid)
    holder = subprocess.Popen([str(TOOLS / "wsbench"), "hold", f"ws://127.0.0.1:{url.rsplit(':', 1)[1]}/{api}/{STAGE}",
                               str(count), "300", MOCK_MESSAGE, str(ids_file)], stdout=subprocess.PIPE, text=True)
    opened_at = time.monotonic()
    ready = holder.stdout.readline()
    if not ready.startswith("ready"):
        holder.kill()
        sys.exit(f"wsbench hold did not get ready: {ready!r}")
    open_seconds = time.monotonic() - opened_at
    time.sleep(3)
    after = rss_kb(gatehouse.pid)
    # The MOCK route answers {"route": …, "id": …}; the id is the connection id.
    ids = [json.loads(line)["id"] for line in ids_file.read_text().splitlines() if line]
    cpu_before = cpu_seconds(gatehouse.pid)
    first_post_ms, accepted = broadcast(url, api, ids)
    result = json.loads(holder.stdout.readline())
    holder.wait(timeout=60)
    return {
        "connections": len(ids), "open_seconds": open_seconds, "rss_before_kb": before, "rss_after_kb": after,
        "bytes_per_connection": (after - before) * 1024 / max(1, len(ids)), "posts_accepted": accepted,
        "received": result["received"], "broadcast_ms": result["last_ms"] - first_post_ms,
        "server_cpu_us_per_post": (cpu_seconds(gatehouse.pid) - cpu_before) * 1e6 / max(1, len(ids)),
    }


def commit():
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def render(rows, idle, connections, duration):
    reference = rows[0][1]["rate"]
    lines = [f"Echo round trips: {connections} clients, {duration} s each, one message in flight per client.", "",
             "| target | messages/s | p50 | p90 | p99 | vs echo server |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, row in rows:
        lines.append(f"| {name} | {row['rate']:,.0f} | {row['p50_us'] / 1000:.2f} ms | {row['p90_us'] / 1000:.2f} ms "
                     f"| {row['p99_us'] / 1000:.2f} ms | {row['rate'] / reference:.2f}× |")
    mock_ratio = rows[1][1]["rate"] / reference
    lines += ["", f"MOCK route: {mock_ratio:.2f}× the bare server (goal ≥ {GOAL_RATIO}×: {'met' if mock_ratio >= GOAL_RATIO else 'not met'})."]
    if idle:
        per = idle["bytes_per_connection"]
        lines += ["", f"Idle connections: {idle['connections']:,} opened in {idle['open_seconds']:.1f} s; Gatehouse RSS "
                  f"{idle['rss_before_kb'] / 1024:.1f} → {idle['rss_after_kb'] / 1024:.1f} MB: {per / 1024:.1f} KB per connection "
                  f"(goal < {GOAL_BYTES_PER_CONNECTION // 1024} KB: {'met' if per < GOAL_BYTES_PER_CONNECTION else 'not met'}).",
                  f"Broadcast: {idle['posts_accepted']:,} PostToConnection calls (16 client threads) reached {idle['received']:,} "
                  f"clients in {idle['broadcast_ms'] / 1000:.2f} s; Gatehouse spent {idle['server_cpu_us_per_post']:.0f} µs of CPU per post."]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=os.environ.get("GATEHOUSE_BIN", str(ROOT / ".build" / "release" / "gatehouse")))
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--idle", type=int, default=10_000)
    parser.add_argument("--no-results-md", action="store_true", default=os.environ.get("BENCH_NO_RESULTS_MD") == "1")
    args = parser.parse_args()
    duration = int(os.environ.get("BENCH_DURATION", "10").rstrip("s"))
    for tool in ("echo", "wsbench"):
        if not (TOOLS / tool).exists():
            sys.exit(f"no {TOOLS / tool}: run `swift build -c release` in bench/hello")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    # Gatehouse and wsbench each hold one descriptor per idle connection.
    if hard != resource.RLIM_INFINITY and args.idle + 1000 > hard:
        args.idle = max(0, hard - 1000)
        log(f"only {hard} open files allowed: holding {args.idle} idle connections")

    run_dir = Path(tempfile.mkdtemp(prefix="gatehouse-ws-bench-"))
    gatehouse_port, echo_port = free_port(), free_port()
    url = f"http://127.0.0.1:{gatehouse_port}"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}
    environment.update({"GATEHOUSE_MAX_CONNECTIONS": str(args.idle + 1000), "GATEHOUSE_WEBSOCKET_CONNECT_RATE": "1000000",
                        "GATEHOUSE_LOG_LEVEL": "warning"})
    gatehouse = subprocess.Popen([args.binary, "serve", "--host", "127.0.0.1", "--port", str(gatehouse_port),
                                  "--data-dir", str(run_dir / "data")], env=environment,
                                 stdout=open(run_dir / "gatehouse.log", "w"), stderr=subprocess.STDOUT)
    echo_server = subprocess.Popen([str(TOOLS / "echo"), str(echo_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(url, gatehouse)
        wait_port(echo_port)
        api = setup(url)
        endpoint = f"ws://127.0.0.1:{gatehouse_port}/{api}/{STAGE}"
        rows = []
        for name, target, message in (("hummingbird-websocket echo", f"ws://127.0.0.1:{echo_port}/", MOCK_MESSAGE),
                                      ("Gatehouse MOCK route", endpoint, MOCK_MESSAGE),
                                      ("Gatehouse Lambda route", endpoint, LAMBDA_MESSAGE)):
            log(f"echo: {name}")
            rows.append((name, echo(target, args.connections, duration, message)))
        idle = None
        if args.idle:
            log(f"idle: {args.idle} connections")
            idle = hold(url, api, gatehouse, args.idle, run_dir)
        report = render(rows, idle, args.connections, duration)
        print(report)
        if not args.no_results_md:
            stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            with open(BENCH_DIR / "RESULTS.md", "a") as results:
                results.write(f"\n## WebSocket APIs — {stamp}, commit {commit()}, {os.cpu_count()} cores\n\n{report}\n")
    finally:
        for process in (gatehouse, echo_server):
            process.terminate()
        for process in (gatehouse, echo_server):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
