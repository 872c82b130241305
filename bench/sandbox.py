#!/usr/bin/env python3
"""What the function sandbox costs: cold start and warm invokes with and without it, side by side.

    sandbox.py [--binary .build/release/gatehouse] [--rounds 2] [--quick]

Starts two Gatehouse servers from the same binary, one with GATEHOUSE_SANDBOX=off and one with
the sandbox on (bubblewrap must be installed), and runs bench/lambda.py's cold-start (one fresh
function at a time, alternating servers) and warm sequential measurements against each, so both
see the same machine. Prints a markdown table of the medians and the difference (sandbox - none).
"""
import argparse
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

COLD_STARTS = 10  # a round's cold starts on each server, alternating
HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("lambda_bench", HERE / "lambda.py")
lambda_bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lambda_bench)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A Gatehouse from `binary` on a free port with a temporary data directory, started with the
    caller's environment (less GATEHOUSE_*) plus `settings`."""

    def __init__(self, binary, settings):
        label = "".join(c if c.isalnum() else "-" for c in "-".join(f"{k}-{v}" for k, v in settings.items()).lower())
        self.directory = tempfile.mkdtemp(prefix=f"gatehouse-bench-{label}-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(self.directory, "server.log"), "wb")
        environment = {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}
        environment.update(settings)
        self.process = subprocess.Popen(
            [binary, "serve", "--port", str(self.port), "--data-dir", os.path.join(self.directory, "data")],
            stdout=self.log, stderr=self.log, env=environment)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/_gatehouse/health", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"the {label} server did not start: {Path(self.log.name).read_text()}")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=15)
        self.log.close()
        shutil.rmtree(self.directory, ignore_errors=True)


def cold(bench):
    """One cold start (CreateFunction → first response) on `bench`'s server, of a function of a
    new name (a name's log keeps its earlier REPORT lines): its figures."""
    bench.tag = uuid.uuid4().hex[:8]
    bench.cold_start()
    return bench.results


def warm(bench):
    name = "bench-warm-sandbox"
    if name not in bench.created:
        bench.create(name)
        bench.invoke(bench.lam, name)
    bench.warm_sequential(name)
    return bench.results


ROWS = [
    ("Cold start: CreateFunction → first Invoke response", "cold_total"),
    ("… CreateFunction call", "cold_create"),
    ("… first Invoke (spawn worker, import, handler)", "cold_first_invoke"),
    ("… REPORT Init Duration (spawn → first /next)", "cold_init_duration"),
    ("Warm Invoke, requests + SigV4, sequential", "raw_sequential"),
    ("… REPORT Duration (event handed → response)", "report_raw_sequential"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=str(HERE.parent / ".build/release/gatehouse"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args()
    if not shutil.which("bwrap"):
        sys.exit("bubblewrap is not installed (apt-get install bubblewrap)")
    lambda_bench.COLD_RUNS = 1  # cold starts alternate between the servers one by one
    servers = {"none": Server(options.binary, {"GATEHOUSE_SANDBOX": "off"}), "sandbox": Server(options.binary, {"GATEHOUSE_SANDBOX": "required"})}
    benches = {kind: lambda_bench.Bench(server.url, options.quick) for kind, server in servers.items()}
    samples = {kind: {key: [] for _, key in ROWS} for kind in servers}
    try:
        for round in range(options.rounds):
            for _ in range(COLD_STARTS):
                for kind, bench in benches.items():
                    results = cold(bench)
                    for _, key in ROWS[:4]:
                        samples[kind][key].extend([results[key]["p50"]] if results[key]["p50"] is not None else [])
            for kind, bench in benches.items():
                results = warm(bench)
                for _, key in ROWS[4:]:
                    samples[kind][key].append(results[key]["p50"])
    finally:
        for kind, bench in benches.items():
            for name in list(bench.created):
                bench.delete(name)
        for server in servers.values():
            server.stop()
    print(f"| python3.11, median of {options.rounds * COLD_STARTS} cold starts / {options.rounds} warm runs' p50s | no sandbox | sandbox | difference |")
    print("| --- | ---: | ---: | ---: |")
    for label, key in ROWS:
        none, sandbox = (lambda_bench.percentile(samples[kind][key], 50) for kind in ("none", "sandbox"))
        print(f"| {label} | {none:.2f} ms | {sandbox:.2f} ms | {sandbox - none:+.2f} ms |")


if __name__ == "__main__":
    main()
