#!/usr/bin/env bash
# How the write path warms up: a fresh service, the benchmark's 1,000 keys written once, then wrk POST at 50
# connections in WINDOWS windows of WINDOW seconds, with a JDK Flight Recorder recording of every JIT compilation
# and deoptimization. Prints the POSTs per second of each window, then C2's time by method (the methods it spent
# most on, and how often it compiled each) and the deoptimizations of the method it spent most on.
#
#   gatling/bench/post-warmup.sh                         (defaults: WINDOWS=6 WINDOW=10 PORT=28590)
#   EXTRA_JAVA_OPTS="-XX:..." gatling/bench/post-warmup.sh   (JVM options after -Xms224m -Xmx224m)
#   SERVICE_JAR=/path/other.jar gatling/bench/post-warmup.sh
#   KEEP=1 ...                                           (keeps the data directory with c.jfr, named at the end)
#
# Starts the service on 127.0.0.1:PORT with a fresh data directory and stops only that process.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/../.." && pwd)"
export BENCH_DIR
PORT=${PORT:-28590} WINDOWS=${WINDOWS:-6} WINDOW=${WINDOW:-10}
SERVICE_JAR=${SERVICE_JAR:-$REPO/target/config-service.jar}
D=$(mktemp -d)
JFR_TOOL="$(dirname "$(readlink -f "$(command -v java)")")/jfr"

cat >"$D/jit.jfc" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0">
  <event name="jdk.Compilation"><setting name="enabled">true</setting><setting name="threshold">0 ms</setting></event>
  <event name="jdk.Deoptimization"><setting name="enabled">true</setting><setting name="stackTrace">true</setting></event>
</configuration>
EOF

# shellcheck disable=SC2086
env PORT="$PORT" HOST=127.0.0.1 DATA_DIR="$D/data" \
  java -Xms224m -Xmx224m ${EXTRA_JAVA_OPTS:-} -XX:StartFlightRecording=filename="$D/c.jfr",settings="$D/jit.jfc" \
  -jar "$SERVICE_JAR" >"$D/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; [[ -n "${KEEP:-}" ]] || rm -rf "$D"' EXIT
for _ in $(seq 1 200); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/health/ready" && break; sleep 0.05; done

url="http://127.0.0.1:$PORT"
java "$BENCH_DIR/Loader.java" "$url" bench 1000 100 32 >/dev/null
windows=""
for _ in $(seq 1 "$WINDOWS"); do
  r=$(wrk -t2 -c50 -d"${WINDOW}s" -s "$BENCH_DIR/post.lua" "$url" -- 1000 bench | sed -n -E 's/.*RESULT rps=([0-9.]+) .*/\1/p')
  windows="$windows $(printf '%.0f' "$r")"
done
cpu=$(awk '{print $14 + $15}' "/proc/$pid/stat")
kill "$pid"; wait "$pid" 2>/dev/null || true
echo "POST req/s per ${WINDOW} s window:$windows | service CPU $((cpu / $(getconf CLK_TCK))) s | ${EXTRA_JAVA_OPTS:-default JVM options}"

"$JFR_TOOL" print --events jdk.Compilation "$D/c.jfr" >"$D/compilations.txt"
"$JFR_TOOL" print --events jdk.Deoptimization "$D/c.jfr" >"$D/deoptimizations.txt"
python3 - "$D" <<'EOF'
import collections, re, sys
d = sys.argv[1]
unit = {"s": 1000.0, "ms": 1.0, "us": 0.001, "ns": 1e-6}
by_method = collections.defaultdict(lambda: [0, 0.0])
total = 0.0
for event in open(d + "/compilations.txt").read().split("jdk.Compilation {")[1:]:
    if 'compiler = "c2"' not in event:
        continue
    value, u = re.search(r"duration = ([\d.]+) (\w+)", event).groups()
    ms = float(value) * unit[u]
    method = re.search(r"method = (.+)", event).group(1).split("(")[0].strip()
    by_method[method][0] += 1
    by_method[method][1] += ms
    total += ms
ranked = sorted(by_method.items(), key=lambda kv: -kv[1][1])
print("C2: %.1f s in %d compilations; the methods it spent most on:" % (total / 1000, sum(v[0] for v in by_method.values())))
for method, (count, ms) in ranked[:8]:
    print("  %7.0f ms  %2d x  %s" % (ms, count, method))
if ranked:
    top = ranked[0][0]
    print("deoptimizations of %s (time, source line, reason, action):" % top)
    for event in open(d + "/deoptimizations.txt").read().split("jdk.Deoptimization {")[1:]:
        if re.search(r"method = " + re.escape(top) + r"\(", event):
            field = lambda k: (re.search(k + r" = (.+)", event) or [None, "?"])[1].strip().strip('"')
            print("  %s  line %s  %s  %s" % (field("startTime"), field("lineNumber"), field("reason"), field("action")))
EOF
[[ -z "${KEEP:-}" ]] || echo "recording kept in $D/c.jfr"
