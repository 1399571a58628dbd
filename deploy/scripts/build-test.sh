#!/usr/bin/env bash
# Stage 1: build and test. The root `mvn verify` runs the service's tests and coverage gate, then builds and
# tests deploy/ (CDK synth, assertions, cdk-nag) and compiles gatling/; then the pipeline scripts' own tests.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MVN="${MVN:-mvn}"

run "$MVN" -B -ntp -f "$ROOT_DIR/pom.xml" verify
if [[ "${SKIP_SCRIPT_TESTS:-0}" != "1" ]]; then
  run bash "$SCRIPTS_DIR/test-scripts.sh"
fi
log "build and tests passed"
