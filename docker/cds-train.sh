#!/bin/bash
# Image build step: records the classes a start and the first requests load into a class-data sharing archive
# (AppCDS), which the image's JVM then maps instead of loading and verifying those classes one by one: the
# container is ready in about half the time (docs/performance.md, round 15).
#
#   cds-train.sh JAR ARCHIVE
#
# Starts the service from JAR on 127.0.0.1 with a throw-away data directory, waits for /health/ready, sends the
# requests a running instance serves first (a write, reads, a miss, a conditional read, the metrics scrape), then
# stops it with SIGTERM; the JVM writes ARCHIVE as it exits (-XX:ArchiveClassesAtExit). The archive is only valid
# for this JVM and this JAR at this path: the Dockerfile runs this after copying both, and the JVM ignores an
# archive that does not match (it then loads classes as usual). Pure bash (/dev/tcp): the image needs no curl.
set -euo pipefail
jar="$1" archive="$2"
port="${CDS_TRAIN_PORT:-18079}"
data="$(mktemp -d)"
log="$data.log"
trap 'rm -rf "$data" "$log"' EXIT

# The heap is fixed here instead of taken from the build host's memory: compressed object pointers (on below a
# 32 GiB heap) must be the same at run time for the archive to map.
HOST=127.0.0.1 PORT="$port" DATA_DIR="$data" LOG_FORMAT=text java -Xms256m -Xmx256m \
  -XX:ArchiveClassesAtExit="$archive" -Xlog:cds=error -Dfile.encoding=UTF-8 -jar "$jar" >"$log" 2>&1 &
pid=$!

# request METHOD PATH [BODY]: prints the status line's code.
request() {
  local method="$1" path="$2" body="${3:-}" status
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  if [ -n "$body" ]; then
    printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
      "$method" "$path" "${#body}" "$body" >&3
  else
    printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-None-Match: "x"\r\nConnection: close\r\n\r\n' "$method" "$path" >&3
  fi
  IFS=' ' read -r -t 10 _ status _ <&3 || status=000
  cat <&3 >/dev/null || true
  exec 3>&-
  echo "$status"
}

ready=""
for _ in $(seq 1 300); do # at most 60 s
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$log" >&2
    echo "cds-train: the service exited before it was ready" >&2
    exit 1
  fi
  if [ "$(request GET /health/ready 2>/dev/null)" = 200 ]; then ready=1; break; fi
  sleep 0.2
done
[ -n "$ready" ] || { cat "$log" >&2; echo "cds-train: not ready within 60 s" >&2; kill "$pid"; exit 1; }

for i in 1 2 3; do
  code=$(request POST /config "{\"key\":\"cds/train-$i\",\"value\":{\"n\":$i}}")
  [ "$code" = 201 ] || { echo "cds-train: POST answered $code" >&2; kill "$pid"; exit 1; }
  request GET "/config/cds/train-$i" >/dev/null
  request GET "/config/cds/train-$i" >/dev/null
done
request GET /config/cds/absent >/dev/null
request GET "/config?prefix=cds/" >/dev/null
request GET /health/live >/dev/null
request GET /metrics >/dev/null

kill -TERM "$pid"
wait "$pid" || true # 143: stopped by SIGTERM, as in production
[ -s "$archive" ] || { cat "$log" >&2; echo "cds-train: no archive was written" >&2; exit 1; }
echo "cds-train: wrote $archive ($(du -h "$archive" | cut -f1))"
