#!/usr/bin/env bash
# Evaluates every PromQL query of the Grafana dashboard in a real Prometheus scraping a real service, so
# syntax errors and queries that match nothing are caught without Grafana. Also validates the shipped
# monitoring/prometheus/prometheus.yml with promtool.
#
# Starts target/config-service.jar on 127.0.0.1:$SVC_PORT (embedded store, temporary data dir), Prometheus on
# 127.0.0.1:$PROM_PORT scraping it every second, sends a bounded burst of writes, reads and misses, then
# runs each query ($__rate_interval = 15s, $instance = .*). Every query must succeed; every query must return
# data, except those on 5xx answers (a healthy run produces none).
# Prometheus comes from Debian's package, unpacked into monitoring/.prometheus (no daemon is installed).
# Prints SKIPPED and exits 0 when the package cannot be fetched (no apt).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
JAR="${JAR:-$repo/target/config-service.jar}"
SVC_PORT="${SVC_PORT:-18093}"
PROM_PORT="${PROM_PORT:-18094}"
tools="$here/.prometheus"

log() { printf 'check-promql: %s\n' "$*"; }
fail() { printf 'check-promql: FAIL: %s\n' "$*" >&2; exit 1; }

if [ ! -x "$tools/usr/bin/prometheus" ]; then
  if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb >/dev/null 2>&1; then
    echo "SKIPPED: check-promql: no apt-get/dpkg-deb to fetch Prometheus"; exit 0
  fi
  dl="$(mktemp -d)"
  if ! (cd "$dl" && apt-get download -q prometheus >/dev/null 2>&1); then
    # a fresh machine may have no package lists yet
    if [ "$(id -u)" = 0 ]; then apt-get update -q >/dev/null 2>&1 || true; fi
    (cd "$dl" && apt-get download -q prometheus >/dev/null 2>&1) \
      || { rm -rf "$dl"; echo "SKIPPED: check-promql: apt-get download prometheus failed"; exit 0; }
  fi
  mkdir -p "$tools"
  dpkg-deb -x "$dl"/prometheus_*.deb "$tools"
  rm -rf "$dl"
fi
"$tools/usr/bin/promtool" check config "$here/prometheus/prometheus.yml" >/dev/null \
  || fail "promtool rejects monitoring/prometheus/prometheus.yml"
log "ok: promtool accepts monitoring/prometheus/prometheus.yml"

[ -f "$JAR" ] || fail "no $JAR (mvn -q package -DskipTests)"
work="$(mktemp -d)"
svc_pid=""
prom_pid=""
cleanup() {
  if [ -n "$prom_pid" ]; then kill "$prom_pid" 2>/dev/null || true; fi
  if [ -n "$svc_pid" ]; then kill "$svc_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

for port in "$SVC_PORT" "$PROM_PORT"; do
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then fail "port $port is already in use"; fi
done
HOST=127.0.0.1 PORT="$SVC_PORT" DATA_DIR="$work/data" LOG_FORMAT=text java -Xms128m -Xmx128m -jar "$JAR" >"$work/service.log" 2>&1 &
svc_pid=$!
cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: config-service
    static_configs:
      - targets: ["127.0.0.1:$SVC_PORT"]
YAML
"$tools/usr/bin/prometheus" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$work/prometheus.log" 2>&1 &
prom_pid=$!

for _ in $(seq 1 120); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$SVC_PORT/health/ready")" = 200 ] && break
  kill -0 "$svc_pid" 2>/dev/null || { tail -30 "$work/service.log" >&2; fail "the service exited"; }
  sleep 0.5
done
for _ in $(seq 1 60); do
  curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PROM_PORT/-/ready" && break
  kill -0 "$prom_pid" 2>/dev/null || { tail -30 "$work/prometheus.log" >&2; fail "prometheus exited"; }
  sleep 0.5
done

# Bounded traffic: 40 rounds of a write, two reads (miss then hit), a 404 read, a stale conditional write
# (412, store outcome conflict) and a delete of an absent key (404, outcome not_found), over ~10 s.
for i in $(seq 1 40); do
  curl -s -o /dev/null --max-time 2 -H 'Content-Type: application/json' \
    -d "{\"key\":\"promql/k$((i % 8))\",\"value\":$i}" "http://127.0.0.1:$SVC_PORT/config"
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$SVC_PORT/config/promql/k$((i % 8))"
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$SVC_PORT/config/promql/k$((i % 8))"
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$SVC_PORT/config/promql/absent-$i"
  curl -s -o /dev/null --max-time 2 -X PUT -H 'Content-Type: application/json' -H 'If-Match: "100000"' \
    -d '{"value":0}' "http://127.0.0.1:$SVC_PORT/config/promql/k$((i % 8))"
  curl -s -o /dev/null --max-time 2 -X DELETE "http://127.0.0.1:$SVC_PORT/config/promql/absent-$i"
  sleep 0.25
done
sleep 3 # two more scrapes

python3 - "$here/check-dashboard.py" "http://127.0.0.1:$PROM_PORT" <<'PY'
import importlib.util, json, sys, urllib.parse, urllib.request
spec = importlib.util.spec_from_file_location("cd", sys.argv[1])
cd = importlib.util.module_from_spec(spec); spec.loader.exec_module(cd)
prom = sys.argv[2]
with open(cd.DEFAULT_DASHBOARD) as f:
    dashboard = json.load(f)
problems, empty_ok = [], []
queries = cd.dashboard_queries(dashboard)
for where, expr in queries:
    q = expr
    if q.startswith("label_values("):
        q = " or ".join(sorted(cd.metrics_in(q)))   # the series the variable reads its values from
    q = q.replace("$__rate_interval", "15s").replace("$instance", ".*")
    url = prom + "/api/v1/query?" + urllib.parse.urlencode({"query": q})
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            body = json.load(r)
    except urllib.error.HTTPError as e:
        body = json.load(e)
    if body.get("status") != "success":
        problems.append(f"{where}: {body.get('errorType')}: {body.get('error')} in {q}")
    elif not body["data"]["result"]:
        if 'code=~"5' in expr:
            empty_ok.append(where)
        else:
            problems.append(f"{where}: no data for {q}")
for p in problems:
    print(f"check-promql: {p}", file=sys.stderr)
if problems:
    sys.exit(1)
print(f"check-promql: ok: {len(queries)} queries evaluate in Prometheus; {len(queries) - len(empty_ok)} return data, "
      f"{len(empty_ok)} on 5xx are empty as expected")
PY
