#!/usr/bin/env bash
# Regenerates src/main/resources/META-INF/config-service/preload-classes.txt: the classes a start of the service
# loads, in order, up to its first answers (ready, a write, a read, a miss), recorded with -Xlog:class+load.
# ConfigServiceMain loads them on a second thread while the first one starts the service (ClassPreload). Run it
# after changing dependencies; a stale list only costs start-up time (ClassPreloadTest says when it is stale).
#
#   gatling/bench/preload-list.sh [JAR]      (default: target/config-service.jar, built first with mvn package)
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/../.." && pwd)"
JAR=${1:-$REPO/target/config-service.jar}
PORT=${PORT:-28191}
OUT="$REPO/src/main/resources/META-INF/config-service/preload-classes.txt"
DATA=$(mktemp -d)
mkdir -p "$(dirname "$OUT")"
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$DATA"' EXIT
# The list itself is left out of the recording (-Dconfig.preload=false), so that it lists what the start needs.
PORT=$PORT HOST=127.0.0.1 DATA_DIR="$DATA/data" java -Dconfig.preload=false -Xms224m -Xmx224m \
  "-Xlog:class+load=info:file=$DATA/classes.txt" -jar "$JAR" >"$DATA/log" 2>&1 &
pid=$!
url="http://127.0.0.1:$PORT"
for _ in $(seq 1 600); do curl -sf -o /dev/null "$url/health/ready" && break; sleep 0.05; done
curl -sf -o /dev/null -H 'Content-Type: application/json' -d '{"key":"preload/a","value":1}' "$url/config"
curl -sf -o /dev/null "$url/config/preload/a"
curl -s -o /dev/null "$url/config/preload/missing"
sleep 0.5
# Named classes only (no lambdas, proxies or other hidden classes), those the JDK's own archive does not hold.
grep -v 'shared objects file' "$DATA/classes.txt" | sed -nE 's/^\[[^]]*\]\[[^]]*\]\[[^]]*\] ([A-Za-z0-9_.$]+) source: .*/\1/p' \
  | grep -v '\$\$\|\$Proxy\|^jdk\.internal\.reflect\.Generated' >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "$(wc -l <"$OUT") classes written to $OUT"
