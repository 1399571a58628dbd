#!/usr/bin/env bash
# Memory under a storm of large writes (docs/performance.md, Overload): starts the service on the embedded store
# with the benchmark's heap (-Xms224m -Xmx224m), fills its read cache with 100,000 keys of 1 KiB, then lets
# 5,000 connections POST 60 KiB values for 20 s; prints what was taken and refused, whether the heap ran out,
# readiness, resident memory and the read cache's bound, and whether a small write is taken 3 s later.
#
#   gatling/bench/big-writes.sh [--keys N] [--conns N] [--size BYTES] [--duration S]
#
# Defaults: --keys 100000 (0: no preload), --conns 5000, --size 60000, --duration 20.
# Environment: SERVICE_JAR (default target/config-service.jar), SERVICE_JAVA_OPTS (default -Xms224m -Xmx224m),
# BIG_PORT (default 28085), and any service setting (e.g. MAX_HEAP_FOR_WRITES=off). Binds 127.0.0.1; stops only
# the service it started; needs wrk and raises the open-file limit for the connections.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/../.." && pwd)"
export BENCH_DIR
KEYS=100000 CONNS=5000 SIZE=60000 DURATION=20
while [[ $# -gt 0 ]]; do
  case "$1" in
    --keys) KEYS="$2"; shift 2 ;;
    --conns) CONNS="$2"; shift 2 ;;
    --size) SIZE="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
SERVICE_JAR=${SERVICE_JAR:-$REPO/target/config-service.jar}
PORT=${BIG_PORT:-28085}
URL="http://127.0.0.1:$PORT"
DATA=$(mktemp -d)
ulimit -n "$(( CONNS + 2000 ))" 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# shellcheck disable=SC2086 # SERVICE_JAVA_OPTS is a list of flags
PORT=$PORT HOST=127.0.0.1 DATA_DIR=$DATA/data java ${SERVICE_JAVA_OPTS--Xms224m -Xmx224m} -jar "$SERVICE_JAR" \
  >"$DATA/service.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 100); do curl -sf "$URL/health/ready" >/dev/null && break; sleep 0.1; done

metric() { curl -s "$URL/metrics" | awk -v m="$1" 'index($0, m) == 1 {s += $NF} END {printf "%d", s}'; }
posts_2xx() { curl -s "$URL/metrics" | awk '/^vertx_http_server_requests_total\{code="20[01]",method="POST"/ {s += $NF} END {printf "%d", s}'; }

if [[ "$KEYS" -gt 0 ]]; then
  echo "preload: $(java "$BENCH_DIR/Loader.java" "$URL" mem "$KEYS" 1024 64 read | tr '\n' ' ')"
fi
before=$(posts_2xx) shed0=$(metric config_http_shed_total)
echo "storm: $CONNS connections writing $SIZE-byte values for ${DURATION}s"
wrk -t2 -c"$CONNS" -d"${DURATION}s" --timeout 10s -s "$BENCH_DIR/big-post.lua" "$URL" -- "$SIZE" | grep '^RESULT' || true
echo "large writes taken: $(( $(posts_2xx) - before )); refused with 503: $(( $(metric config_http_shed_total) - shed0 ))"
echo "OutOfMemoryError lines in the log: $(grep -c OutOfMemoryError "$DATA/service.log" || true)"
if grep -q OutOfMemoryError "$DATA/service.log"; then
  echo "the first of them, with what led to it:"
  grep -m1 -B3 -A14 OutOfMemoryError "$DATA/service.log" | cut -c1-220 | sed 's/^/  /'
fi
echo "ready: $(curl -s -m 5 "$URL/health/ready")"
echo "resident: $(( $(ps -o rss= -p "$pid") / 1024 )) MiB; cache entries $(metric config_cache_entries), bound $(( $(metric config_cache_max_bytes) >> 20 )) MiB, cuts $(metric config_cache_heap_yields_total)"
sleep 3
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/config" -H 'Content-Type: application/json' \
  -d '{"key":"big/after","value":1}')
echo "small write 3 s after the storm: $code; heap pressure gauge: $(metric config_heap_pressure)"
