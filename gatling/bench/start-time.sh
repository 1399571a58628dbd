#!/usr/bin/env bash
# Time from launching the service to its first 200 on /health/ready, over several fresh starts, for one or more jars
# or container images taken in turns (so that a busy host slows them alike). An empty data directory each time.
#
#   gatling/bench/start-time.sh [JAR|IMAGE ...]       (default: target/config-service.jar)
#
# An argument naming a file is a jar, started with `java -jar`; anything else is an image, run with its own
# entrypoint by Docker or Podman (docker/engine.sh picks one) on the host network with a memory limit, so the figure
# includes the engine's container set-up, as an orchestrator's would.
#
# Environment: RUNS (5), PORT (28190), SERVICE_JAVA_OPTS (-Xms224m -Xmx224m, as run.sh; jars only), MEMORY (512m;
# images only), STORE (embedded; `dynamodb` runs dynalite on PORT+1, from target/dynalite or npm, and starts
# against a table that exists, as in production, where the stack creates it once). The probe is curl every 20 ms,
# as an orchestrator's readiness check would be (run.sh polls every 50 ms). Stops only what it started.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/../.." && pwd)"
RUNS=${RUNS:-5} PORT=${PORT:-28190} STORE=${STORE:-embedded} MEMORY=${MEMORY:-512m}
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("$REPO/target/config-service.jar")
for t in "${targets[@]}"; do
  if [ ! -f "$t" ] && [ -z "${CS_ENGINE:-}" ]; then
    # shellcheck source=../../docker/engine.sh
    source "$REPO/docker/engine.sh"
    cs_detect_engine
    [ -n "$CS_ENGINE" ] || { echo "start-time: $t is no file, and no container engine can run images here" >&2; exit 2; }
  fi
done

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

# start_once JAR|IMAGE [ENV=VALUE ...]: prints the milliseconds from launch to ready.
start_once() {
  local target=$1 data pid="" name="config-service-start-$$" began ended settings e
  shift
  settings=("${store_env[@]}" "$@" "PORT=$PORT" HOST=127.0.0.1)
  data=$(mktemp -d)
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/health/live"; then
    echo "start-time: port $PORT is already in use" >&2
    return 1
  fi
  began=$(date +%s%N)
  if [ -f "$target" ]; then
    env "${settings[@]}" DATA_DIR="$data" java ${SERVICE_JAVA_OPTS--Xms224m -Xmx224m} -jar "$target" >"$data.log" 2>&1 &
    pid=$!
  else
    local run=(run -d --rm --name "$name" --network host --memory "$MEMORY")
    for e in "${settings[@]}"; do run+=(-e "$e"); done
    ctr "${run[@]}" "$target" >"$data.log" 2>&1
  fi
  for _ in $(seq 1 1500); do # at most 30 s
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/ready" && break
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then echo "the service exited: $(tail -3 "$data.log")" >&2; return 1; fi
    sleep 0.02
  done
  ended=$(date +%s%N)
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  else
    ctr rm -f -v "$name" >/dev/null 2>&1 || true
  fi
  rm -rf "$data" "$data.log"
  echo $(((ended - began) / 1000000))
}

if [ "$STORE" = dynamodb ]; then
  start_once "${targets[0]}" CREATE_TABLE=true >/dev/null # creates the table; not timed
fi
declare -A times
for run in $(seq 1 "$RUNS"); do
  line="run $run:"
  for target in "${targets[@]}"; do
    ms=$(start_once "$target")
    times[$target]+="$ms "
    line+=" $(basename "$target") $ms ms"
  done
  echo "$line"
done
for target in "${targets[@]}"; do
  # shellcheck disable=SC2086
  printf '%s\n' ${times[$target]} | sort -n | awk -v j="$target" '{a[NR] = $1; s += $1}
    END {printf "%s: median %d ms, mean %d ms, min %d, max %d over %d starts\n", j, a[int((NR + 1) / 2)], s / NR, a[1], a[NR], NR}'
done
echo "store: $STORE; machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), engine ${CS_ENGINE:-none}, load $(cut -d' ' -f1-3 /proc/loadavg)"
