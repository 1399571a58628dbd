#!/usr/bin/env bash
# Tests for the pipeline scripts, offline: every script in DRY_RUN=1 with assertions on the commands it prints,
# and the smoke check against real local HTTP servers (python3 http.server for failures; the service jar, when
# built, for the passing path). Needs bash, curl, python3; java for the service case.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SERVICE_JAR="${SERVICE_JAR:-$ROOT/target/config-service.jar}"
WORK="$(mktemp -d)"
PIDS=()
PASSED=0
FAILED=0
SKIPPED=0

cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

wait_http() { # URL: wait up to 30 s for any HTTP answer
  local i
  for ((i = 0; i < 60; i++)); do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    sleep 0.5
  done
  echo "server at $1 did not come up" >&2
  return 1
}

# run_case NAME EXPECTED_EXIT ENV... -- CMD...: runs in a fresh state dir, output in $OUT, exit code in $RC.
run_case() {
  CASE="$1"; local expected="$2"; shift 2
  local env=()
  while [[ "$1" != "--" ]]; do env+=("$1"); shift; done
  shift
  STATE="$WORK/state-$((PASSED + FAILED + SKIPPED))"
  mkdir -p "$STATE"
  [[ -n "${SEED_STATE:-}" ]] && printf '%s\n' "$SEED_STATE" > "$STATE/deploy-state.env"
  set +e
  OUT="$(env -u IMAGE_TAG -u PREVIOUS_IMAGE_TAG -u BASE_URL -u AWS_ACCOUNT_ID -u SECONDARY_REGION \
    STATE_DIR="$STATE" "${env[@]}" "$@" 2>&1)"
  RC=$?
  set -e
  CASE_OK=1
  if [[ "$expected" != "any" && "$RC" != "$expected" ]]; then
    note "exit code $RC, expected $expected"
  fi
}

note() { CASE_OK=0; echo "    $*"; }
contains() { grep -qF -- "$1" <<<"$OUT" || note "missing: $1"; }
lacks() { ! grep -qF -- "$1" <<<"$OUT" || note "unexpected: $1"; }
state_has() { grep -qxF -- "$1" "$STATE/deploy-state.env" 2>/dev/null || note "state file lacks: $1"; }
done_case() {
  if [[ "$CASE_OK" == 1 ]]; then
    PASSED=$((PASSED + 1)); echo "ok   $CASE"
  else
    FAILED=$((FAILED + 1)); echo "FAIL $CASE"; echo "$OUT" | sed 's/^/    | /' | tail -n 40
  fi
}

echo "== strict mode and dry-run support"
CASE="every script runs under set -euo pipefail and honours DRY_RUN"; CASE_OK=1; OUT=""
grep -qx 'set -euo pipefail' "$HERE/lib.sh" || note "lib.sh lacks set -euo pipefail"
for s in build-test docker-build push-ecr deploy smoke-check rollback; do
  grep -q 'source "$(dirname "${BASH_SOURCE\[0\]}")/lib.sh"' "$HERE/$s.sh" || note "$s.sh does not source lib.sh"
  bash -n "$HERE/$s.sh" || note "$s.sh has a syntax error"
done
grep -qx 'set -euo pipefail' "$HERE/test-scripts.sh" || note "test-scripts.sh lacks strict mode"
done_case

echo "== build-test.sh"
run_case "build-test prints the Maven build (service, deploy/, gatling/) and the script tests" 0 DRY_RUN=1 \
  -- bash "$HERE/build-test.sh"
contains "DRY-RUN: mvn -B -ntp -f $ROOT/pom.xml verify"
contains "DRY-RUN: bash $HERE/test-scripts.sh"
# The root build runs deploy/'s tests itself; the stage must not depend on a copy of that wiring here.
grep -q "deploy/pom.xml" "$ROOT/pom.xml" || note "root pom.xml no longer builds deploy/: add it to build-test.sh"
done_case

echo "== docker-build.sh"
run_case "docker-build tags the image with IMAGE_TAG" 0 DRY_RUN=1 IMAGE_TAG=abc123def456 -- bash "$HERE/docker-build.sh"
contains "DRY-RUN: docker build --pull -f $ROOT/docker/Dockerfile -t config-service:abc123def456 --label org.opencontainers.image.revision=abc123def456 $ROOT"
state_has "IMAGE_TAG=abc123def456"
done_case

run_case "docker-build defaults the tag to the commit and honours DOCKER=podman" 0 DRY_RUN=1 DOCKER=podman -- bash "$HERE/docker-build.sh"
commit="$(git -C "$ROOT" rev-parse --short=12 HEAD)"
contains "DRY-RUN: podman build --pull -f $ROOT/docker/Dockerfile -t config-service:$commit"
done_case

echo "== push-ecr.sh"
run_case "push-ecr deploys the registry stacks and pushes to both regions" 0 DRY_RUN=1 IMAGE_TAG=abc123 \
  AWS_REGION=eu-west-1 SECONDARY_REGION=eu-central-1 AWS_ACCOUNT_ID=210987654321 -- bash "$HERE/push-ecr.sh"
contains "DRY-RUN: npx --yes aws-cdk@2 deploy config-service-primary-registry --exclusively --require-approval never -c role=primary -c region=eu-west-1 -c account=210987654321 -c replicaRegion=eu-central-1"
contains "DRY-RUN: npx --yes aws-cdk@2 deploy config-service-secondary-registry --exclusively --require-approval never -c role=secondary -c region=eu-central-1 -c account=210987654321 -c replicaRegion=eu-west-1"
contains "DRY-RUN: aws ecr get-login-password --region eu-west-1 | docker login --username AWS --password-stdin 210987654321.dkr.ecr.eu-west-1.amazonaws.com"
contains "DRY-RUN: docker tag config-service:abc123 210987654321.dkr.ecr.eu-west-1.amazonaws.com/config-service:abc123"
contains "DRY-RUN: docker push 210987654321.dkr.ecr.eu-west-1.amazonaws.com/config-service:abc123"
contains "DRY-RUN: docker push 210987654321.dkr.ecr.eu-central-1.amazonaws.com/config-service:abc123"
contains "DRY-RUN: aws ecr describe-images --region eu-west-1 --repository-name config-service --image-ids imageTag=abc123"
done_case

run_case "push-ecr asks STS for the account when none is given; one region without SECONDARY_REGION" 0 DRY_RUN=1 \
  IMAGE_TAG=abc123 AWS_REGION=eu-west-1 -- bash "$HERE/push-ecr.sh"
contains "DRY-RUN: aws sts get-caller-identity --query Account --output text"
contains "DRY-RUN: docker push 123456789012.dkr.ecr.eu-west-1.amazonaws.com/config-service:abc123"
lacks "eu-central-1"
done_case

run_case "push-ecr refuses to run without AWS_REGION" 1 DRY_RUN=1 IMAGE_TAG=abc123 AWS_REGION= -- bash "$HERE/push-ecr.sh"
contains "AWS_REGION must be set"
done_case

echo "== deploy.sh"
run_case "deploy records the running tag as rollback target, then deploys the new one" 0 DRY_RUN=1 \
  DRY_RUN_CURRENT_TAG=old111 IMAGE_TAG=new222 AWS_REGION=eu-west-1 REPLICA_REGION=eu-central-1 \
  ALARM_EMAIL=oncall@example.com -- bash "$HERE/deploy.sh"
contains "DRY-RUN: aws ssm get-parameter --region eu-west-1 --name /config-service/image-tag --query Parameter.Value --output text"
contains "DRY-RUN: aws ssm put-parameter --region eu-west-1 --name /config-service/previous-image-tag --value old111 --type String --overwrite"
contains "DRY-RUN: npx --yes aws-cdk@2 deploy config-service-primary --exclusively --require-approval never --outputs-file $STATE/outputs-config-service-primary.json -c role=primary -c region=eu-west-1 -c imageTag=new222 -c serviceName=config-service -c replicaRegion=eu-central-1 -c alarmEmail=oncall@example.com"
state_has "PREVIOUS_IMAGE_TAG=old111"
state_has "IMAGE_TAG=new222"
state_has "STACK_NAME=config-service-primary"
state_has "BASE_URL=https://dry-run.invalid"
done_case

run_case "redeploying the running tag does not overwrite the rollback target" 0 DRY_RUN=1 \
  DRY_RUN_CURRENT_TAG=same333 IMAGE_TAG=same333 AWS_REGION=eu-west-1 -- bash "$HERE/deploy.sh"
lacks "put-parameter"
contains "-c imageTag=same333"
done_case

run_case "secondary deploy goes to its own region with the DR context" 0 DRY_RUN=1 ROLE=secondary \
  DEPLOY_REGION=eu-central-1 REPLICA_REGION=eu-west-1 IMAGE_TAG=new222 AWS_REGION=eu-west-1 \
  DOMAIN_NAME=origin.config.example.com HOSTED_ZONE_ID=Z123 HOSTED_ZONE_NAME=config.example.com -- bash "$HERE/deploy.sh"
contains "aws ssm get-parameter --region eu-central-1"
contains "deploy config-service-secondary --exclusively"
contains "-c role=secondary -c region=eu-central-1 -c imageTag=new222"
contains "-c domainName=origin.config.example.com -c hostedZoneId=Z123 -c hostedZoneName=config.example.com"
state_has "BASE_URL=http://dry-run-alb.invalid"
done_case

run_case "secondary with TLS checks its own ALB under the certificate's name" 0 DRY_RUN=1 ROLE=secondary \
  DEPLOY_REGION=eu-central-1 REPLICA_REGION=eu-west-1 IMAGE_TAG=new222 AWS_REGION=eu-west-1 \
  CERTIFICATE_ARN=arn:aws:acm:eu-central-1:123456789012:certificate/x DOMAIN_NAME=origin.config.example.com \
  -- bash "$HERE/deploy.sh"
state_has "BASE_URL=https://origin.config.example.com"
state_has "SMOKE_CONNECT_TO=origin.config.example.com:443:dry-run-alb.invalid:443"
done_case

echo "== rollback.sh"
SEED_STATE=$'PREVIOUS_IMAGE_TAG=old111\nDEPLOY_REGION=eu-west-1'
run_case "rollback redeploys the recorded previous tag without recording the bad one" 0 DRY_RUN=1 \
  AWS_REGION=eu-west-1 DRY_RUN_CURRENT_TAG=bad999 -- bash "$HERE/rollback.sh"
contains "ROLLBACK: redeploying config-service-primary with image tag old111"
contains "-c imageTag=old111"
lacks "put-parameter"
done_case
SEED_STATE=""

run_case "rollback falls back to the SSM record when the state file has none" 0 DRY_RUN=1 AWS_REGION=eu-west-1 \
  DRY_RUN_PREVIOUS_TAG=ssm444 -- bash "$HERE/rollback.sh"
contains "DRY-RUN: aws ssm get-parameter --region eu-west-1 --name /config-service/previous-image-tag --query Parameter.Value --output text"
contains "-c imageTag=ssm444"
done_case

run_case "rollback by instance refresh targets the launch template version before the latest" 0 DRY_RUN=1 \
  AWS_REGION=eu-west-1 ROLLBACK_MODE=instance-refresh -- bash "$HERE/rollback.sh"
contains "DRY-RUN: aws cloudformation describe-stacks --region eu-west-1 --stack-name config-service-primary --query"
contains "DRY-RUN: aws ec2 describe-launch-templates --region eu-west-1 --launch-template-ids lt-0dryrun"
contains "DRY-RUN: aws autoscaling start-instance-refresh --region eu-west-1 --auto-scaling-group-name dry-run-asg --desired-configuration '{\"LaunchTemplate\":{\"LaunchTemplateId\":\"lt-0dryrun\",\"Version\":\"1\"}}'"
lacks "aws-cdk"
done_case

run_case "rollback refuses an unknown mode" 1 DRY_RUN=1 AWS_REGION=eu-west-1 ROLLBACK_MODE=pray -- bash "$HERE/rollback.sh"
contains "ROLLBACK_MODE must be redeploy or instance-refresh"
done_case

echo "== smoke-check.sh against real local servers"
# 1. Nothing listens: readiness never answers.
port="$(free_port)"
SEED_STATE=$'PREVIOUS_IMAGE_TAG=old111\nDEPLOY_REGION=eu-west-1'
run_case "smoke check fails when nothing answers, and triggers the rollback" 1 DRY_RUN=1 AUTO_ROLLBACK=1 \
  AWS_REGION=eu-west-1 SMOKE_RETRIES=2 SMOKE_DELAY=0 BASE_URL="http://127.0.0.1:$port" -- bash "$HERE/smoke-check.sh"
contains "SMOKE CHECK FAILED: GET /health/ready answered 000"
contains "ROLLBACK: redeploying config-service-primary with image tag old111"
contains "DRY-RUN: npx --yes aws-cdk@2 deploy config-service-primary"
done_case

# 2. A static server: readiness 404.
static_port="$(free_port)"
mkdir -p "$WORK/static-empty"
python3 -m http.server "$static_port" --bind 127.0.0.1 --directory "$WORK/static-empty" >/dev/null 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$static_port/"
run_case "smoke check fails on a non-ready service (404) and rolls back" 1 DRY_RUN=1 AUTO_ROLLBACK=1 \
  AWS_REGION=eu-west-1 SMOKE_RETRIES=2 SMOKE_DELAY=0 BASE_URL="http://127.0.0.1:$static_port" -- bash "$HERE/smoke-check.sh"
contains "GET /health/ready answered 404"
contains "ROLLBACK: redeploying"
done_case

run_case "without AUTO_ROLLBACK the failure is reported and nothing is rolled back" 1 DRY_RUN=1 \
  AWS_REGION=eu-west-1 SMOKE_RETRIES=1 SMOKE_DELAY=0 BASE_URL="http://127.0.0.1:$static_port" -- bash "$HERE/smoke-check.sh"
contains "SMOKE CHECK FAILED"
lacks "ROLLBACK"
done_case

# 3. Ready, but writes fail: http.server answers POST with 501.
ready_port="$(free_port)"
mkdir -p "$WORK/static-ready/health"
echo '{"status":"UP"}' > "$WORK/static-ready/health/ready"
python3 -m http.server "$ready_port" --bind 127.0.0.1 --directory "$WORK/static-ready" >/dev/null 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$ready_port/"
run_case "smoke check fails when readiness passes but the write is refused, and rolls back" 1 DRY_RUN=1 \
  AUTO_ROLLBACK=1 AWS_REGION=eu-west-1 SMOKE_RETRIES=2 SMOKE_DELAY=0 BASE_URL="http://127.0.0.1:$ready_port" \
  -- bash "$HERE/smoke-check.sh"
contains "POST /config answered 501"
contains "ROLLBACK: redeploying config-service-primary with image tag old111"
done_case
SEED_STATE=""

# 4. The real service: the whole check passes and nothing is rolled back.
if [[ -f "$SERVICE_JAR" ]] && command -v java >/dev/null; then
  svc_port="$(free_port)"
  mkdir -p "$WORK/data"
  PORT="$svc_port" HOST=127.0.0.1 STORE=embedded DATA_DIR="$WORK/data" LOG_LEVEL=WARN \
    java -Xms128m -Xmx128m -jar "$SERVICE_JAR" >"$WORK/service.log" 2>&1 &
  PIDS+=($!)
  if wait_http "http://127.0.0.1:$svc_port/health/live"; then
    run_case "smoke check passes against the real service (write, read back, delete)" 0 DRY_RUN=1 AUTO_ROLLBACK=1 \
      AWS_REGION=eu-west-1 SMOKE_DELAY=1 BASE_URL="http://127.0.0.1:$svc_port" -- bash "$HERE/smoke-check.sh"
    contains "smoke check passed against http://127.0.0.1:$svc_port"
    contains "SMOKE: curl -sS -o"
    lacks "ROLLBACK"
    done_case

    run_case "smoke check reaches a named host at another address with SMOKE_CONNECT_TO" 0 DRY_RUN=1 \
      AWS_REGION=eu-west-1 SMOKE_RETRIES=3 SMOKE_DELAY=1 BASE_URL="http://config.invalid:$svc_port" \
      SMOKE_CONNECT_TO="config.invalid:$svc_port:127.0.0.1:$svc_port" -- bash "$HERE/smoke-check.sh"
    contains "--connect-to config.invalid:$svc_port:127.0.0.1:$svc_port http://config.invalid:$svc_port/health/ready"
    contains "smoke check passed"
    done_case
  else
    CASE="service jar starts"; CASE_OK=0; OUT="$(tail -n 40 "$WORK/service.log")"; done_case
  fi
else
  SKIPPED=$((SKIPPED + 1))
  echo "skip smoke check against the real service: no $SERVICE_JAR (build it with mvn package first)"
fi

echo "== pipeline definitions call the same scripts"
CASE="GitHub Actions and Bitbucket Pipelines run every stage script"; CASE_OK=1; OUT=""
for f in "$ROOT/.github/workflows/pipeline.yml" "$ROOT/bitbucket-pipelines.yml"; do
  [[ -f "$f" ]] || { note "missing $f"; continue; }
  for s in build-test docker-build push-ecr deploy smoke-check rollback; do
    grep -q "deploy/scripts/$s.sh" "$f" || note "$(basename "$f") does not call $s.sh"
  done
  grep -qiE 'AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY' "$f" && note "$(basename "$f") mentions long-lived keys"
done
grep -q "id-token: write" "$ROOT/.github/workflows/pipeline.yml" || note "GitHub workflow lacks id-token: write"
grep -q "role-to-assume" "$ROOT/.github/workflows/pipeline.yml" || note "GitHub workflow lacks role-to-assume"
grep -q "oidc: true" "$ROOT/bitbucket-pipelines.yml" || note "Bitbucket pipeline lacks oidc: true"
grep -q "AWS_WEB_IDENTITY_TOKEN_FILE" "$ROOT/bitbucket-pipelines.yml" || note "Bitbucket pipeline lacks AWS_WEB_IDENTITY_TOKEN_FILE"
done_case

echo
echo "scripts: $PASSED passed, $FAILED failed, $SKIPPED skipped"
[[ "$FAILED" == 0 ]]
