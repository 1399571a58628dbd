#!/usr/bin/env bash
# Stage 3: make sure each region's registry stack exists, then push the image to it. The same tag goes to the
# primary region and, when SECONDARY_REGION is set, to the DR region, so a failover never waits on an image copy.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_env AWS_REGION
TAG="$(image_tag)"
ACCOUNT="${AWS_ACCOUNT_ID:-$(capture 123456789012 aws sts get-caller-identity --query Account --output text)}"

push_region() {
  local region="$1" role="$2"
  local registry="$ACCOUNT.dkr.ecr.$region.amazonaws.com"
  local remote="$registry/$SERVICE_NAME:$TAG"

  # Idempotent: a no-op when the repository stack is unchanged.
  (cd "$DEPLOY_DIR" && run $CDK deploy "$SERVICE_NAME-$role-registry" \
    --exclusively --require-approval never -c "role=$role" -c "region=$region" -c "account=$ACCOUNT" \
    -c "replicaRegion=${3}")

  # Tags are immutable: a re-run of the pipeline for the same commit must not fail on an existing tag.
  local existing
  existing="$(capture "" aws ecr describe-images --region "$region" --repository-name "$SERVICE_NAME" \
    --image-ids "imageTag=$TAG" --query 'imageDetails[0].imageTags' --output text 2>/dev/null || true)"
  if [[ -n "$existing" && "$existing" != "None" ]]; then
    log "$remote already present, not pushing again"
    return 0
  fi
  run_pipe -- aws ecr get-login-password --region "$region" -- "$DOCKER" login --username AWS --password-stdin "$registry"
  run "$DOCKER" tag "$SERVICE_NAME:$TAG" "$remote"
  run "$DOCKER" push "$remote"
}

push_region "$AWS_REGION" primary "${SECONDARY_REGION:-}"
if [[ -n "${SECONDARY_REGION:-}" ]]; then
  push_region "$SECONDARY_REGION" secondary "$AWS_REGION"
fi
state_set IMAGE_TAG "$TAG"
log "pushed $SERVICE_NAME:$TAG"
