#!/bin/bash
# Container HEALTHCHECK: exit 0 when GET /health/ready answers 200 (the service is up and its store is
# reachable). Pure bash via /dev/tcp so the image needs neither curl nor wget.
host="${HOST:-127.0.0.1}"
case "$host" in 0.0.0.0|::|"[::]") host=127.0.0.1 ;; esac
port="${PORT:-8080}"
exec 3<>"/dev/tcp/${host}/${port}" || exit 1
printf 'GET /health/ready HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n' "$host" "$port" >&3
IFS= read -r -t 3 status <&3 || exit 1
case "$status" in
  "HTTP/1."?" 200 "*) exit 0 ;;
  *) echo "not ready: ${status%$'\r'}"; exit 1 ;;
esac
