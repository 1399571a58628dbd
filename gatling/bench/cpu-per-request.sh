#!/usr/bin/env bash
# CPU time and context switches the server spends per request, under wrk, for the service or the ceiling.
# Less sensitive to a noisy machine than req/s: it divides the server's own CPU time by the requests it served.
#
#   gatling/bench/cpu-per-request.sh [service|ceiling] [post|get]     (defaults: service post)
#
# Environment: PORT (28090), CONNS (50), WARMUP (15 s), DURATION (10 s), SERVICE_JAVA_OPTS (-Xms224m -Xmx224m, as run.sh),
#   KEYS (1000: the requests pick among that many keys; KEYS=10000000 makes nearly every POST create a new key),
#   STORE=dynamodb (the service on dynalite, started here on PORT+1 and installed as run.sh does; its CPU is
#   printed too),
#   IDLE (0 s: seconds with no requests between the warm-up and the measurement; longer than CACHE_TTL, 5 s by
#   default, the measured window opens on an expired cache, e.g. the cold burst of docs/performance.md round 13:
#   STORE=dynamodb CONNS=1000 WARMUP=10 IDLE=30 DURATION=15 gatling/bench/cpu-per-request.sh service get),
#   SERVICE_JAR / CEILING_JAR (the built jars), and any service setting (e.g. DURABILITY=process).
# Starts the server on 127.0.0.1:PORT with a fresh data directory, warms up, measures, stops only that server.
# Prints the whole server's CPU per request, then per thread pool (event loops, the store's writer, GC, JIT).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/../.." && pwd)"
export BENCH_DIR
TARGET=${1:-service} KIND=${2:-post}
PORT=${PORT:-28090} CONNS=${CONNS:-50} KEYS=${KEYS:-1000} WARMUP=${WARMUP:-15} DURATION=${DURATION:-10}
SERVICE_JAR=${SERVICE_JAR:-$REPO/target/config-service.jar}
CEILING_JAR=${CEILING_JAR:-$BENCH_DIR/ceiling/target/config-ceiling.jar}
DATA=$(mktemp -d)

case "$TARGET" in
  service) cmd=(java ${SERVICE_JAVA_OPTS--Xms224m -Xmx224m} -jar "$SERVICE_JAR") ;;
  ceiling) cmd=(java ${SERVICE_JAVA_OPTS--Xms224m -Xmx224m} -jar "$CEILING_JAR" "$PORT") ;;
  *) echo "target must be service or ceiling" >&2; exit 2 ;;
esac
store_env=()
dynalite_pid=""
if [[ "$TARGET" == service && "${STORE:-embedded}" == dynamodb ]]; then
  DYNALITE_DIR="$REPO/gatling/target/bench/dynalite"
  if [[ ! -x "$DYNALITE_DIR/node_modules/.bin/dynalite" ]]; then
    mkdir -p "$DYNALITE_DIR"
    npm install --prefix "$DYNALITE_DIR" --no-audit --no-fund dynalite@4.0.0 >"$DATA/dynalite-install.log" 2>&1
  fi
  node "$REPO/src/test/resources/dynalite/dynalite-run.js" "$DYNALITE_DIR/node_modules/dynalite/cli.js" \
    --host 127.0.0.1 --port $((PORT + 1)) --createTableMs 0 >"$DATA/dynalite.log" 2>&1 &
  dynalite_pid=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$((PORT + 1))/" && break; sleep 0.1; done
  store_env=(STORE=dynamodb DYNAMODB_ENDPOINT="http://127.0.0.1:$((PORT + 1))" CREATE_TABLE=true AWS_REGION=us-east-1
             AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x)
fi
env PORT=$PORT DATA_DIR=$DATA "${store_env[@]}" "${cmd[@]}" >"$DATA/server.log" 2>&1 &
pid=$!
# `|| true`: under `set -e` the killed server's status (143) would end the trap before the rm.
trap 'kill "$pid" $dynalite_pid 2>/dev/null || true; wait "$pid" $dynalite_pid 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/health/ready" >/dev/null && break; sleep 0.1; done

url="http://127.0.0.1:$PORT"
# Preload the keys, each exactly once (GETs need every one: a few seconds of random POSTs on a cold JVM left
# some unwritten, and GETs of them counted as non-2xx), then warm up the JIT with the measured request. The keys
# are read once only before GETs, so that POSTs go on writing keys the cache does not hold, as before.
java "$BENCH_DIR/Loader.java" "$url" bench 1000 100 32 $([[ "$KIND" == get ]] && echo read) >/dev/null
wrk -t2 -c"$CONNS" -d"${WARMUP}s" -s "$BENCH_DIR/$KIND.lua" "$url" -- "$KEYS" bench >/dev/null
sleep "${IDLE:-0}"

cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
switches() { cat /proc/"$pid"/task/*/status | awk '/ctxt_switches/ {s += $2} END {print s}'; }
ticks=$(getconf CLK_TCK)
# CPU time per thread name (threads of one pool summed: vert.x-eventloo, mvstore-writer, GC_Thread#0, C2_Compiler...)
threads() {
  for t in /proc/"$pid"/task/*; do printf '%s %s\n' "$(tr ' ' '_' <"$t/comm")" "$(awk '{print $14 + $15}' "$t/stat")"; done \
    | awk '{a[$1] += $2} END {for (k in a) print k, a[k]}' | sort
}
threads >"$DATA/threads0"
node_cpu() { [[ -n "$dynalite_pid" ]] && cat /proc/"$dynalite_pid"/task/*/stat 2>/dev/null | awk '{s += $14 + $15} END {print s + 0}' || echo 0; }
c0=$(cpu) s0=$(switches) n0=$(node_cpu)
result=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$BENCH_DIR/$KIND.lua" "$url" -- "$KEYS" bench | grep '^RESULT')
c1=$(cpu) s1=$(switches) n1=$(node_cpu)
threads >"$DATA/threads1"
requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$result")
echo "$TARGET $KIND c=$CONNS: $result"
awk -v c=$((c1 - c0)) -v s=$((s1 - s0)) -v n="$requests" -v t="$ticks" -v d="$DURATION" 'BEGIN {
  printf "server CPU %.2f s in %d s (%.0f%% of one core); %.1f us CPU per request; %.2f context switches per request; load %s\n",
    c / t, d, 100 * c / t / d, 1e6 * c / t / n, s / n, "'"$(cut -d' ' -f1 /proc/loadavg)"'"
}'
echo -n "per thread (us CPU per request): "
join "$DATA/threads0" "$DATA/threads1" | awk -v n="$requests" -v t="$ticks" '$3 - $2 > 0 {printf "%s %.1f  ", $1, 1e6 * ($3 - $2) / t / n} END {print ""}'
if [[ -n "$dynalite_pid" ]]; then
  awk -v c=$((n1 - n0)) -v n="$requests" -v t="$ticks" -v d="$DURATION" 'BEGIN {
    printf "dynalite (node) CPU %.2f s in %d s; %.1f us per request\n", c / t, d, 1e6 * c / t / n }'
  curl -s "$url/metrics" | grep -E '^config_store_call_seconds_count\{operation="get(_many)?"' || true
fi
