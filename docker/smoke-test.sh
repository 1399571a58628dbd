#!/usr/bin/env bash
# Smoke test of the container image: builds it from target/config-service.jar, runs it, and checks
#   /health/ready = 200, POST /config = 201, GET /config/{key} returns what was written, the process runs as
#   UID 10001 (not root) and is java as PID 1 with the image's class-data sharing archive mapped, the image's
#   HEALTHCHECK passes, the JVM heap follows the container memory limit, every metric the Grafana dashboard
#   queries is in /metrics, and SIGTERM stops the container cleanly (exit 143/0, not a SIGKILL) within
#   STOP_BOUND seconds.
# Second phase (SMOKE_DYNAMODB=1, the default): the same image with STORE=dynamodb against dynalite (the
# emulator docker/compose.yaml uses, run here with node from the npm registry): ready, write, read, SIGTERM.
#
# Engine: Docker when a daemon answers, else Podman (installed with apt-get when root and missing; see
# engine.sh). Prints "SKIPPED: ..." and exits 0 when no engine can run containers on this machine.
# Base image: $BASE_IMAGE if set; else, as root, the local Debian JRE image from base-image.sh (works with
# no registry; built once, then cached); else the Dockerfile's default (eclipse-temurin:17-jre).
#
# Env: SMOKE_PORT (18081), SMOKE_DYNAMODB_PORT (18082, the container; the emulator gets +1), STOP_BOUND
#      (20 s), READY_BOUND (90 s), IMAGE (config-service:smoke), SMOKE_MEMORY (512m), SMOKE_DYNAMODB (1),
#      CONTEXT_DIR (repository root), SKIP_BUILD_JAR=1 to never run Maven.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
# shellcheck source=engine.sh
source "$here/engine.sh"

CONTEXT_DIR="${CONTEXT_DIR:-$repo}"
IMAGE="${IMAGE:-config-service:smoke}"
SMOKE_PORT="${SMOKE_PORT:-18081}"
SMOKE_DYNAMODB_PORT="${SMOKE_DYNAMODB_PORT:-18082}"
STOP_BOUND="${STOP_BOUND:-20}"
READY_BOUND="${READY_BOUND:-90}"
SMOKE_MEMORY="${SMOKE_MEMORY:-512m}"
SMOKE_DYNAMODB="${SMOKE_DYNAMODB:-1}"
APP_UID=10001

log() { printf 'smoke: %s\n' "$*"; }
fail() { printf 'smoke: FAIL: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
over() { awk -v s="$(since "$1")" -v b="$2" 'BEGIN { exit !(s > b) }'; }

t_all=$(now)
cs_detect_engine
if [ -z "$CS_ENGINE" ]; then
  echo "SKIPPED: container smoke test: neither a Docker daemon nor Podman can run containers on this machine"
  exit 0
fi
log "engine: $CS_ENGINE ${CS_PODMAN_FLAGS[*]:-}"

# The jar: rebuilt when missing or older than the sources, so the image never ships a stale build.
jar="$CONTEXT_DIR/target/config-service.jar"
if [ "${SKIP_BUILD_JAR:-0}" != 1 ] && { [ ! -f "$jar" ] || [ -n "$(find "$CONTEXT_DIR/src" "$CONTEXT_DIR/pom.xml" -newer "$jar" -print -quit 2>/dev/null)" ]; }; then
  log "building the jar: mvn -q package -DskipTests"
  (cd "$CONTEXT_DIR" && mvn -q -B -Dstyle.color=never package -DskipTests)
fi
[ -f "$jar" ] || fail "no $jar (run mvn -q package -DskipTests at the repository root)"

if [ -z "${BASE_IMAGE:-}" ] && [ "$(id -u)" = 0 ]; then
  t=$(now)
  "$here/base-image.sh"
  log "base image ready in $(since "$t")s"
  BASE_IMAGE=config-service-base:bookworm
  [ "$CS_ENGINE" = podman ] && BASE_IMAGE="localhost/$BASE_IMAGE"
elif [ -z "${BASE_IMAGE:-}" ]; then
  # Not root: debootstrap is out, so the Dockerfile's default base must be present or pullable.
  default_base=$(sed -n 's/^ARG BASE_IMAGE=//p' "$here/Dockerfile")
  if ! ctr image inspect "$default_base" >/dev/null 2>&1 && ! ctr pull "$default_base" >/dev/null 2>&1; then
    echo "SKIPPED: container smoke test: not root (cannot build the local base image) and $default_base cannot be pulled; set BASE_IMAGE to a local JRE image"
    exit 0
  fi
fi
build=(build -f "$here/Dockerfile" -t "$IMAGE")
[ -n "${BASE_IMAGE:-}" ] && build+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
if [ "$CS_ENGINE" = podman ]; then
  # chroot isolation: no privileges for nested namespaces here; docker format: OCI images drop HEALTHCHECK.
  build+=(--isolation chroot --format docker --ignorefile "$here/Dockerfile.dockerignore")
fi
t=$(now)
log "building $IMAGE from ${BASE_IMAGE:-the Dockerfile default base}"
ctr "${build[@]}" "$CONTEXT_DIR" >/tmp/config-service-smoke-build.log 2>&1 \
  || { tail -40 /tmp/config-service-smoke-build.log >&2; fail "image build failed"; }
t_build=$(since "$t")
size=$(ctr image inspect --format '{{.Size}}' "$IMAGE")
log "image built in ${t_build}s, size $((size / 1000000)) MB"

work="$(mktemp -d)"
containers=()
emulator_pid=""
cleanup() {
  for c in "${containers[@]}"; do ctr rm -f -v "$c" >/dev/null 2>&1 || true; done
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
dump_logs() { echo "---- logs of $1 ----" >&2; ctr logs "$1" 2>&1 | tail -60 >&2 || true; }

# start_container NAME PORT [extra run args...]: runs the image with the service on 127.0.0.1:PORT.
start_container() {
  local name="$1" port="$2"; shift 2
  local run=(run -d --name "$name" --memory "$SMOKE_MEMORY")
  if [ "$CS_ENGINE" = podman ]; then
    # Host network: rootful podman's bridge + port mapping needs netfilter modules this kind of host may
    # lack. No --ulimit: any --ulimit makes podman also set RLIMIT_NPROC, which runc may not (nofile is
    # inherited anyway). --health-interval disable: no systemd timer here; `healthcheck run` still works.
    run+=(--network host -e HOST=127.0.0.1 -e "PORT=$port" --health-interval disable)
  elif [ "${SMOKE_HOST_NETWORK:-0}" = 1 ]; then
    run+=(--network host -e HOST=127.0.0.1 -e "PORT=$port")
  else
    run+=(-p "127.0.0.1:$port:8080")
  fi
  if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/health/live"; then fail "port $port is already in use"; fi
  containers+=("$name")
  # stderr kept aside: podman without systemd logs harmless errors about healthcheck timers.
  ctr "${run[@]}" "$@" "$IMAGE" >/dev/null 2>"$work/run.err" || { cat "$work/run.err" >&2; fail "$name did not start"; }
}

# wait_ready NAME BASE_URL: prints the seconds it took.
wait_ready() {
  local name="$1" base="$2" t; t=$(now)
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$base/health/ready" || true)" = 200 ]; do
    if [ "$(ctr inspect --format '{{.State.Running}}' "$name" 2>/dev/null)" != true ]; then
      dump_logs "$name"; fail "$name exited before becoming ready"
    fi
    if over "$t" "$READY_BOUND"; then dump_logs "$name"; fail "$name not ready within ${READY_BOUND}s"; fi
    sleep 0.3
  done
  since "$t"
}

# write_read NAME BASE_URL: POST a key, GET it back, compare.
write_read() {
  local name="$1" base="$2" key="smoke/run-$$/db.url" code
  code=$(curl -s -o "$work/post.json" -D "$work/post.headers" -w '%{http_code}' --max-time 10 \
    -H 'Content-Type: application/json' -d "{\"key\":\"$key\",\"value\":{\"url\":\"jdbc:h2:mem:x\",\"pool\":5}}" \
    "$base/config")
  [ "$code" = 201 ] || { cat "$work/post.json" >&2; dump_logs "$name"; fail "$name: POST /config answered $code, expected 201"; }
  grep -qi "^location: /config/$key" "$work/post.headers" || fail "$name: POST /config: no Location /config/$key"
  log "ok: POST /config = 201, Location /config/$key"
  code=$(curl -s -o "$work/get.json" -w '%{http_code}' --max-time 10 "$base/config/$key")
  [ "$code" = 200 ] || { cat "$work/get.json" >&2; fail "$name: GET /config/$key answered $code, expected 200"; }
  python3 - "$work/get.json" "$key" <<'PY' || fail "$name: GET /config/$key returned something else than was written"
import json, sys
body = json.load(open(sys.argv[1]))
assert body["key"] == sys.argv[2], body
assert body["value"] == {"url": "jdbc:h2:mem:x", "pool": 5}, body
assert body["version"] == 1, body
PY
  log "ok: GET /config/$key = 200 with the written value, version 1"
  # A second read (cache) and a miss (4xx), so the dashboard's cache and error series have samples.
  curl -s -o /dev/null --max-time 10 "$base/config/$key"
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$base/config/smoke/absent-$$")
  [ "$code" = 404 ] || fail "$name: GET of an absent key answered $code, expected 404"
}

# check_healthcheck NAME: the image's HEALTHCHECK itself (not just the endpoint).
check_healthcheck() {
  local name="$1" status=""
  if [ "$CS_ENGINE" = podman ]; then
    ctr healthcheck run "$name" >/dev/null || fail "$name: podman healthcheck run: unhealthy"
  else
    for _ in $(seq 1 40); do
      status=$(docker inspect --format '{{.State.Health.Status}}' "$name")
      [ "$status" = healthy ] && break
      sleep 1
    done
    [ "$status" = healthy ] || fail "$name: docker health status is $status"
  fi
  log "ok: HEALTHCHECK reports healthy"
}

# sigterm_stop NAME: SIGTERM, and the JVM must exit by itself: 143 (128+15) or 0; 137 would be SIGKILL.
sigterm_stop() {
  local name="$1" t code; t=$(now)
  ctr kill --signal TERM "$name" >/dev/null 2>&1
  while [ "$(ctr inspect --format '{{.State.Running}}' "$name")" = true ]; do
    if over "$t" "$STOP_BOUND"; then dump_logs "$name"; fail "$name still running ${STOP_BOUND}s after SIGTERM"; fi
    sleep 0.2
  done
  t_stop=$(since "$t")
  code=$(ctr inspect --format '{{.State.ExitCode}}' "$name")
  case "$code" in 0|143) ;; *) dump_logs "$name"; fail "$name: exit code $code after SIGTERM" ;; esac
  log "ok: stopped by SIGTERM in ${t_stop}s with exit code $code"
}

# check_cds NAME: the class-data sharing archive dumped at build time is mapped by the running JVM (a JVM that
# cannot use it says nothing and loads every class itself, about twice as slowly).
check_cds() {
  ctr exec "$1" grep -q '/app/config-service.jsa' /proc/1/maps \
    || fail "$1: the JVM did not map /app/config-service.jsa: the class-data sharing archive does not match it"
  log "ok: the JVM maps the image's class-data sharing archive"
}

# ---- phase 1: embedded store (the image's defaults) ----
name="config-service-smoke-$$"
base="http://127.0.0.1:$SMOKE_PORT"
start_container "$name" "$SMOKE_PORT"
t_ready=$(wait_ready "$name" "$base")
log "ok: /health/ready = 200 after ${t_ready}s"
write_read "$name" "$base"

# Not root: the UID of PID 1 (all of real, effective, saved, fs) and of a process started by exec.
uids=$(ctr exec "$name" cat /proc/1/status | awk '/^Uid:/ { print $2, $3, $4, $5 }')
[ "$uids" = "$APP_UID $APP_UID $APP_UID $APP_UID" ] || fail "PID 1 runs with UIDs '$uids', expected $APP_UID"
exec_uid=$(ctr exec "$name" id -u)
[ "$exec_uid" = "$APP_UID" ] || fail "exec runs as UID $exec_uid, expected $APP_UID"
comm=$(ctr exec "$name" cat /proc/1/comm)
[ "$comm" = java ] || fail "PID 1 is '$comm', expected java (SIGTERM must reach the JVM)"
log "ok: PID 1 is java running as UID $APP_UID (not root)"
check_cds "$name"
# The embedded store writes under the /data volume as the service user.
owned=$(ctr exec "$name" find /data -mindepth 1 -user "$APP_UID" -print -quit)
[ -n "$owned" ] || fail "nothing written by UID $APP_UID under /data"
log "ok: store data under /data ($owned)"

# Heap from the container limit: MaxRAMPercentage=75 of SMOKE_MEMORY, as a JVM in this cgroup computes it.
heap=$(ctr exec "$name" java -XX:MaxRAMPercentage=75 -XX:+PrintFlagsFinal -version 2>/dev/null \
  | awk '$2 == "MaxHeapSize" { print $4 }')
limit=$(numfmt --from=iec "${SMOKE_MEMORY^^}")
awk -v h="$heap" -v l="$limit" 'BEGIN { exit !(h > 0.70 * l && h <= 0.76 * l) }' \
  || fail "MaxHeapSize $heap is not ~75% of the $SMOKE_MEMORY limit: the JVM does not see the container limit"
log "ok: JVM max heap $((heap / 1048576)) MiB = 75% of the $SMOKE_MEMORY container limit"
if ctr logs "$name" 2>&1 | grep -q "no heap limit was given"; then
  fail "the service warned that it has no heap limit: it does not see the image's -XX:MaxRAMPercentage"
fi
log "ok: the service sees the image's heap limit (no start-up warning)"

check_healthcheck "$name"

curl -s --max-time 10 "$base/metrics" >"$work/metrics.txt"
grep -q '^vertx_http_server_requests_total' "$work/metrics.txt" || fail "/metrics has no vertx_http_server_requests_total"
python3 "$repo/monitoring/check-dashboard.py" --metrics "$work/metrics.txt" >/dev/null \
  || fail "the dashboard queries metrics the service does not emit"
log "ok: every metric and label in the Grafana dashboard is in /metrics"

sigterm_stop "$name"
t_stop_embedded=$t_stop

# ---- phase 2: DynamoDB store on dynalite (what docker/compose.yaml runs) ----
t_ready_ddb="-"
if [ "$SMOKE_DYNAMODB" != 1 ]; then
  log "DynamoDB phase skipped (SMOKE_DYNAMODB=$SMOKE_DYNAMODB)"
elif [ "$CS_ENGINE" = docker ] && [ "${SMOKE_HOST_NETWORK:-0}" != 1 ]; then
  log "DynamoDB phase skipped: with Docker it needs host networking (SMOKE_HOST_NETWORK=1, Linux only)"
elif ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  log "DynamoDB phase skipped: no node/npm to run dynalite"
else
  emu_port=$((SMOKE_DYNAMODB_PORT + 1))
  tools="$here/.dynalite"
  if [ ! -x "$tools/node_modules/.bin/dynalite" ]; then
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-save --no-audit --no-fund --loglevel=error dynalite@4.0.0 >/dev/null
  fi
  "$tools/node_modules/.bin/dynalite" --host 127.0.0.1 --port "$emu_port" --createTableMs 0 >"$work/dynalite.log" 2>&1 &
  emulator_pid=$!
  for _ in $(seq 1 50); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$emu_port" && break; sleep 0.2; done
  name="config-service-smoke-ddb-$$"
  base="http://127.0.0.1:$SMOKE_DYNAMODB_PORT"
  # Same settings as compose.yaml's config-service; dummy credentials (the emulator checks none).
  start_container "$name" "$SMOKE_DYNAMODB_PORT" -e STORE=dynamodb -e "DYNAMODB_ENDPOINT=http://127.0.0.1:$emu_port" \
    -e CREATE_TABLE=true -e DYNAMODB_TABLE="smoke-$$" -e AWS_REGION=us-east-1 \
    -e AWS_ACCESS_KEY_ID=local -e AWS_SECRET_ACCESS_KEY=local \
    -e DYNAMODB_ATTEMPT_TIMEOUT=5s -e DYNAMODB_API_TIMEOUT=15s
  t_ready_ddb=$(wait_ready "$name" "$base")
  log "ok: on DynamoDB (dynalite): /health/ready = 200 after ${t_ready_ddb}s"
  grep -q '"status":"UP"' <(curl -s --max-time 5 "$base/health/ready") || fail "readiness body is not UP"
  write_read "$name" "$base"
  check_cds "$name"
  check_healthcheck "$name"
  sigterm_stop "$name"
  kill "$emulator_pid" 2>/dev/null || true
  wait "$emulator_pid" 2>/dev/null || true
  emulator_pid=""
fi

log "PASSED: build ${t_build}s, ready ${t_ready}s (DynamoDB ${t_ready_ddb}s), stop ${t_stop_embedded}s, image $((size / 1000000)) MB, total $(since "$t_all")s"
