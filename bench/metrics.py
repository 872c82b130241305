#!/usr/bin/env python3
"""What counting costs: a MOCK route's throughput with the planes' metrics on and off, side by side.

    metrics.py [--binary .build/release/gatehouse] [--duration 10] [--rounds 2]

Starts two Gatehouse servers from the same binary (GATEHOUSE_METRICS=on and off), deploys the
same REST API on each (GET /hello, a MOCK answering 200 "hello"), and runs `wrk -t2 -c32
--latency` against each in turn, round after round, after a 2 s warm-up. Prints req/s and p99 per
round and the ratio of the medians (goal: metrics on ≥ 0.97× off).
"""
import argparse
import importlib.util
import json
import statistics
import subprocess
from pathlib import Path

import boto3

HERE = Path(__file__).resolve().parent


def load(name):
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sandbox, report = load("sandbox"), load("report")


def mock_route(url):
    """Deploys GET /hello (MOCK, 200 "hello") on stage bench; its invoke URL."""
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
    apigw.create_deployment(restApiId=api["id"], stageName="bench")
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
    servers = {kind: sandbox.Server(options.binary, {"GATEHOUSE_METRICS": kind}) for kind in ("on", "off")}
    try:
        urls = {kind: mock_route(server.url) for kind, server in servers.items()}
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
        print(f"| metrics {kind} | {cells} | {medians[kind]:,.0f} |")
    print(f"\nmetrics on / off: {medians['on'] / medians['off']:.3f}× (goal ≥ 0.97×)")


if __name__ == "__main__":
    main()
