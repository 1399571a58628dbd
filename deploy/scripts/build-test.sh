#!/usr/bin/env bash
# Stage 1: build and test the service, then the CDK app (synth + assertions + cdk-nag) and the pipeline scripts.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MVN="${MVN:-mvn}"
MVN_FLAGS=(-B -ntp)

run "$MVN" "${MVN_FLAGS[@]}" -f "$ROOT_DIR/pom.xml" verify
run "$MVN" "${MVN_FLAGS[@]}" -f "$DEPLOY_DIR/pom.xml" verify
if [[ "${SKIP_SCRIPT_TESTS:-0}" != "1" ]]; then
  run bash "$SCRIPTS_DIR/test-scripts.sh"
fi
log "build and tests passed"
