#!/usr/bin/env python3
"""Turn one bench/run.sh run into a table.

    report.py RUN_DIR [--results-md bench/RESULTS.md]

RUN_DIR holds, for each target KEY below, KEY.wrk (the output of `wrk --latency`), KEY.rss-before
and KEY.rss-after (VmRSS in kB of the serving process(es) just before and after the measured load),
and meta.json written by run.sh; lambda.md, when present, is bench/lambda.py's table (functions). Prints a markdown table and the Gatehouse ratios; with
--results-md, appends them to that file as a dated section.
"""
import argparse
import json
import re
import sys
from pathlib import Path

TARGETS = [
    ("nginx-return", "nginx return 200"),
    ("hello", "Hummingbird hello"),
    ("gatehouse-mock", "Gatehouse MOCK"),
    ("gatehouse-template", "Gatehouse MOCK + #foreach template"),
    ("gatehouse-keyed", "Gatehouse MOCK + API key and usage plan"),
    ("gatehouse-authorized", "Gatehouse MOCK + cached Lambda authorizer"),
    ("nginx-proxy", "nginx proxy_pass"),
    ("gatehouse-proxy", "Gatehouse HTTP_PROXY"),
]
RATIOS = [
    ("gatehouse-mock", "hello", "Gatehouse MOCK / Hummingbird hello"),
    ("gatehouse-mock", "nginx-return", "Gatehouse MOCK / nginx return 200"),
    ("gatehouse-template", "gatehouse-mock", "Gatehouse MOCK + #foreach template / plain MOCK"),
    ("gatehouse-keyed", "gatehouse-mock", "Gatehouse MOCK + API key and usage plan / plain MOCK"),
    ("gatehouse-authorized", "gatehouse-mock", "Gatehouse MOCK + cached Lambda authorizer / plain MOCK"),
    ("gatehouse-proxy", "nginx-proxy", "Gatehouse HTTP_PROXY / nginx proxy_pass"),
]
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def to_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        raise ValueError(f"unparsable wrk latency {text!r}")
    return float(match.group(1)) * UNITS[match.group(2)]


def parse_wrk(text: str) -> dict:
    result = {"rps": None, "p50": None, "p75": None, "p90": None, "p99": None,
              "requests": None, "non2xx": 0, "socket_errors": 0}
    if m := re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M):
        result["rps"] = float(m.group(1))
    if m := re.search(r"^\s*(\d+) requests in", text, re.M):
        result["requests"] = int(m.group(1))
    for pct in ("50", "75", "90", "99"):
        if m := re.search(rf"^\s+{pct}%\s+(\S+)", text, re.M):
            result[f"p{pct}"] = to_ms(m.group(1))
    if m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text):
        result["non2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text):
        result["socket_errors"] = sum(int(x) for x in m.groups())
    return result


def read_kb(path: Path):
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def fmt_ms(value) -> str:
    if value is None:
        return "n/a"
    return f"{value * 1000:.0f} µs" if value < 1 else f"{value:.2f} ms"


def fmt_mb(kb) -> str:
    return "n/a" if kb is None else f"{kb / 1024:.1f} MB"


def fmt_ratio(a, b) -> str:
    return "n/a" if a is None or not b else f"{a / b:.2f}×"


def build_report(run_dir: Path) -> str:
    meta = json.loads((run_dir / "meta.json").read_text())
    rows = {}
    for key, _ in TARGETS:
        wrk = run_dir / f"{key}.wrk"
        rows[key] = parse_wrk(wrk.read_text()) if wrk.exists() else None
        if rows[key] is not None:
            rows[key]["rss_before"] = read_kb(run_dir / f"{key}.rss-before")
            rows[key]["rss_after"] = read_kb(run_dir / f"{key}.rss-after")

    out = []
    out.append(f"## {meta['date']}")
    out.append("")
    out.append(f"Gatehouse commit `{meta.get('commit', '?')}`; wrk `-t{meta['threads']} -c{meta['connections']} "
               f"-d{meta['duration']} --latency` after a {meta['warmup']} warm-up per target; "
               f"{meta.get('nproc', '?')} cores ({meta.get('cpu', '?')}); pinning: {meta.get('pin', 'off')}; "
               f"{meta.get('swift', '')}; nginx {meta.get('nginx', '?')} (1 worker).")
    out.append("")
    if meta.get("gatehouse_idle_rss") is not None:
        out.append(f"Gatehouse idle RSS (started, API deployed, before any load): "
                   f"{fmt_mb(meta['gatehouse_idle_rss'])}. Hummingbird hello idle RSS: {fmt_mb(meta.get('hello_idle_rss'))}.")
        out.append("")
    out.append("| target | req/s | p50 | p75 | p90 | p99 | RSS before | RSS after | non-2xx | socket errors |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for key, label in TARGETS:
        r = rows[key]
        if r is None:
            out.append(f"| {label} | not run | | | | | | | | |")
            continue
        rps = "n/a" if r["rps"] is None else f"{r['rps']:,.0f}"
        out.append(f"| {label} | {rps} | {fmt_ms(r['p50'])} | {fmt_ms(r['p75'])} | {fmt_ms(r['p90'])} | "
                   f"{fmt_ms(r['p99'])} | {fmt_mb(r['rss_before'])} | {fmt_mb(r['rss_after'])} | "
                   f"{r['non2xx']} | {r['socket_errors']} |")
    out.append("")
    out.append("| ratio | req/s | p99 |")
    out.append("| --- | ---: | ---: |")
    for a, b, label in RATIOS:
        ra, rb = rows.get(a), rows.get(b)
        if ra is None or rb is None:
            out.append(f"| {label} | n/a | n/a |")
            continue
        out.append(f"| {label} | {fmt_ratio(ra['rps'], rb['rps'])} | {fmt_ratio(ra['p99'], rb['p99'])} |")
    out.append("")
    out.append("RSS is VmRSS from /proc (nginx: master + worker of the front instance; the shared upstream "
               "nginx is not counted). A req/s ratio below 1 and a p99 ratio above 1 mean Gatehouse is slower.")
    if meta.get("loadavg"):
        out.append(f"Load average after the run: {meta['loadavg']}.")
    if meta.get("busy"):
        out.append("")
        out.append(f"**Warning**: another swift build was running during: {meta['busy']}; those numbers are skewed.")
    lambda_md = run_dir / "lambda.md"
    lambda_status = meta.get("lambda", "")
    if lambda_md.exists() and lambda_md.read_text().strip():
        out.append("")
        out.append("### Functions (bench/lambda.py, same Gatehouse, after the wrk runs)")
        out.append("")
        out.append(lambda_md.read_text().rstrip("\n"))
    if lambda_status.startswith("failed"):
        out.append("")
        out.append(f"**Warning**: the functions benchmark {lambda_status}; see lambda.log in the run directory.")
    bad = [label for key, label in TARGETS if rows[key] and (rows[key]["non2xx"] or rows[key]["socket_errors"] or rows[key]["rps"] is None)]
    if bad:
        out.append("")
        out.append(f"**Warning**: errors or missing numbers for {', '.join(bad)}; see the raw wrk output.")
    out.append("")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--results-md", type=Path)
    args = parser.parse_args()
    report = build_report(args.run_dir)
    print(report)
    if args.results_md:
        new = not args.results_md.exists()
        with args.results_md.open("a") as f:
            if new:
                f.write("# Gatehouse benchmark results\n\n"
                        "Appended by `bench/run.sh` (one section per run). Numbers from a shared 2-core machine "
                        "where wrk and the servers compete for the same cores: compare rows within a section, "
                        "not across machines.\n\n")
            f.write(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
