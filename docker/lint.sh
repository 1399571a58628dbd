#!/usr/bin/env bash
# Offline lint of the container files:
#  - docker/Dockerfile with dockerfile-utils (the parser/validator behind the VS Code Docker extension),
#    plus this project's rules: ARG BASE_IMAGE before FROM, a numeric non-root USER, exec-form ENTRYPOINT,
#    a HEALTHCHECK on /health/ready, the container JVM flags;
#  - docker/compose.yaml and the monitoring/ YAML with js-yaml (syntax, and that every mounted file exists).
# Tools go to docker/.lint (ignored by git), pinned, installed once from the npm registry.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tools="${LINT_TOOLS_DIR:-$here/.lint}"
if [ ! -x "$tools/node_modules/.bin/dockerfile-utils" ] || [ ! -d "$tools/node_modules/js-yaml" ]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-save --no-audit --no-fund --loglevel=error \
    dockerfile-utils@0.16.3 js-yaml@4.1.0 >/dev/null
fi

df="$here/Dockerfile"
"$tools/node_modules/.bin/dockerfile-utils" lint "$df"

problems=0
need() { # need REGEX WHY: the Dockerfile must have a line matching REGEX
  if ! grep -Eq "$1" "$df"; then echo "lint: Dockerfile: $2" >&2; problems=$((problems + 1)); fi
}
first_from=$(grep -n '^FROM' "$df" | head -1 | cut -d: -f1)
arg_line=$(grep -n '^ARG BASE_IMAGE=' "$df" | head -1 | cut -d: -f1)
if [ -z "$arg_line" ] || [ -z "$first_from" ] || [ "$arg_line" -gt "$first_from" ]; then
  echo "lint: Dockerfile: ARG BASE_IMAGE=<default> must come before FROM" >&2; problems=$((problems + 1))
fi
need '^FROM \$\{BASE_IMAGE\}' 'FROM must use ${BASE_IMAGE}'
need '^USER [1-9][0-9]*|^USER \$\{APP_UID\}' 'USER must be a fixed non-zero numeric UID'
need '^ARG APP_UID=[1-9][0-9]{3,}' 'APP_UID must default to a fixed non-root UID'
need '^ENTRYPOINT \["java"' 'ENTRYPOINT must be exec form running java (PID 1 gets SIGTERM)'
need '^HEALTHCHECK .*CMD' 'HEALTHCHECK missing'
grep -q 'health/ready' "$here/healthcheck.sh" || { echo "lint: healthcheck.sh does not probe /health/ready" >&2; problems=$((problems + 1)); }
need 'MaxRAMPercentage=' 'JVM heap must follow the container memory (-XX:MaxRAMPercentage)'
need 'ExitOnOutOfMemoryError' 'JVM must exit on OutOfMemoryError'
need 'SharedArchiveFile=/app/config-service.jsa' 'JVM must map the class-data sharing archive cds-archive.sh dumps'
need '^RUN /usr/local/bin/cds-archive ' 'the image must dump its class-data sharing archive (cds-archive.sh)'
need '^VOLUME \["/data"\]' 'VOLUME /data missing'
if grep -Eq '^USER (0|root)\b' "$df"; then echo "lint: Dockerfile: runs as root" >&2; problems=$((problems + 1)); fi
for script in healthcheck.sh smoke-test.sh base-image.sh engine.sh lint.sh cds-archive.sh; do bash -n "$here/$script"; done

NODE_PATH="$tools/node_modules" node "$here/lint-config.js" || problems=$((problems + 1))
if [ "$problems" -gt 0 ]; then echo "lint: $problems problem(s)" >&2; exit 1; fi
echo "lint: Dockerfile, compose.yaml and monitoring YAML ok"
