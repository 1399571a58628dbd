#!/usr/bin/env bash
# Puts the previous release back after a failed smoke check.
#
# ROLLBACK_MODE=redeploy (default): redeploys the stack with the previous image tag (deploy.sh with
#   RECORD_PREVIOUS=0). CloudFormation rolls the group over to a launch template version running that tag and
#   the stack stays the source of truth.
# ROLLBACK_MODE=instance-refresh: starts an ASG instance refresh onto the launch template version before the
#   latest one, without CloudFormation. Faster when CloudFormation itself is the problem; follow it with a
#   redeploy of the previous tag to bring the stack back in line (docs/deploy.md).
#
# The previous tag comes from PREVIOUS_IMAGE_TAG, else the deploy state file, else SSM /<service>/previous-image-tag.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_env AWS_REGION
MODE="${ROLLBACK_MODE:-redeploy}"
REGION="${DEPLOY_REGION:-$(state_get DEPLOY_REGION)}"
REGION="${REGION:-$AWS_REGION}"
STACK="$(stack_name)"

case "$MODE" in
  redeploy)
    previous="${PREVIOUS_IMAGE_TAG:-$(state_get PREVIOUS_IMAGE_TAG)}"
    if [[ -z "$previous" ]]; then
      previous="$(capture "${DRY_RUN_PREVIOUS_TAG:-0000000prev0}" aws ssm get-parameter --region "$REGION" \
        --name "/$SERVICE_NAME/previous-image-tag" --query Parameter.Value --output text 2>/dev/null || true)"
    fi
    [[ -n "$previous" && "$previous" != "None" ]] || die "no previous image tag recorded: nothing to roll back to"
    echo "ROLLBACK: redeploying $STACK with image tag $previous"
    IMAGE_TAG="$previous" RECORD_PREVIOUS=0 DEPLOY_REGION="$REGION" bash "$SCRIPTS_DIR/deploy.sh"
    ;;
  instance-refresh)
    output() {
      capture "$2" aws cloudformation describe-stacks --region "$REGION" --stack-name "$STACK" \
        --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
    }
    asg="$(output AsgName dry-run-asg)"
    lt="$(output LaunchTemplateId lt-0dryrun)"
    latest="$(capture 2 aws ec2 describe-launch-templates --region "$REGION" --launch-template-ids "$lt" \
      --query 'LaunchTemplates[0].LatestVersionNumber' --output text)"
    [[ "$latest" =~ ^[0-9]+$ && "$latest" -gt 1 ]] || die "launch template $lt has no version before $latest"
    version=$((latest - 1))
    echo "ROLLBACK: instance refresh of $asg onto $lt version $version"
    run aws autoscaling start-instance-refresh --region "$REGION" --auto-scaling-group-name "$asg" \
      --desired-configuration "{\"LaunchTemplate\":{\"LaunchTemplateId\":\"$lt\",\"Version\":\"$version\"}}" \
      --preferences '{"MinHealthyPercentage":100,"MaxHealthyPercentage":200,"InstanceWarmup":120}'
    if ! is_dry_run; then
      # Bounded wait: 60 x 20 s.
      for ((i = 1; i <= 60; i++)); do
        status="$(aws autoscaling describe-instance-refreshes --region "$REGION" --auto-scaling-group-name "$asg" \
          --max-records 1 --query 'InstanceRefreshes[0].Status' --output text)"
        log "instance refresh: $status"
        case "$status" in
          Successful) break ;;
          Failed | Cancelled | RollbackSuccessful | RollbackFailed) die "instance refresh ended $status" ;;
        esac
        sleep 20
      done
      [[ "$status" == "Successful" ]] || die "instance refresh still $status after 20 minutes"
    fi
    ;;
  *) die "ROLLBACK_MODE must be redeploy or instance-refresh, not $MODE" ;;
esac
log "rollback of $STACK done ($MODE)"
