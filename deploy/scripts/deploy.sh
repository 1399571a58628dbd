#!/usr/bin/env bash
# Stage 4: deploy the service stack with the image tag (CDK). Before deploying, the tag the stack runs now is
# recorded as the rollback target (SSM /<service>/previous-image-tag and the state file). CloudFormation's
# rolling update waits for each new instance's readiness signal and undoes the update by itself if one fails.
#
# Env: AWS_REGION (required), ROLE (primary|secondary), DEPLOY_REGION (default AWS_REGION), IMAGE_TAG (default:
# commit), REPLICA_REGION, CERTIFICATE_ARN, DOMAIN_NAME, HOSTED_ZONE_ID, HOSTED_ZONE_NAME, ALARM_EMAIL,
# RECORD_PREVIOUS (1; rollback sets 0 so the bad tag is not recorded as the one to go back to).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_env AWS_REGION
REGION="${DEPLOY_REGION:-$AWS_REGION}"
TAG="$(image_tag)"
STACK="$(stack_name)"
TAG_PARAM="/$SERVICE_NAME/image-tag"
PREVIOUS_PARAM="/$SERVICE_NAME/previous-image-tag"

current="$(capture "${DRY_RUN_CURRENT_TAG:-0000000prev0}" aws ssm get-parameter --region "$REGION" \
  --name "$TAG_PARAM" --query Parameter.Value --output text 2>/dev/null || true)"
if [[ "${RECORD_PREVIOUS:-1}" == "1" && -n "$current" && "$current" != "$TAG" ]]; then
  run aws ssm put-parameter --region "$REGION" --name "$PREVIOUS_PARAM" --value "$current" --type String --overwrite
  state_set PREVIOUS_IMAGE_TAG "$current"
  log "rollback target: $current"
elif [[ -z "$current" ]]; then
  log "first deploy of $STACK: no previous tag to roll back to"
fi

ctx=(-c "role=$ROLE" -c "region=$REGION" -c "imageTag=$TAG" -c "serviceName=$SERVICE_NAME")
add_ctx() { if [[ -n "${2:-}" ]]; then ctx+=(-c "$1=$2"); fi; }
add_ctx account "${AWS_ACCOUNT_ID:-}"
add_ctx replicaRegion "${REPLICA_REGION:-}"
add_ctx certificateArn "${CERTIFICATE_ARN:-}"
add_ctx domainName "${DOMAIN_NAME:-}"
add_ctx hostedZoneId "${HOSTED_ZONE_ID:-}"
add_ctx hostedZoneName "${HOSTED_ZONE_NAME:-}"
add_ctx alarmEmail "${ALARM_EMAIL:-}"

mkdir -p "$STATE_DIR"
OUTPUTS="$STATE_DIR/outputs-$STACK.json"
(cd "$DEPLOY_DIR" && run $CDK deploy "$STACK" --exclusively --require-approval never \
  --outputs-file "$OUTPUTS" "${ctx[@]}")

output() {
  if is_dry_run; then
    printf '%s' "$2"
  else
    # cdk writes {"<stack>": {"<output>": ...}}; node is on the path wherever cdk runs.
    node -e 'const o=require(process.argv[1]); process.stdout.write(o[process.argv[2]][process.argv[3]] || "")' \
      "$OUTPUTS" "$STACK" "$1"
  fi
}
base_url="$(output ServiceUrl "${DRY_RUN_BASE_URL:-https://dry-run.invalid}")"
connect_to=""
if [[ "$ROLE" == "secondary" ]]; then
  # The public name fails over to the primary while it is healthy: check this region's ALB itself. With TLS the
  # certificate names DOMAIN_NAME, so keep that name and have curl connect to the ALB (--connect-to).
  alb="$(output AlbDnsName dry-run-alb.invalid)"
  if [[ -n "${CERTIFICATE_ARN:-}" ]]; then
    base_url="https://$DOMAIN_NAME"
    connect_to="$DOMAIN_NAME:443:$alb:443"
  else
    base_url="http://$alb"
  fi
fi
state_set SMOKE_CONNECT_TO "$connect_to"
state_set STACK_NAME "$STACK"
state_set DEPLOY_REGION "$REGION"
state_set IMAGE_TAG "$TAG"
state_set BASE_URL "$base_url"
log "deployed $STACK with $TAG; service at $base_url"
