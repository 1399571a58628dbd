#!/usr/bin/env bash
# Regenerates the class lists under src/main/resources/META-INF/config-service/: the classes a start of the service
# loads, in order, up to its first answers (ready, a write, a read, a miss), recorded with -Xlog:class+load.
# ConfigServiceMain loads them on a second thread while the first one starts the service (ClassPreload).
#   preload-classes.txt           a start on the embedded store
#   preload-classes-dynamodb.txt  a start on DynamoDB (dynalite, the DynamoDB protocol server the tests use: from
#                                 target/dynalite when `mvn test` has installed it there, else from npm)
# Run it after changing dependencies; a stale list only costs start-up time (ClassPreloadTest says when it is stale).
#
#   gatling/bench/preload-list.sh [JAR]      (default: target/config-service.jar; build it first with mvn package)
#
# Environment: PORT (28191; dynalite gets PORT+1). Stops only the processes it started.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/../.." && pwd)"
JAR=${1:-$REPO/target/config-service.jar}
PORT=${PORT:-28191}
OUT_DIR="$REPO/src/main/resources/META-INF/config-service"
WORK=$(mktemp -d)
pids=()
mkdir -p "$OUT_DIR"
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# record OUT [ENV=VALUE...]: one start with the given settings, its classes written to OUT.
record() {
  local out="$1" url="http://127.0.0.1:$PORT" pid
  shift
  rm -f "$WORK/classes.txt"
  # The lists themselves are left out of the recording (-Dconfig.preload=false): it lists what the start needs.
  env "$@" PORT="$PORT" HOST=127.0.0.1 DATA_DIR="$WORK/data" java -Dconfig.preload=false -Xms224m -Xmx224m \
    "-Xlog:class+load=info:file=$WORK/classes.txt" -jar "$JAR" >"$WORK/log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    curl -sf -o /dev/null "$url/health/ready" && break
    kill -0 "$pid" 2>/dev/null || { cat "$WORK/log" >&2; echo "preload-list: the service exited" >&2; exit 1; }
    sleep 0.05
  done
  curl -sf -o /dev/null -H 'Content-Type: application/json' -d '{"key":"preload/a","value":1}' "$url/config"
  curl -sf -o /dev/null "$url/config/preload/a"
  curl -s -o /dev/null "$url/config/preload/missing"
  sleep 0.5
  kill "$pid"
  wait "$pid" || true
  # Named classes only (no lambdas, proxies or other hidden classes). The JDK's classes its own archive holds are
  # kept: ClassPreload finds them loaded at once, and the image's archive (docker/cds-archive.sh) needs them.
  sed -nE 's/^\[[^]]*\]\[[^]]*\]\[[^]]*\] ([A-Za-z0-9_.$]+) source: .*/\1/p' "$WORK/classes.txt" \
    | grep -v '\$\$\|\$Proxy\|^jdk\.internal\.reflect\.Generated' >"$out.tmp"
  mv "$out.tmp" "$out"
  echo "$(wc -l <"$out") classes written to $out"
}

record "$OUT_DIR/preload-classes.txt"

dynalite="$REPO/target/dynalite/node_modules/.bin/dynalite"
if [ ! -x "$dynalite" ]; then
  npm install --prefix "$WORK/npm" --no-save --no-audit --no-fund --loglevel=error dynalite@4.0.0 >/dev/null
  dynalite="$WORK/npm/node_modules/.bin/dynalite"
fi
"$dynalite" --host 127.0.0.1 --port $((PORT + 1)) --createTableMs 0 >"$WORK/dynalite.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$((PORT + 1))" && break; sleep 0.1; done
record "$OUT_DIR/preload-classes-dynamodb.txt" STORE=dynamodb "DYNAMODB_ENDPOINT=http://127.0.0.1:$((PORT + 1))" \
  CREATE_TABLE=true DYNAMODB_TABLE=preload AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
