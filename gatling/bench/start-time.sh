#!/usr/bin/env bash
# Time from launching the service to its first 200 on /health/ready, over several fresh starts, for one or more jars
# taken in turns (so that a busy host slows them alike). An empty data directory each time, the embedded store.
#
#   gatling/bench/start-time.sh [JAR ...]       (default: target/config-service.jar)
#
# Environment: RUNS (5), PORT (28190), SERVICE_JAVA_OPTS (-Xms224m -Xmx224m, as run.sh). The probe is curl every
# 20 ms, as an orchestrator's readiness check would be (run.sh polls every 50 ms). Stops only the servers it started.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/../.." && pwd)"
RUNS=${RUNS:-5} PORT=${PORT:-28190}
jars=("$@")
[[ ${#jars[@]} -gt 0 ]] || jars=("$REPO/target/config-service.jar")

start_once() {
  local jar=$1 data pid began ended
  data=$(mktemp -d)
  began=$(date +%s%N)
  PORT=$PORT HOST=127.0.0.1 DATA_DIR=$data java ${SERVICE_JAVA_OPTS--Xms224m -Xmx224m} -jar "$jar" >"$data.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 1500); do # at most 30 s
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/ready" && break
    kill -0 "$pid" 2>/dev/null || { echo "the service exited: $(tail -3 "$data.log")" >&2; return 1; }
    sleep 0.02
  done
  ended=$(date +%s%N)
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$data" "$data.log"
  echo $(((ended - began) / 1000000))
}

declare -A times
for run in $(seq 1 "$RUNS"); do
  line="run $run:"
  for jar in "${jars[@]}"; do
    ms=$(start_once "$jar")
    times[$jar]+="$ms "
    line+=" $(basename "$jar") $ms ms"
  done
  echo "$line"
done
for jar in "${jars[@]}"; do
  # shellcheck disable=SC2086
  printf '%s\n' ${times[$jar]} | sort -n | awk -v j="$jar" '{a[NR] = $1; s += $1}
    END {printf "%s: median %d ms, mean %d ms, min %d, max %d over %d starts\n", j, a[int((NR + 1) / 2)], s / NR, a[1], a[NR], NR}'
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
