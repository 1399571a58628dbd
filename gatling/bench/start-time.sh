#!/usr/bin/env bash
# Time from launching the service to its first 200 on /health/ready, over several fresh starts, for one or more jars
# taken in turns (so that a busy host slows them alike). An empty data directory each time, the embedded store.
#
#   gatling/bench/start-time.sh [JAR ...]       (default: target/config-service.jar)
#
# Environment: RUNS (5), PORT (28190), SERVICE_JAVA_OPTS (-Xms224m -Xmx224m, as run.sh), STORE (embedded;
# `dynamodb` runs dynalite on PORT+1, from target/dynalite or npm, and starts against a table that exists, as in
# production). The probe is curl every 20 ms, as an orchestrator's readiness check would be (run.sh polls every
# 50 ms). Stops only the servers it started.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/../.." && pwd)"
RUNS=${RUNS:-5} PORT=${PORT:-28190} STORE=${STORE:-embedded}
jars=("$@")
[[ ${#jars[@]} -gt 0 ]] || jars=("$REPO/target/config-service.jar")

store_env=()
emulator_pid=""
trap '[ -z "$emulator_pid" ] || kill "$emulator_pid" 2>/dev/null || true' EXIT
if [ "$STORE" = dynamodb ]; then
  dynalite="$REPO/target/dynalite/node_modules/.bin/dynalite"
  if [ ! -x "$dynalite" ]; then
    npm install --prefix "$REPO/target/dynalite" --no-save --no-audit --no-fund --loglevel=error dynalite@4.0.0 >/dev/null
  fi
  "$dynalite" --host 127.0.0.1 --port $((PORT + 1)) --createTableMs 0 >/dev/null 2>&1 &
  emulator_pid=$!
  for _ in $(seq 1 50); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$((PORT + 1))" && break; sleep 0.2; done
  store_env=(STORE=dynamodb "DYNAMODB_ENDPOINT=http://127.0.0.1:$((PORT + 1))" DYNAMODB_TABLE=start-time
    AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local)
fi

start_once() {
  local jar=$1 data pid began ended
  data=$(mktemp -d)
  began=$(date +%s%N)
  env "${store_env[@]}" ${CREATE_TABLE:+CREATE_TABLE=$CREATE_TABLE} PORT=$PORT HOST=127.0.0.1 DATA_DIR=$data \
    java ${SERVICE_JAVA_OPTS--Xms224m -Xmx224m} -jar "$jar" >"$data.log" 2>&1 &
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

if [ "$STORE" = dynamodb ]; then
  CREATE_TABLE=true start_once "${jars[0]}" >/dev/null # creates the table; not timed
fi
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
echo "store: $STORE; machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
