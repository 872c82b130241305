#!/usr/bin/env python3
"""What observing costs: a MOCK route's throughput with metrics off, on, and on with every
request traced and its spans exported, side by side.

    metrics.py [--binary .build/release/gatehouse] [--duration 10] [--rounds 2]

Starts three Gatehouse servers from the same binary — GATEHOUSE_METRICS=off; on; on with
OTEL_EXPORTER_OTLP_ENDPOINT pointing at a collector in this process (which reads and discards
what it gets) and the stage's tracingEnabled, so every request is sampled and exported — deploys
the same REST API on each (GET /hello, a MOCK answering 200 "hello"), and runs `wrk -t2 -c32
--latency` against each in turn, round after round, after a 2 s warm-up. Prints req/s and p99 per
round and the ratios of the medians (goal: metrics on ≥ 0.97× off).
"""
import argparse
import http.server
import importlib.util
import json
import statistics
import subprocess
import threading
from pathlib import Path

import boto3

HERE = Path(__file__).resolve().parent


def load(name):
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sandbox, report = load("sandbox"), load("report")


def collector():
    """An OTLP/HTTP receiver that counts the spans it is sent; (its URL, the count so far)."""
    received = [0]

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received[0] += sum(len(scope["spans"]) for resource in body["resourceSpans"] for scope in resource["scopeSpans"])
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", received


def mock_route(url, traced=False):
    """Deploys GET /hello (MOCK, 200 "hello") on stage bench (`tracingEnabled` when `traced`); its invoke URL."""
    apigw = boto3.client("apigateway", endpoint_url=url, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    apigw.update_account(patchOperations=[{"op": "replace", "path": "/throttleSettings/rateLimit", "value": "1000000"},
                                          {"op": "replace", "path": "/throttleSettings/burstLimit", "value": "1000000"}])
    api = apigw.create_rest_api(name="metrics-bench")
    resource = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="hello")["id"]
    apigw.put_method(restApiId=api["id"], resourceId=resource, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api["id"], resourceId=resource, httpMethod="GET", type="MOCK",
                          requestTemplates={"application/json": json.dumps({"statusCode": 200})})
    apigw.put_method_response(restApiId=api["id"], resourceId=resource, httpMethod="GET", statusCode="200")
    apigw.put_integration_response(restApiId=api["id"], resourceId=resource, httpMethod="GET", statusCode="200",
                                   responseTemplates={"application/json": "hello"})
    apigw.create_deployment(restApiId=api["id"], stageName="bench", tracingEnabled=traced)
    return f"{url}/restapis/{api['id']}/bench/_user_request_/hello"


def wrk(url, seconds):
    subprocess.run(["wrk", "-t2", "-c32", "-d2s", url], check=True, capture_output=True)
    result = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", url], check=True, capture_output=True, text=True)
    parsed = report.parse_wrk(result.stdout)
    if parsed["non2xx"] or parsed["socket_errors"]:
        raise RuntimeError(f"wrk saw errors against {url}:\n{result.stdout}")
    return parsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=str(HERE.parent / ".build/release/gatehouse"))
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    collector_url, spans = collector()
    servers = {
        "metrics off": sandbox.Server(options.binary, {"GATEHOUSE_METRICS": "off"}),
        "metrics on": sandbox.Server(options.binary, {"GATEHOUSE_METRICS": "on"}),
        "metrics on, every request traced": sandbox.Server(options.binary, {"OTEL_EXPORTER_OTLP_ENDPOINT": collector_url}),
    }
    try:
        urls = {kind: mock_route(server.url, traced="traced" in kind) for kind, server in servers.items()}
        runs = {kind: [] for kind in servers}
        for _ in range(options.rounds):
            for kind, url in urls.items():
                runs[kind].append(wrk(url, options.duration))
    finally:
        for server in servers.values():
            server.stop()
    print(f"| MOCK route, wrk -t2 -c32 {options.duration}s | " + " | ".join(f"round {i + 1} req/s (p99)" for i in range(options.rounds)) + " | median req/s |")
    print("| --- |" + " ---: |" * (options.rounds + 1))
    medians = {}
    for kind, results in runs.items():
        medians[kind] = statistics.median(r["rps"] for r in results)
        cells = " | ".join(f"{r['rps']:,.0f} ({report.fmt_ms(r['p99'])})" for r in results)
        print(f"| {kind} | {cells} | {medians[kind]:,.0f} |")
    print(f"\nmetrics on / off: {medians['metrics on'] / medians['metrics off']:.3f}× (goal ≥ 0.97×)")
    print(f"traced and exported / metrics on: {medians['metrics on, every request traced'] / medians['metrics on']:.3f}× "
          f"({spans[0]:,} spans received)")


if __name__ == "__main__":
    main()
