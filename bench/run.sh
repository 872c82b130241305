#!/usr/bin/env bash
# Gatehouse benchmark: Gatehouse's data plane against nginx and a bare Hummingbird server, on loopback.
#
#   bench/run.sh
#
# Installs nginx, wrk and curl with apt-get when missing, builds release binaries of gatehouse and
# bench/hello, starts (on free 127.0.0.1 ports) an upstream nginx, a front nginx (return 200 and
# proxy_pass), the Hummingbird hello server and Gatehouse (temporary data dir), creates the bench API
# with setup.py, then for each target checks the body is "hello", warms up and runs wrk --latency:
#
#   nginx return 200 | Hummingbird hello | Gatehouse MOCK | nginx proxy_pass | Gatehouse HTTP_PROXY
#
# Then, on the same Gatehouse, bench/lambda.py measures functions (a python3.11 worker under
# awslambdaric): cold start, warm invoke latency and throughput, 4 concurrent clients.
#
# It prints a table (req/s, p50..p99, RSS) with the Gatehouse ratios, and the functions table, and
# appends them to bench/RESULTS.md; raw wrk output and logs stay in bench/results/<timestamp>/. Everything it
# started is stopped on exit.
#
# Then, on the same Gatehouse and nginx, bench/http_api.py puts one function and the upstream behind
# a REST API and an HTTP API and compares them (wrk, and the warm Lambda added latency); it prints
# its tables and appends them to bench/RESULTS.md as a section of its own, "HTTP API vs REST".
#
# Last, bench/websocket.py (its own Gatehouse and bench/hello's hummingbird-websocket echo server)
# measures WebSocket echo round trips (MOCK and Lambda routes against the bare echo server), the
# memory of 10,000 idle connections and a broadcast to them; its section is "WebSocket APIs".
# And bench/footprint.py (its own Gatehouse) measures the resident set idle and with 10,000
# deployed routes across 100 REST APIs; its section is "Memory".
# And bench/cache.py (its own Gatehouse) puts GET /mock (MOCK), GET /fn (a function) and GET /cached
# (the same function, with the stage cache on for that method) behind one REST API and compares a
# cache hit's throughput with the MOCK route's and the uncached function's; its section is "Stage cache".
#
# Environment:
#   BENCH_DURATION     wrk duration per target (default 10s; a bare number means seconds)
#   BENCH_WARMUP       warm-up duration per target (default 2s)
#   BENCH_THREADS      wrk threads (default 2)
#   BENCH_CONNECTIONS  wrk connections (default 32)
#   BENCH_PIN          1: servers on CPU 0, wrk on CPU 1 (taskset); default 0, no pinning
#   BENCH_SKIP_BUILD   1: use the existing release binaries
#   BENCH_SKIP_LAMBDA  1: skip the functions benchmark (bench/lambda.py)
#   BENCH_SKIP_HTTP_API 1: skip the HTTP API vs REST benchmark (bench/http_api.py)
#   BENCH_SKIP_WEBSOCKET 1: skip the WebSocket benchmark (bench/websocket.py)
#   BENCH_SKIP_FOOTPRINT 1: skip the memory benchmark (bench/footprint.py)
#   BENCH_SKIP_CACHE   1: skip the stage cache benchmark (bench/cache.py)
#   BENCH_NO_RESULTS_MD 1: do not append to bench/RESULTS.md
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
PYTHON=${PYTHON:-python3}

seconds() { [[ $1 =~ ^[0-9]+$ ]] && echo "${1}s" || echo "$1"; }
DURATION=$(seconds "${BENCH_DURATION:-10s}")
WARMUP=$(seconds "${BENCH_WARMUP:-2s}")
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
PIN=${BENCH_PIN:-0}
SKIP_BUILD=${BENCH_SKIP_BUILD:-0}
SKIP_LAMBDA=${BENCH_SKIP_LAMBDA:-0}
SKIP_HTTP_API=${BENCH_SKIP_HTTP_API:-0}
SKIP_WEBSOCKET=${BENCH_SKIP_WEBSOCKET:-0}
SKIP_FOOTPRINT=${BENCH_SKIP_FOOTPRINT:-0}
SKIP_CACHE=${BENCH_SKIP_CACHE:-0}

# Loopback only, never through a proxy.
export no_proxy="127.0.0.1,localhost" NO_PROXY="127.0.0.1,localhost"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
# Gatehouse takes its settings from flags below, not from the caller's environment.
for var in ${!GATEHOUSE_@}; do unset "$var"; done

if [[ $PIN == 1 ]]; then SERVER_CPU=(taskset -c 0); LOAD_CPU=(taskset -c 1); else SERVER_CPU=(); LOAD_CPU=(); fi

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- processes and cleanup
PIDS=()
DATA_DIR=""
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    local deadline=$((SECONDS + 10))
    for pid in "${PIDS[@]}"; do
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    [[ -n $DATA_DIR ]] && rm -rf "$DATA_DIR"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME CMD...: run CMD in the background (on the server CPU), output to $RUN_DIR/NAME.log
start() {
    local name=$1; shift
    "${SERVER_CPU[@]}" "$@" >"$RUN_DIR/$name.log" 2>&1 &
    PIDS+=($!)
    LAST_PID=$!
}

# rss_kb PID...: summed VmRSS in kB
rss_kb() {
    local total=0 value
    for pid in "$@"; do
        value=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
        total=$((total + ${value:-0}))
    done
    echo "$total"
}

# wait_body URL EXPECTED TIMEOUT_S PID: until URL answers 200 with exactly EXPECTED ("" = any 200 body)
wait_body() {
    local url=$1 expected=$2 timeout=$3 pid=$4 body="" deadline=$((SECONDS + $3))
    while ((SECONDS < deadline)); do
        kill -0 "$pid" 2>/dev/null || die "process $pid serving $url exited; see $RUN_DIR/*.log"
        if body=$(curl -sf --noproxy '*' --max-time 2 "$url" 2>/dev/null); then
            [[ -z $expected || $body == "$expected" ]] && return 0
        fi
        sleep 0.2
    done
    die "$url did not answer '$expected' within ${timeout}s (last body: '${body}')"
}

free_ports() {
    "$PYTHON" - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# ---------------------------------------------------------------- tools
missing=()
command -v nginx >/dev/null || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
if ((${#missing[@]})); then
    log "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq
    timeout 900 apt-get install -y -qq "${missing[@]}" >/dev/null
fi
"$PYTHON" -c 'import boto3' 2>/dev/null || timeout 600 "$PYTHON" -m pip install --quiet --disable-pip-version-check boto3
if [[ $SKIP_LAMBDA != 1 || $SKIP_HTTP_API != 1 || $SKIP_CACHE != 1 ]]; then
    # lambda.py, http_api.py and cache.py use requests (the first two sign raw requests themselves); Gatehouse runs Python functions under awslambdaric (from python3 on PATH).
    "$PYTHON" -c 'import requests' 2>/dev/null || timeout 600 "$PYTHON" -m pip install --quiet --disable-pip-version-check requests
    python3 -c 'import awslambdaric' 2>/dev/null || timeout 600 python3 -m pip install --quiet --disable-pip-version-check awslambdaric
fi

# ---------------------------------------------------------------- builds
# wait_for_other_builds [soft]: wait up to 20 minutes for other swift builds to end; then die,
# or with "soft" go on (the caller flags the measurement).
wait_for_other_builds() {
    local waited=0
    while pgrep -f swift-build >/dev/null; do
        if ((waited >= 1200)); then
            [[ ${1:-} == soft ]] && return 0
            die "another swift build is still running after 20 minutes"
        fi
        log "another swift build is running; waiting ($waited s so far)"
        sleep 30
        waited=$((waited + 30))
    done
}

GATEHOUSE_BIN=$ROOT/.build/release/gatehouse
HELLO_BIN=$BENCH_DIR/hello/.build/release/hello
if [[ $SKIP_BUILD != 1 ]]; then
    wait_for_other_builds
    log "building gatehouse (release; several minutes on 2 cores)"
    (cd "$ROOT" && timeout 3600 swift build -c release --product gatehouse)
    wait_for_other_builds
    log "building bench/hello (release)"
    (cd "$BENCH_DIR/hello" && timeout 1800 swift build -c release)
fi
[[ -x $GATEHOUSE_BIN ]] || die "no $GATEHOUSE_BIN"
[[ -x $HELLO_BIN ]] || die "no $HELLO_BIN"

# ---------------------------------------------------------------- servers
STAMP=$(date -u +%Y%m%d-%H%M%S)
RUN_DIR=$BENCH_DIR/results/$STAMP
mkdir -p "$RUN_DIR"
DATA_DIR=$(mktemp -d /tmp/gatehouse-bench.XXXXXX)
read -r RETURN_PORT PROXY_PORT UPSTREAM_PORT HELLO_PORT GATEHOUSE_PORT <<<"$(free_ports 5)"
log "results in $RUN_DIR"

# render_nginx ROLE: write $RUN_DIR/nginx-ROLE/nginx.conf from the template, keeping ROLE's blocks
render_nginx() {
    local role=$1 dir=$RUN_DIR/nginx-$1
    mkdir -p "$dir"
    chmod 755 "$dir"
    awk -v role="$role" '
        /^#@front-begin/ { section = "front"; next }
        /^#@upstream-begin/ { section = "upstream"; next }
        /^#@(front|upstream)-end/ { section = ""; next }
        section == "" || section == role { print }
    ' "$BENCH_DIR/nginx.conf.template" | sed \
        -e "s|@RUNDIR@|$dir|g" -e "s|@RETURN_PORT@|$RETURN_PORT|g" \
        -e "s|@PROXY_PORT@|$PROXY_PORT|g" -e "s|@UPSTREAM_PORT@|$UPSTREAM_PORT|g" >"$dir/nginx.conf"
    timeout 10 nginx -t -q -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" || die "bad nginx config $dir/nginx.conf"
}

render_nginx upstream
start nginx-upstream nginx -p "$RUN_DIR/nginx-upstream" -c "$RUN_DIR/nginx-upstream/nginx.conf" -e "$RUN_DIR/nginx-upstream/error.log"
UPSTREAM_PID=$LAST_PID
render_nginx front
start nginx-front nginx -p "$RUN_DIR/nginx-front" -c "$RUN_DIR/nginx-front/nginx.conf" -e "$RUN_DIR/nginx-front/error.log"
FRONT_PID=$LAST_PID
start hello "$HELLO_BIN" "$HELLO_PORT"
HELLO_PID=$LAST_PID
start gatehouse "$GATEHOUSE_BIN" serve --host 127.0.0.1 --port "$GATEHOUSE_PORT" --data-dir "$DATA_DIR"
GATEHOUSE_PID=$LAST_PID

UPSTREAM_URL=http://127.0.0.1:$UPSTREAM_PORT/
GATEHOUSE_URL=http://127.0.0.1:$GATEHOUSE_PORT
wait_body "$UPSTREAM_URL" hello 15 "$UPSTREAM_PID"
wait_body "http://127.0.0.1:$RETURN_PORT/" hello 15 "$FRONT_PID"
wait_body "http://127.0.0.1:$PROXY_PORT/" hello 15 "$FRONT_PID"
wait_body "http://127.0.0.1:$HELLO_PORT/" hello 30 "$HELLO_PID"
wait_body "$GATEHOUSE_URL/_gatehouse/health" "" 30 "$GATEHOUSE_PID"
FRONT_PIDS=("$FRONT_PID" $(pgrep -P "$FRONT_PID" || true))

log "creating the bench API"
mapfile -t ROUTES < <(timeout 120 "$PYTHON" "$BENCH_DIR/setup.py" "$GATEHOUSE_URL" "$UPSTREAM_URL")
((${#ROUTES[@]} == 5)) || die "setup.py did not print five routes"
# Each line is a URL, then optionally a tab and the header the route needs.
MOCK_URL=${ROUTES[0]}
PROXY_URL=${ROUTES[1]}
TEMPLATE_URL=${ROUTES[2]}
IFS=$'\t' read -r KEYED_URL KEYED_HEADER <<<"${ROUTES[3]}"
IFS=$'\t' read -r AUTHORIZED_URL AUTHORIZED_HEADER <<<"${ROUTES[4]}"
log "MOCK:       $MOCK_URL"
log "HTTP_PROXY: $PROXY_URL"
log "MOCK+VTL:   $TEMPLATE_URL"
log "MOCK+key:   $KEYED_URL ($KEYED_HEADER)"
log "MOCK+auth:  $AUTHORIZED_URL ($AUTHORIZED_HEADER)"
# Gatehouse picks deployments up within about a second.
wait_body "$MOCK_URL" hello 30 "$GATEHOUSE_PID"
wait_body "$PROXY_URL" hello 30 "$GATEHOUSE_PID"
wait_body "$TEMPLATE_URL" hello 30 "$GATEHOUSE_PID"

sleep 1
GATEHOUSE_IDLE_RSS=$(rss_kb "$GATEHOUSE_PID")
HELLO_IDLE_RSS=$(rss_kb "$HELLO_PID")
log "idle RSS: gatehouse $GATEHOUSE_IDLE_RSS kB, hello $HELLO_IDLE_RSS kB"

# ---------------------------------------------------------------- load
# Two cores: a compiler running beside the load would skew every number, so wait for quiet first
# and flag any swift build seen during a measurement.
wait_for_other_builds
BUSY=()
WRK_LIMIT=$(( $(sed 's/[^0-9]//g' <<<"$DURATION") * 60 + 60 )) # generous bound even for "1m"-style durations

# measure KEY URL [--header H] PID...: check the body, warm up, run wrk with RSS before and after
measure() {
    local key=$1 url=$2; shift 2
    local body header=()
    if [[ ${1:-} == --header ]]; then header=(-H "$2"); shift 2; fi
    body=$(curl -s --noproxy '*' --max-time 5 "${header[@]}" "$url" || true)
    [[ $body == hello ]] || die "$key: $url answered '$body', not 'hello'"
    log "$key: warm-up $WARMUP"
    timeout "$WRK_LIMIT" "${LOAD_CPU[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" --timeout 5s "${header[@]}" "$url" >"$RUN_DIR/$key.warmup" 2>&1 \
        || die "$key: warm-up failed: $(cat "$RUN_DIR/$key.warmup")"
    sleep 1
    rss_kb "$@" >"$RUN_DIR/$key.rss-before"
    log "$key: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $url"
    timeout "$WRK_LIMIT" "${LOAD_CPU[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 5s --latency "${header[@]}" "$url" >"$RUN_DIR/$key.wrk" 2>&1 \
        || die "$key: wrk failed: $(cat "$RUN_DIR/$key.wrk")"
    rss_kb "$@" >"$RUN_DIR/$key.rss-after"
    if pgrep -f swift-build >/dev/null; then
        BUSY+=("$key")
        log "$key: WARNING: a swift build was running at the end of this measurement"
    fi
    log "$key: $(grep -E '^Requests/sec' "$RUN_DIR/$key.wrk" || echo 'no Requests/sec line')"
    sleep 1
}

measure nginx-return "http://127.0.0.1:$RETURN_PORT/" "${FRONT_PIDS[@]}"
measure hello "http://127.0.0.1:$HELLO_PORT/" "$HELLO_PID"
measure gatehouse-mock "$MOCK_URL" "$GATEHOUSE_PID"
measure gatehouse-template "$TEMPLATE_URL" "$GATEHOUSE_PID"
measure gatehouse-keyed "$KEYED_URL" --header "$KEYED_HEADER" "$GATEHOUSE_PID"
measure gatehouse-authorized "$AUTHORIZED_URL" --header "$AUTHORIZED_HEADER" "$GATEHOUSE_PID"
measure nginx-proxy "http://127.0.0.1:$PROXY_PORT/" "${FRONT_PIDS[@]}"
measure gatehouse-proxy "$PROXY_URL" "$GATEHOUSE_PID"

# ---------------------------------------------------------------- functions
# Same Gatehouse process. lambda.py prints its table (also when it stops early) and exits non-zero
# on failure; a failure is reported, it does not lose the wrk results. Bounded to 60 s.
LAMBDA_STATUS=skipped
if [[ $SKIP_LAMBDA != 1 ]]; then
    wait_for_other_builds soft
    log "functions: bench/lambda.py (cold start, warm invokes, 4 threads)"
    lambda_rc=0
    timeout 60 "$PYTHON" "$BENCH_DIR/lambda.py" "$GATEHOUSE_URL" --pid "$GATEHOUSE_PID" --json "$RUN_DIR/lambda.json" \
        >"$RUN_DIR/lambda.md" 2>"$RUN_DIR/lambda.log" || lambda_rc=$?
    if ((lambda_rc == 0)); then
        LAMBDA_STATUS=ok
    else
        LAMBDA_STATUS="failed (exit $lambda_rc)"
        ((lambda_rc != 124)) || LAMBDA_STATUS="failed (timed out after 60 s)"
        log "functions: WARNING: lambda.py $LAMBDA_STATUS; see $RUN_DIR/lambda.log"
    fi
    if pgrep -f swift-build >/dev/null; then
        BUSY+=("functions")
        log "functions: WARNING: a swift build was running at the end of this measurement"
    fi
fi

# ---------------------------------------------------------------- report
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -n $(git -C "$ROOT" status --porcelain -- . ':!bench' 2>/dev/null) ]] && commit="$commit (with uncommitted changes)"
BENCH_META_DATE=$(date -u '+%Y-%m-%d %H:%M UTC') BENCH_META_COMMIT=$commit \
BENCH_META_DURATION=$DURATION BENCH_META_WARMUP=$WARMUP BENCH_META_THREADS=$THREADS \
BENCH_META_CONNECTIONS=$CONNECTIONS BENCH_META_PIN=$([[ $PIN == 1 ]] && echo "servers CPU 0, wrk CPU 1" || echo off) \
BENCH_META_NPROC=$(nproc) BENCH_META_CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo) \
BENCH_META_SWIFT=$(swift --version 2>/dev/null | grep -m1 -o 'Swift version [^ ]*' || true) \
BENCH_META_NGINX=$(nginx -v 2>&1 | sed 's|.*nginx/||') \
BENCH_META_LOADAVG="$(cut -d' ' -f1-3 /proc/loadavg)" BENCH_META_BUSY="${BUSY[*]}" BENCH_META_LAMBDA=$LAMBDA_STATUS \
BENCH_META_GATEHOUSE_IDLE_RSS=$GATEHOUSE_IDLE_RSS BENCH_META_HELLO_IDLE_RSS=$HELLO_IDLE_RSS \
"$PYTHON" - "$RUN_DIR/meta.json" <<'EOF'
import json, os, sys
meta = {k[len("BENCH_META_"):].lower(): v for k, v in os.environ.items() if k.startswith("BENCH_META_")}
for k in ("gatehouse_idle_rss", "hello_idle_rss"):
    meta[k] = int(meta[k]) if meta.get(k, "").isdigit() else None
json.dump(meta, open(sys.argv[1], "w"), indent=2)
EOF

if [[ ${BENCH_NO_RESULTS_MD:-0} == 1 ]]; then
    "$PYTHON" "$BENCH_DIR/report.py" "$RUN_DIR"
else
    "$PYTHON" "$BENCH_DIR/report.py" "$RUN_DIR" --results-md "$BENCH_DIR/RESULTS.md"
    log "appended to $BENCH_DIR/RESULTS.md"
fi

# ---------------------------------------------------------------- benchmarks of their own
# section TITLE NAME SECONDS COMMAND...: runs one (bounded by SECONDS; output in $RUN_DIR/NAME.md
# and NAME.log), prints its tables under "## TITLE", and reports a failure without failing the
# run. Each script appends its own section to RESULTS.md unless BENCH_NO_RESULTS_MD=1.
section() {
    local title=$1 name=$2 seconds=$3 rc=0
    shift 3
    wait_for_other_builds soft
    log "$title: $name"
    timeout "$seconds" "$@" >"$RUN_DIR/$name.md" 2>"$RUN_DIR/$name.log" || rc=$?
    printf '\n## %s\n\n' "$title"
    cat "$RUN_DIR/$name.md"
    if ((rc != 0)); then
        log "$title: WARNING: $name failed (exit $rc); see $RUN_DIR/$name.log"
    elif [[ ${BENCH_NO_RESULTS_MD:-0} != 1 ]]; then
        log "$title: appended to $BENCH_DIR/RESULTS.md"
    fi
}

# Same Gatehouse, upstream and nginx proxy_pass.
if [[ $SKIP_HTTP_API != 1 ]]; then
    section "HTTP API vs REST" http-api $((5 * WRK_LIMIT + 300)) \
        env BENCH_DURATION="$DURATION" BENCH_WARMUP="$WARMUP" BENCH_THREADS="$THREADS" BENCH_CONNECTIONS="$CONNECTIONS" BENCH_PIN="$PIN" \
        "$PYTHON" "$BENCH_DIR/http_api.py" "$GATEHOUSE_URL" "$UPSTREAM_URL" \
        --reference "http://127.0.0.1:$PROXY_PORT/" --binary "$GATEHOUSE_BIN" --run-dir "$RUN_DIR/http-api" \
        --json "$RUN_DIR/http-api.json"
fi

# Its own Gatehouse and echo server.
if [[ $SKIP_WEBSOCKET != 1 ]]; then
    section "WebSocket APIs" websocket $((3 * WRK_LIMIT + 600)) \
        env BENCH_DURATION="${DURATION%s}" "$PYTHON" "$BENCH_DIR/websocket.py" --binary "$GATEHOUSE_BIN"
fi

# Its own Gatehouse.
if [[ $SKIP_FOOTPRINT != 1 ]]; then
    section "Memory" footprint 1800 env GATEHOUSE_BIN="$GATEHOUSE_BIN" "$PYTHON" "$BENCH_DIR/footprint.py"
fi

# Its own Gatehouse.
if [[ $SKIP_CACHE != 1 ]]; then
    section "Stage cache" cache $((3 * WRK_LIMIT + 300)) \
        env BENCH_DURATION="$DURATION" BENCH_WARMUP="$WARMUP" BENCH_THREADS="$THREADS" BENCH_CONNECTIONS="$CONNECTIONS" BENCH_PIN="$PIN" \
        GATEHOUSE_BIN="$GATEHOUSE_BIN" "$PYTHON" "$BENCH_DIR/cache.py"
fi
