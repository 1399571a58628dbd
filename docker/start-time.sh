#!/usr/bin/env bash
# Time from `run` of the image to the container's first 200 on /health/ready, over several fresh containers,
# for one or more images taken in turns (so that a busy host slows them alike). The image's own entrypoint and
# flags, the embedded store on an empty volume, host networking on 127.0.0.1:PORT, a memory limit as in ECS.
#
#   docker/start-time.sh IMAGE [IMAGE ...]
#
# Environment: RUNS (5), PORT (18095), MEMORY (512m), STORE (embedded; `dynamodb` runs dynalite on PORT+1, from
# docker/.dynalite or target/dynalite, and points the containers at an existing table there, as in production,
# where the table is created once by the stack). The probe is curl every 20 ms. The figure includes the engine's
# own container set-up, as an orchestrator's would. Stops only the containers and the dynalite it started.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=engine.sh
source "$here/engine.sh"
RUNS=${RUNS:-5} PORT=${PORT:-18095} MEMORY=${MEMORY:-512m} STORE=${STORE:-embedded}
[[ $# -gt 0 ]] || { echo "usage: $0 IMAGE [IMAGE ...]" >&2; exit 2; }
cs_detect_engine
[ -n "$CS_ENGINE" ] || { echo "start-time: no container engine can run here" >&2; exit 2; }

store_env=()
emulator_pid=""
trap '[ -z "$emulator_pid" ] || kill "$emulator_pid" 2>/dev/null || true' EXIT
if [ "$STORE" = dynamodb ]; then
  dynalite=""
  for d in "$here/.dynalite" "$here/../target/dynalite"; do
    [ -x "$d/node_modules/.bin/dynalite" ] && dynalite="$d/node_modules/.bin/dynalite" && break
  done
  if [ -z "$dynalite" ]; then
    npm install --prefix "$here/.dynalite" --no-save --no-audit --no-fund --loglevel=error dynalite@4.0.0 >/dev/null
    dynalite="$here/.dynalite/node_modules/.bin/dynalite"
  fi
  "$dynalite" --host 127.0.0.1 --port $((PORT + 1)) --createTableMs 0 >/dev/null 2>&1 &
  emulator_pid=$!
  for _ in $(seq 1 50); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$((PORT + 1))" && break; sleep 0.2; done
  store_env=(-e STORE=dynamodb -e "DYNAMODB_ENDPOINT=http://127.0.0.1:$((PORT + 1))" -e DYNAMODB_TABLE=start-time
    -e AWS_REGION=us-east-1 -e AWS_ACCESS_KEY_ID=local -e AWS_SECRET_ACCESS_KEY=local)
  # The table, once: a container that creates it (not timed).
  ctr run -d --rm --name "config-service-start-$$" --network host -e HOST=127.0.0.1 -e "PORT=$PORT" \
    "${store_env[@]}" -e CREATE_TABLE=true "$1" >/dev/null 2>&1
  for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/ready" && break; sleep 0.1; done
  ctr rm -f "config-service-start-$$" >/dev/null 2>&1 || true
fi

start_once() {
  local image=$1 name="config-service-start-$$" began ended
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/health/live"; then
    echo "start-time: port $PORT is already in use" >&2
    return 1
  fi
  began=$(date +%s%N)
  ctr run -d --rm --name "$name" --network host --memory "$MEMORY" -e HOST=127.0.0.1 -e "PORT=$PORT" \
    "${store_env[@]}" "$image" >/dev/null 2>&1
  for _ in $(seq 1 1500); do # at most 30 s
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/ready" && break
    sleep 0.02
  done
  ended=$(date +%s%N)
  ctr rm -f "$name" >/dev/null 2>&1 || true
  echo $(((ended - began) / 1000000))
}

declare -A times
for run in $(seq 1 "$RUNS"); do
  line="run $run:"
  for image in "$@"; do
    ms=$(start_once "$image")
    times[$image]+="$ms "
    line+=" $image $ms ms"
  done
  echo "$line"
done
for image in "$@"; do
  # shellcheck disable=SC2086
  printf '%s\n' ${times[$image]} | sort -n | awk -v i="$image" '{a[NR] = $1; s += $1}
    END {printf "%s: median %d ms, mean %d ms, min %d, max %d over %d starts\n", i, a[int((NR + 1) / 2)], s / NR, a[1], a[NR], NR}'
done
echo "store: $STORE; machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), engine $CS_ENGINE, load $(cut -d' ' -f1-3 /proc/loadavg)"
