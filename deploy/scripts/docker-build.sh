#!/usr/bin/env bash
# Stage 2: build the service image (docker/Dockerfile), tagged with the commit. The jar comes from stage 1
# (target/config-service.jar), so the image ships exactly the artifact that was tested.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TAG="$(image_tag)"
DOCKERFILE="${DOCKERFILE:-$ROOT_DIR/docker/Dockerfile}"
is_dry_run || [[ -f "$DOCKERFILE" ]] || die "no Dockerfile at $DOCKERFILE"

run "$DOCKER" build --pull -f "$DOCKERFILE" -t "$SERVICE_NAME:$TAG" \
  --label "org.opencontainers.image.revision=$TAG" "$ROOT_DIR"
state_set IMAGE_TAG "$TAG"
log "built $SERVICE_NAME:$TAG"
