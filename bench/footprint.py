#!/usr/bin/env python3
"""Memory: Gatehouse's resident set idle, and holding 10,000 deployed routes across 100 REST APIs.

    footprint.py [--apis N] [--resources M] [--no-results-md]

Starts its own `gatehouse serve` (as bench/deploy_latency.py does: $GATEHOUSE_BIN, else the
release build; temporary data directory), waits 3 s and reads its RSS (anonymous and file-backed
apart: file-backed pages are the binary's and libraries' code, shared and reclaimable). Then
8 boto3 threads create N APIs (default 100) of M resources (default 100), each with GET → MOCK,
each deployed to a stage: N × M routes compiled into the data plane. RSS again, then again after
a restart over the same store (what the routes cost without the history of building them).

Goals (issue 17): idle < 40 MiB; 10,000 routes < 80 MiB. Prints a table and appends it to
bench/RESULTS.md under "Memory" (unless --no-results-md or BENCH_NO_RESULTS_MD=1).
"""
import argparse
import datetime
import os
import subprocess
import time
from pathlib import Path

import deploy_latency as bench

GOAL_IDLE_MB, GOAL_ROUTES_MB = 40, 80


def memory(server):
    """(total, anonymous, file-backed) resident MiB of the server process."""
    fields = {}
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssFile"):
            fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["RssAnon"], fields["RssFile"]


def settled(server):
    time.sleep(3)
    return memory(server)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--apis", type=int, default=100)
    parser.add_argument("--resources", type=int, default=100)
    parser.add_argument("--no-results-md", action="store_true", default=os.environ.get("BENCH_NO_RESULTS_MD") == "1")
    args = parser.parse_args()
    routes = args.apis * args.resources
    server = bench.Server(bench.gatehouse_binary())
    try:
        server.start()
        rows = [("idle, empty store", settled(server))]
        bench.RESOURCES_PER_API = args.resources
        seconds, calls = bench.populate(server, args.apis, "footprint")
        rows.append((f"{routes:,} routes, after building them ({calls:,} calls in {seconds:.0f} s)", settled(server)))
        server.restart()
        rows.append((f"{routes:,} routes, after a restart", settled(server)))
    finally:
        server.stop()
    lines = ["| state | RSS | anonymous | file-backed |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {name} | {total:.1f} MiB | {anon:.1f} MiB | {file:.1f} MiB |" for name, (total, anon, file) in rows]
    idle, loaded = rows[0][1][0], max(rows[1][1][0], rows[2][1][0])
    lines += ["", f"Idle: {idle:.1f} MiB (goal < {GOAL_IDLE_MB} MiB: {'met' if idle < GOAL_IDLE_MB else 'not met'}). "
              f"{routes:,} routes: {loaded:.1f} MiB at most (goal < {GOAL_ROUTES_MB} MiB: "
              f"{'met' if loaded < GOAL_ROUTES_MB else 'not met'})."]
    report = "\n".join(lines)
    print(report)
    if not args.no_results_md:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        commit = subprocess.run(["git", "-C", str(bench.ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        with open(bench.BENCH_DIR / "RESULTS.md", "a") as results:
            results.write(f"\n## Memory — {stamp}, commit {commit}, {os.cpu_count()} cores\n\n{report}\n")


if __name__ == "__main__":
    main()
