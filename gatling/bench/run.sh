#!/usr/bin/env bash
# Benchmark of the config service against the framework's ceiling, on one machine, in one run.
#
#   gatling/bench/run.sh [options]            wrk matrix: service (embedded store), bare Vert.x ceiling,
#                                             service on DynamoDB (dynalite); results in docs/benchmarks/
#   gatling/bench/run.sh overload [options]   open-model overload check with Gatling (Stress, then Overload
#                                             at 3x the highest rate Stress held); results in docs/benchmarks/
#
# Options (main mode):
#   --duration S      seconds per wrk measurement (default 15)
#   --warmup S        seconds of wrk warm-up per target, GET and POST at the start and POST again right
#                     before the POST rows (default 10; the write path's JIT settles after ~30 s of writes)
#   --conns "LIST"    GET connection counts (default "50 300 1000 10000"); POST is always at 50
#   --post-rounds N   POST measurements per target, taken in turns across the targets (default 3); the table
#                     shows each target's median round by req/s (the lower middle one for an even N) and lists
#                     every round: a single POST window on a shared 2-core VM swings by +-10 points of the ratio
#   --targets "LIST"  any of: embedded ceiling dynamodb (default all three)
#   --mem-keys N      keys of 1 KiB for the resident-memory test, 0 to skip (default 100000)
#   --out FILE        results file (default docs/benchmarks/YYYY-MM-DD-<hostname>.md)
#   --no-build        use the existing jars instead of building them
# Options (overload mode):
#   --rate N          sustainable rate to multiply by 3 (default: Stress's "highest level held"; with
#                     --store dynamodb, its "most accepted in any level", since dynalite's pauses, not its
#                     capacity, break the latency objective; Stress then runs 100-1,000/s unless STRESS_OPTS)
#   --duration S      seconds of overload (default 30); Stress uses its own defaults unless STRESS_OPTS is set
#   --max-in-flight N MAX_IN_FLIGHT for the service (default: the service's default)
#   --service-cpus L  pin the service to these CPUs with taskset (e.g. 0), so that Gatling on the other
#                     cores can really offer 3x what the service sustains; default: no pinning
#   --store S         embedded (default) or dynamodb (the service on dynalite, started here)
#   --mix M           default (95% reads, 4% writes, 1% lists) or writes (writes only: with --store dynamodb
#                     the store, not the CPU, bounds the rate, so Gatling can offer 3x it)
#
# Environment: SERVICE_JAVA_OPTS (JVM flags for the service and the ceiling; default -Xms224m -Xmx224m, the heap
#   README gives for 100,000 keys of 1 KiB: without a limit the JVM grows the heap to a quarter of RAM under load,
#   and without -Xms G1 shrinks it at start-up and then collects 3-4x as often);
#   SERVICE_JAR (a prebuilt service jar; default target/config-service.jar, built by the script).
# The script raises the open-file limit (ulimit -n) to 65535 or the hard limit, since 10,000 connections
# need 10,000 descriptors in wrk and in the server. Ports: 28080 service, 28081 ceiling, 28082 dynalite,
# 28083 service on DynamoDB, or BENCH_PORT and the next three (to run beside another benchmark); everything
# binds 127.0.0.1. It stops only the processes it started.
set -uo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/../.." && pwd)"
export BENCH_DIR
WORK="$REPO/gatling/target/bench"
SERVICE_JAR="${SERVICE_JAR:-$REPO/target/config-service.jar}"
SERVICE_JAR_GIVEN=${SERVICE_JAR_GIVEN:-$([[ "$SERVICE_JAR" != "$REPO/target/config-service.jar" ]] && echo 1 || echo 0)}
CEILING_JAR="$BENCH_DIR/ceiling/target/config-ceiling.jar"
DYNALITE_DIR="$WORK/dynalite"
BENCH_PORT=${BENCH_PORT:-28080}
SVC_PORT=$BENCH_PORT CEIL_PORT=$((BENCH_PORT + 1)) DYN_PORT=$((BENCH_PORT + 2)) SVC_DYN_PORT=$((BENCH_PORT + 3))
KEYS=1000

MODE=bench
if [[ "${1:-}" == "overload" ]]; then MODE=overload; shift; fi
JAVA_OPTS_GIVEN=${SERVICE_JAVA_OPTS+1}
SERVICE_JAVA_OPTS=${SERVICE_JAVA_OPTS--Xms224m -Xmx224m}
DURATION=15 WARMUP=10 CONNS="50 300 1000 10000" TARGETS="embedded ceiling dynamodb" MEM_KEYS=100000 BUILD=1
POST_ROUNDS=3
OUT="" RATE="" OVERLOAD_DURATION=30 MAX_IN_FLIGHT="" SERVICE_CPUS="" OVERLOAD_STORE=embedded MIX=default
ORIG_ARGS=""; [[ $# -gt 0 ]] && ORIG_ARGS=$(printf '%q ' "$@") && ORIG_ARGS=${ORIG_ARGS% }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) DURATION="$2"; OVERLOAD_DURATION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --conns) CONNS="$2"; shift 2 ;;
    --post-rounds) POST_ROUNDS="$2"; shift 2 ;;
    --targets) TARGETS="$2"; shift 2 ;;
    --mem-keys) MEM_KEYS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --rate) RATE="$2"; shift 2 ;;
    --max-in-flight) MAX_IN_FLIGHT="$2"; shift 2 ;;
    --service-cpus) SERVICE_CPUS="$2"; shift 2 ;;
    --store) OVERLOAD_STORE="$2"; shift 2 ;;
    --mix) MIX="$2"; shift 2 ;;
    -h|--help) sed -n '2,40p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# ---- process bookkeeping: only PIDs started here are ever signalled -----------------------------------
PIDS=()
stop_pid() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}
cleanup() {
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- file descriptors: 10,000 connections need 10,000 descriptors on each side -------------------------
HARD=$(ulimit -Hn)
WANT=65535
if [[ "$HARD" != "unlimited" && "$HARD" -lt "$WANT" ]]; then WANT=$HARD; fi
ulimit -n "$WANT" 2>/dev/null || log "could not raise ulimit -n to $WANT"
NOFILE=$(ulimit -n)
log "open-file limit: $NOFILE (hard $HARD)"
MAXC=$(tr ' ' '\n' <<<"$CONNS" | sort -n | tail -1)
if [[ "$NOFILE" != "unlimited" && "$MAXC" =~ ^[0-9]+$ && "$NOFILE" -lt $((MAXC + 100)) ]]; then
  log "WARNING: $MAXC connections need more than $NOFILE descriptors: raise the hard limit (ulimit -Hn, limits.conf) or lower --conns"
fi

mkdir -p "$WORK"
command -v wrk >/dev/null || { [[ "$MODE" == overload ]] || { echo "wrk not found: apt-get install -y wrk" >&2; exit 1; }; }

build() {
  [[ "$BUILD" == 1 ]] || return 0
  if [[ "$SERVICE_JAR_GIVEN" == 0 ]]; then
    log "building the service jar"
    (cd "$REPO" && mvn -q -B package -DskipTests) || { echo "service build failed" >&2; exit 1; }
  fi
  log "building the ceiling server"
  mvn -q -B -f "$BENCH_DIR/ceiling" package || { echo "ceiling build failed" >&2; exit 1; }
}

# ---- servers ------------------------------------------------------------------------------------------
# start NAME PORT JAR [ENV=VALUE...]: sets STARTED_PID and READY_MS (start to first 200 from /health/ready).
start() {
  local name=$1 port=$2 jar=$3; shift 3
  local t0 t1
  if curl -s -o /dev/null "http://127.0.0.1:$port/health/live"; then
    echo "port $port already answers: another server is running there" >&2
    return 1
  fi
  t0=$(date +%s%N)
  if [[ "$jar" == "$CEILING_JAR" ]]; then
    # shellcheck disable=SC2086
    java ${SERVICE_JAVA_OPTS:-} -jar "$jar" "$port" 127.0.0.1 >"$WORK/$name.log" 2>&1 &
  else
    # shellcheck disable=SC2086
    env PORT="$port" HOST=127.0.0.1 "$@" ${PIN:-} java ${SERVICE_JAVA_OPTS:-} -jar "$jar" >"$WORK/$name.log" 2>&1 &
  fi
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  for _ in $(seq 1 1200); do
    if curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready" 2>/dev/null | grep -q '^200$'; then
      t1=$(date +%s%N)
      READY_MS=$(( (t1 - t0) / 1000000 ))
      log "$name ready in $READY_MS ms (pid $STARTED_PID)"
      return 0
    fi
    kill -0 "$STARTED_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "$name did not become ready; last log lines:" >&2
  tail -20 "$WORK/$name.log" >&2
  stop_pid "$STARTED_PID"
  return 1
}

rss_mib() { ps -o rss= -p "$1" | awk '{printf "%.0f", $1/1024}'; }

start_dynalite() {
  if [[ ! -x "$DYNALITE_DIR/node_modules/.bin/dynalite" ]]; then
    log "installing dynalite 4.0.0 into $DYNALITE_DIR"
    mkdir -p "$DYNALITE_DIR"
    npm install --prefix "$DYNALITE_DIR" --no-audit --no-fund dynalite@4.0.0 >"$WORK/dynalite-install.log" 2>&1 \
      || { tail -5 "$WORK/dynalite-install.log" >&2; return 1; }
  fi
  # Through dynalite-run.js (shared with the tests), which keeps dynalite serving when a client abandons a request (it would exit).
  node "$REPO/src/test/resources/dynalite/dynalite-run.js" "$DYNALITE_DIR/node_modules/dynalite/cli.js" --host 127.0.0.1 --port "$DYN_PORT" \
    --createTableMs 0 >"$WORK/dynalite.log" 2>&1 &
  DYNALITE_PID=$!
  PIDS+=("$DYNALITE_PID")
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$DYN_PORT/"; then
      # Warm node up with a table of its own: a cold dynalite on a busy machine can miss the service's
      # 1 s attempt timeout on its first CreateTable. Dynalite checks that auth headers exist, not signatures.
      for op in ListTables CreateTable ListTables; do
        curl -s -o /dev/null -XPOST "http://127.0.0.1:$DYN_PORT/" -H "X-Amz-Target: DynamoDB_20120810.$op" \
          -H 'Content-Type: application/x-amz-json-1.0' -H 'X-Amz-Date: 20260101T000000Z' \
          -H 'Authorization: AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=x' \
          -d '{"TableName":"bench-warmup","AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],"KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}'
      done
      return 0
    fi
    sleep 0.1
  done
  echo "dynalite did not start" >&2
  return 1
}

# ---- wrk ----------------------------------------------------------------------------------------------
declare -A R     # R[target|scenario]="rps p50 p99 socket_errors non2xx"
declare -A JIT   # JIT[target|scenario]="the JIT compiler threads' share of the server's CPU in that window"
# thread_cpu PID: "tid cpu_ticks is_compiler" per thread (comm may hold spaces, so fields are read after its ')')
thread_cpu() {
  local t
  for t in /proc/"$1"/task/*/stat; do cat "$t" 2>/dev/null; done | awk '{
    lp = index($0, "("); rp = index($0, ") "); name = substr($0, lp + 1, rp - lp - 1)
    split(substr($0, rp + 2), f, " "); print $1, f[12] + f[13], (name ~ /CompilerThre/ ? 1 : 0) }'
}
# jit_share BEFORE AFTER: compiler threads' CPU over all threads' CPU between two thread_cpu samples, as "N%"
# (threads that ended in between are left out of both sums).
jit_share() {
  join <(sort -k1,1 <<<"$1") <(sort -k1,1 <<<"$2") \
    | awk '{d = $4 - $2; all += d; if ($3) jit += d} END {if (all > 0) printf "%.0f%%", 100 * jit / all; else print "-"}'
}
NON2XX=()       # the service's own count of its non-2xx answers, for each measurement that saw some
# measure TARGET PORT SCENARIO(get|post) CONNS SECONDS [record]
measure() {
  local target=$1 port=$2 scenario=$3 conns=$4 secs=$5 record=${6:-}
  local out line pid=${PID_OF[$target]:-} cpu0=""
  [[ -n "$pid" ]] && cpu0=$(thread_cpu "$pid")
  out=$(wrk -t2 -c"$conns" -d"${secs}s" --timeout 5s --latency -s "$BENCH_DIR/$scenario.lua" \
        "http://127.0.0.1:$port" -- "$KEYS" bench 2>&1)
  line=$(grep '^RESULT' <<<"$out")
  if [[ -z "$line" ]]; then
    log "wrk gave no result for $target $scenario c=$conns: $(tail -3 <<<"$out" | tr '\n' ' ')"
    [[ -n "$record" ]] && R["$target|$scenario $conns"]="- - - - -"
    return
  fi
  local rps p50 p99 se n2
  rps=$(sed -E 's/.*ok_rps=([0-9.]+).*/\1/' <<<"$line")   # successful answers only: a shed 503 is not throughput
  p50=$(sed -E 's/.*p50=([0-9.]+).*/\1/' <<<"$line")
  p99=$(sed -E 's/.*p99=([0-9.]+).*/\1/' <<<"$line")
  se=$(sed -E 's/.*socket_errors=([0-9]+).*/\1/' <<<"$line")
  n2=$(sed -E 's/.*non2xx=([0-9]+).*/\1/' <<<"$line")
  log "$target $scenario c=$conns: $rps req/s p50 ${p50} ms p99 ${p99} ms socket errors $se non-2xx $n2"
  if [[ "$n2" =~ ^[1-9] && "$target" != ceiling ]]; then
    # Which answers they were: the service counts every answer by route and status (totals since it started).
    local codes
    codes=$(curl -s --max-time 5 "http://127.0.0.1:$port/metrics" \
      | awk '/^vertx_http_server_requests_total\{/ && !/code="2/ {sub(/^vertx_http_server_requests_total/, ""); printf "%s %s; ", $1, $2}
             /^(config_http_shed_total|config_http_connections_refused_total|config_store_shed_total|config_cache_misses_total|config_cache_refresh_failures_total|config_cache_stale_answers_total) / {printf "%s %s; ", $1, $2}')
    log "$target non-2xx so far, by route and status: ${codes:-none counted}"
    [[ -n "$record" ]] && NON2XX+=("$target $scenario c=$conns ($n2 in this measurement): ${codes:-none counted}")
  fi
  [[ -n "$record" ]] && R["$target|$scenario $conns"]="$rps $p50 $p99 $se $n2"
  [[ -n "$record" && -n "$cpu0" ]] && JIT["$target|$scenario $conns"]=$(jit_share "$cpu0" "$(thread_cpu "$pid")")
  return 0
}

declare -A READY RSS_IDLE RSS_AFTER STATUS PORT_OF PID_OF
# prepare_target NAME PORT PID: preload and warm up a running server; it joins LIVE when that worked.
LIVE=()
prepare_target() {
  local name=$1 port=$2 pid=$3
  PORT_OF[$name]=$port
  PID_OF[$name]=$pid
  READY[$name]=$READY_MS
  RSS_IDLE[$name]=$(rss_mib "$pid")
  log "$name: preloading $KEYS keys"
  if ! java "$BENCH_DIR/Loader.java" "http://127.0.0.1:$port" bench "$KEYS" 100 32 read >"$WORK/$name-preload.log" 2>&1; then
    STATUS[$name]="preload failed: $(tail -2 "$WORK/$name-preload.log" | tr '\n' ' ')"
    log "${STATUS[$name]}"
    return 1
  fi
  log "$name: warm-up ${WARMUP}s GET + ${WARMUP}s POST"
  measure "$name" "$port" get 50 "$WARMUP"
  measure "$name" "$port" post 50 "$WARMUP"
  STATUS[$name]="measured"
  LIVE+=("$name")
}

# ---- overload mode: Gatling open model -----------------------------------------------------------------
if [[ "$MODE" == overload ]]; then
  build
  rm -rf "$WORK/data-overload"
  case "$OVERLOAD_STORE" in
    embedded) envs=(STORE=embedded DATA_DIR="$WORK/data-overload") ;;
    dynamodb)
      start_dynalite || exit 1
      envs=(STORE=dynamodb DYNAMODB_ENDPOINT="http://127.0.0.1:$DYN_PORT" CREATE_TABLE=true AWS_REGION=us-east-1
            AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x DATA_DIR="$WORK/data-overload") ;;
    *) echo "--store must be embedded or dynamodb" >&2; exit 2 ;;
  esac
  [[ -n "$MAX_IN_FLIGHT" ]] && envs+=(MAX_IN_FLIGHT="$MAX_IN_FLIGHT")
  [[ -n "$SERVICE_CPUS" ]] && PIN="taskset -c $SERVICE_CPUS"
  start service-overload "$SVC_PORT" "$SERVICE_JAR" "${envs[@]}" || exit 1
  SVC_PID=$STARTED_PID
  OUT=${OUT:-"$REPO/docs/benchmarks/$(date -u +%F)-$(hostname)-overload$([[ "$OVERLOAD_STORE" == embedded ]] || echo "-$OVERLOAD_STORE")$([[ "$MIX" == default ]] || echo "-$MIX").md"}
  GATLING_LOG="$WORK/overload-gatling.log"
  : >"$GATLING_LOG"
  RATE_FROM="highest level held within objective"
  RATE_NOTE="given with --rate"
  if [[ -z "$RATE" && "$OVERLOAD_STORE" == dynamodb ]]; then
    # dynalite (one Node process) pauses for 100-650 ms at any rate, and a pause at 300/s can make the write
    # limit shed: "highest level held" then measures its pauses (100-400/s), not its capacity (~750-1,000
    # writes/s). For the store-bound case the sustainable rate is what it completed at best.
    RATE_FROM="most accepted in any level"
    STRESS_OPTS=${STRESS_OPTS-"-DstartRate=100 -Dstep=100 -Dlevels=10"}
  fi
  if [[ -z "$RATE" ]]; then
    log "finding the sustainable rate with Stress (STRESS_OPTS='${STRESS_OPTS:-}'; rate: $RATE_FROM)"
    # shellcheck disable=SC2086
    mvn -B -f "$REPO/gatling" gatling:test -Dgatling.simulationClass=dev.configservice.perf.Stress \
      -DbaseUrl="http://127.0.0.1:$SVC_PORT" -Dmix="$MIX" ${STRESS_OPTS:-} 2>&1 | tee -a "$GATLING_LOG" | grep -E '^(level|first level|highest|most|Stress)' >&2
    RATE=$(grep -Eo "$RATE_FROM: [0-9]+" "$GATLING_LOG" | grep -Eo '[0-9]+$' | tail -1)
    if [[ -z "$RATE" || "$RATE" == 0 ]]; then echo "Stress found no sustainable rate; pass --rate" >&2; exit 1; fi
    RATE_NOTE="Stress's \"$RATE_FROM\""
  fi
  log "Overload: baseline $RATE req/s, then $((RATE * 3)) req/s for ${OVERLOAD_DURATION}s"
  mvn -B -f "$REPO/gatling" gatling:test -Dgatling.simulationClass=dev.configservice.perf.Overload \
    -DbaseUrl="http://127.0.0.1:$SVC_PORT" -Drate="$RATE" -Dduration="${OVERLOAD_DURATION}s" -Dmix="$MIX" ${OVERLOAD_OPTS:-} 2>&1 | tee -a "$GATLING_LOG" >"$WORK/overload-last.log"
  rc=${PIPESTATUS[0]}
  rss=$(rss_mib "$SVC_PID")
  alive=$(kill -0 "$SVC_PID" 2>/dev/null && echo yes || echo "NO (exited)")
  {
    echo "# Overload check $(date -u +%F) on $(hostname)"
    echo
    echo "Command: \`${STRESS_OPTS:+STRESS_OPTS=\"$STRESS_OPTS\" }gatling/bench/run.sh overload $ORIG_ARGS\`${MAX_IN_FLIGHT:+ (MAX_IN_FLIGHT=$MAX_IN_FLIGHT)}${SERVICE_CPUS:+ (service pinned to CPUs $SERVICE_CPUS)}; store $OVERLOAD_STORE, mix $MIX"
    echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), Gatling and the service on the same machine."
    echo "Sustainable rate: $RATE req/s ($RATE_NOTE); overload at 3x: $((RATE * 3)) req/s."
    echo
    echo '```'
    grep -E '^(Stress levels|level |first level|highest level|most accepted|Overload phases|  baseline|  overload|  verdict)' "$GATLING_LOG"
    echo '```'
    echo
    echo "Gatling exit status: $rc (0 = all assertions held). Service alive afterwards: $alive, resident memory ${rss} MiB."
  } >"$OUT"
  cat "$OUT"
  exit "$rc"
fi

# ---- main mode ----------------------------------------------------------------------------------------
RUN_START=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
build
[[ -f "$SERVICE_JAR" ]] || { echo "missing $SERVICE_JAR" >&2; exit 1; }
[[ -f "$CEILING_JAR" ]] || { echo "missing $CEILING_JAR" >&2; exit 1; }

# All targets run side by side (idle ones cost nothing) and every row is measured on each target back to
# back, so a change in background load between minutes shifts both sides of a ratio rather than one.
for t in $TARGETS; do
  case "$t" in
    embedded)
      rm -rf "$WORK/data-embedded"
      if start embedded "$SVC_PORT" "$SERVICE_JAR" STORE=embedded DATA_DIR="$WORK/data-embedded"; then
        prepare_target embedded "$SVC_PORT" "$STARTED_PID"
      else
        STATUS[embedded]="did not start (see $WORK/embedded.log)"
      fi ;;
    ceiling)
      if start ceiling "$CEIL_PORT" "$CEILING_JAR"; then
        prepare_target ceiling "$CEIL_PORT" "$STARTED_PID"
      else
        STATUS[ceiling]="did not start (see $WORK/ceiling.log)"
      fi ;;
    dynamodb)
      if start_dynalite; then
        dyn_env=(STORE=dynamodb DYNAMODB_ENDPOINT="http://127.0.0.1:$DYN_PORT" CREATE_TABLE=true AWS_REGION=us-east-1
                 AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x DATA_DIR="$WORK/data-dynamodb")
        # one retry: the table now exists, so a start that timed out creating it usually succeeds the second time
        if start dynamodb "$SVC_DYN_PORT" "$SERVICE_JAR" "${dyn_env[@]}" \
           || { log "retrying the DynamoDB-backed service once"; start dynamodb "$SVC_DYN_PORT" "$SERVICE_JAR" "${dyn_env[@]}"; }; then
          prepare_target dynamodb "$SVC_DYN_PORT" "$STARTED_PID"
        else
          STATUS[dynamodb]="STORE=dynamodb did not start: $(grep -m1 -iE 'error|exception' "$WORK/dynamodb.log" | cut -c1-200)"
        fi
      else
        STATUS[dynamodb]="dynalite did not start (see $WORK/dynalite.log)"
      fi ;;
    *) echo "unknown target $t" >&2 ;;
  esac
done

for c in $CONNS; do
  for t in "${LIVE[@]}"; do measure "$t" "${PORT_OF[$t]}" get "$c" "$DURATION" record; done
done
for t in "${LIVE[@]}"; do
  log "$t: warm-up ${WARMUP}s POST"
  measure "$t" "${PORT_OF[$t]}" post 50 "$WARMUP"
done
declare -A POST_ROUNDS_OF   # POST_ROUNDS_OF[target]="rps of round 1, 2, ..."
for r in $(seq 1 "$POST_ROUNDS"); do
  for t in "${LIVE[@]}"; do
    measure "$t" "${PORT_OF[$t]}" post 50 "$DURATION" record
    R["$t|post 50 #$r"]=${R["$t|post 50"]}
    JIT["$t|post 50 #$r"]=${JIT["$t|post 50"]:--}
  done
done
# Each target's POST row: the round with the median req/s (its latencies with it), errors summed over rounds.
for t in "${LIVE[@]}"; do
  rounds=$(for r in $(seq 1 "$POST_ROUNDS"); do echo "${R["$t|post 50 #$r"]}"; done)
  POST_ROUNDS_OF[$t]=$(awk '{printf "%s%s", (NR > 1 ? ", " : ""), $1}' <<<"$rounds")
  R["$t|post 50"]=$(awk '$1 != "-"' <<<"$rounds" | sort -n -k1,1 | awk -v all="$rounds" '
    {row[NR] = $0} END {
      if (NR == 0) {print "- - - - -"; exit}
      split(row[int((NR + 1) / 2)], m, " ")
      n = split(all, lines, "\n"); se = 0; n2 = 0
      for (i = 1; i <= n; i++) {split(lines[i], f, " "); se += f[4]; n2 += f[5]}
      print m[1], m[2], m[3], se, n2
    }')
done
for t in "${LIVE[@]}"; do
  RSS_AFTER[$t]=$(rss_mib "${PID_OF[$t]}")
  stop_pid "${PID_OF[$t]}"
done
[[ -n "${DYNALITE_PID:-}" ]] && stop_pid "$DYNALITE_PID"

# Resident memory with MEM_KEYS keys of 1 KiB, written then read once so every one is in the read cache.
MEM_RESULT="skipped"
if [[ "$MEM_KEYS" -gt 0 && " $TARGETS " == *" embedded "* ]]; then
  rm -rf "$WORK/data-memory"
  if start memory "$SVC_PORT" "$SERVICE_JAR" STORE=embedded DATA_DIR="$WORK/data-memory"; then
    MEM_PID=$STARTED_PID
    mem_idle=$(rss_mib "$MEM_PID")
    log "memory test: writing and reading $MEM_KEYS keys of 1 KiB"
    if java "$BENCH_DIR/Loader.java" "http://127.0.0.1:$SVC_PORT" mem "$MEM_KEYS" 1024 64 read >"$WORK/memory-load.log" 2>&1; then
      entries=$(curl -s "http://127.0.0.1:$SVC_PORT/metrics" | awk '/^config_cache_entries/ {print $2}' | head -1)
      mem_rss=$(rss_mib "$MEM_PID")
      # the live set behind that RSS: heap in use right after a full GC (RSS also holds heap the JVM keeps)
      live="n/a"
      if command -v jcmd >/dev/null && jcmd "$MEM_PID" GC.run >/dev/null 2>&1; then
        live=$(curl -s "http://127.0.0.1:$SVC_PORT/metrics" | awk '/^jvm_memory_used_bytes\{area="heap"/ {s += $NF} END {printf "%.0f", s/1048576}')
      fi
      MEM_RESULT="**$mem_rss MiB resident** with $MEM_KEYS keys of 1 KiB cached (config_cache_entries ${entries:-n/a}); heap in use after a full GC: $live MiB; idle after start: $mem_idle MiB. Loader: $(tr '\n' ' ' <"$WORK/memory-load.log")"
    else
      MEM_RESULT="load failed: $(tail -2 "$WORK/memory-load.log" | tr '\n' ' ')"
    fi
    log "memory: $MEM_RESULT"
    stop_pid "$MEM_PID"
  else
    MEM_RESULT="service did not start"
  fi
fi

# ---- report -------------------------------------------------------------------------------------------
ELAPSED=$(( $(date +%s) - RUN_START ))
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
CMD_ENV=""
[[ "$SERVICE_JAR_GIVEN" == 1 ]] && CMD_ENV="SERVICE_JAR=$SERVICE_JAR "
[[ -n "$JAVA_OPTS_GIVEN" ]] && CMD_ENV="${CMD_ENV}SERVICE_JAVA_OPTS='$SERVICE_JAVA_OPTS' "
OUT=${OUT:-"$REPO/docs/benchmarks/$(date -u +%F)-$(hostname).md"}
mkdir -p "$(dirname "$OUT")"
col() { local v=${R["$1"]:-"- - - - -"}; awk -v i="$2" '{print $i}' <<<"$v"; }
ratio() {
  local a b; a=$(col "$1" 1); b=$(col "$2" 1)
  awk -v a="$a" -v b="$b" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.1f%%", 100*a/b; else print "-" }'
}
{
  echo "# Benchmark $(date -u '+%F %H:%M UTC') on $(hostname)"
  echo
  echo "- Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, $(uname -sr); load average before/after the run: $LOAD_START / $LOAD_END (anything well above 0 means other work shared the cores)"
  echo "- Java: $(java -version 2>&1 | head -1)$( [[ -n "${SERVICE_JAVA_OPTS:-}" ]] && echo ", JVM flags: $SERVICE_JAVA_OPTS")"
  echo "- Load generator: $(wrk --version 2>&1 | head -1 | awk '{print $1, $2}'), 2 threads, on the same cores as the server (so each number is the server's share of a machine it shares with wrk)"
  echo "- Command: \`${CMD_ENV}gatling/bench/run.sh${ORIG_ARGS:+ $ORIG_ARGS}\` (open-file limit $NOFILE; ${DURATION} s per measurement after ${WARMUP} s warm-up, POST warmed up again for ${WARMUP} s right before its $POST_ROUNDS rounds; $KEYS keys of ~100 B preloaded; whole run ${ELAPSED} s)"
  echo "- Service: \`java ${SERVICE_JAVA_OPTS:+$SERVICE_JAVA_OPTS }-jar target/config-service.jar\` with default settings (the ceiling gets the same JVM flags); ceiling: gatling/bench/ceiling (plain vertx-core, one verticle per core, ConcurrentHashMap)"
  echo
  echo "## Throughput and latency (wrk --latency; latencies in ms)"
  echo
  echo "| Request | Conns | Service req/s | p50 | p99 | Ceiling req/s | p50 | p99 | Service / ceiling | Service on DynamoDB req/s | p50 | p99 |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for s in $(for c in $CONNS; do echo "get_$c"; done) post_50; do
    k="${s/_/ }"
    req=$([[ $s == get* ]] && echo "GET /config/{key}" || echo "POST /config")
    echo "| $req | ${s#*_} | $(col "embedded|$k" 1) | $(col "embedded|$k" 2) | $(col "embedded|$k" 3) | $(col "ceiling|$k" 1) | $(col "ceiling|$k" 2) | $(col "ceiling|$k" 3) | $(ratio "embedded|$k" "ceiling|$k") | $(col "dynamodb|$k" 1) | $(col "dynamodb|$k" 2) | $(col "dynamodb|$k" 3) |"
  done
  echo
  echo "req/s counts successful (2xx) answers only; p50 and p99 are over every answer, non-2xx ones included."
  echo
  echo "POST was measured in $POST_ROUNDS rounds of ${DURATION} s, the targets taking turns; its row is each target's median round (errors summed over all rounds). Every round, req/s:"
  for t in embedded ceiling dynamodb; do
    [[ -n "${POST_ROUNDS_OF[$t]:-}" ]] && echo "- $t: ${POST_ROUNDS_OF[$t]}"
  done
  if [[ -n "${POST_ROUNDS_OF[embedded]:-}" && -n "${POST_ROUNDS_OF[ceiling]:-}" ]]; then
    echo "- service / ceiling, round by round: $(for r in $(seq 1 "$POST_ROUNDS"); do ratio "embedded|post 50 #$r" "ceiling|post 50 #$r"; echo; done | paste -sd, - | sed 's/,/, /g')"
  fi
  echo
  echo "Share of each server's CPU that its JIT compiler threads took during each measured window (a high share: that"
  echo "server was still compiling, and its figure is below its steady state; the write path's JIT settles late):"
  for t in embedded ceiling dynamodb; do
    [[ " ${LIVE[*]} " == *" $t "* ]] || continue
    echo "- $t: $(for c in $CONNS; do echo "GET $c ${JIT["$t|get $c"]:--}"; done | paste -sd, - | sed 's/,/, /g'); POST rounds $(for r in $(seq 1 "$POST_ROUNDS"); do echo "${JIT["$t|post 50 #$r"]:--}"; done | paste -sd, - | sed 's/,/, /g')"
  done
  echo
  echo "## Errors (socket errors / non-2xx responses)"
  echo
  echo "| Request | Conns | Service | Ceiling | Service on DynamoDB |"
  echo "|---|---:|---:|---:|---:|"
  for s in $(for c in $CONNS; do echo "get_$c"; done) post_50; do
    k="${s/_/ }"
    req=$([[ $s == get* ]] && echo "GET" || echo "POST")
    echo "| $req | ${s#*_} | $(col "embedded|$k" 4) / $(col "embedded|$k" 5) | $(col "ceiling|$k" 4) / $(col "ceiling|$k" 5) | $(col "dynamodb|$k" 4) / $(col "dynamodb|$k" 5) |"
  done
  echo
  if ((${#NON2XX[@]})); then
    echo "Non-2xx answers by route and status, from the service's \`vertx_http_server_requests_total\` (totals since it started, warm-up included), taken right after each measurement that saw some:"
    for line in "${NON2XX[@]}"; do echo "- $line"; done
    echo
  fi
  echo "## Start-up and memory"
  echo
  echo "| Target | Status | Time to ready (ms) | RSS idle after start (MiB) | RSS after the runs (MiB) |"
  echo "|---|---|---:|---:|---:|"
  for t in embedded ceiling dynamodb; do
    [[ " $TARGETS " == *" $t "* ]] || continue
    echo "| $t | ${STATUS[$t]:-not run} | ${READY[$t]:--} | ${RSS_IDLE[$t]:--} | ${RSS_AFTER[$t]:--} |"
  done
  echo
  echo "Resident memory with 1 KiB values cached: $MEM_RESULT"
  echo
  echo "Time to ready is from launching \`java -jar\` to the first 200 from /health/ready (polled every 50 ms)."
  if [[ "$(col "dynamodb|post 50" 5)" =~ ^[1-9] ]]; then
    echo
    echo "Non-2xx answers on POST to the service on DynamoDB are writes the adaptive write limit refused at once with 503"
    echo "(\`SHED_WRITE_LATENCY\`): 50 closed-loop writers keep a standing queue in front of dynalite, a single Node process."
  fi
} >"$OUT"
log "results written to $OUT"
cat "$OUT"
