#!/usr/bin/env bash
# Shared helpers for the pipeline scripts. Source it; do not run it.
#
# DRY_RUN=1: every command that changes or queries something outside this machine (aws, docker, cdk, mvn, git
# push...) is printed as "DRY-RUN: <command>" on stdout instead of being run. Values a script would read back
# from AWS are replaced by the placeholder the caller names, so the rest of the script still runs and prints.
set -euo pipefail

SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEPLOY_DIR="$(cd "$SCRIPTS_DIR/.." && pwd)"
ROOT_DIR="$(cd "$DEPLOY_DIR/.." && pwd)"
DRY_RUN="${DRY_RUN:-0}"
SERVICE_NAME="${SERVICE_NAME:-config-service}"
ROLE="${ROLE:-primary}"
STATE_DIR="${STATE_DIR:-$ROOT_DIR/target/deploy}"
STATE_FILE="$STATE_DIR/deploy-state.env"
# The CDK CLI pinned to a major; npx fetches it on first use.
CDK="${CDK:-npx --yes aws-cdk@2}"
DOCKER="${DOCKER:-docker}"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-20}"

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

is_dry_run() { [[ "$DRY_RUN" == "1" ]]; }

# Prints a command the way a shell would read it back: arguments single-quoted only when they need to be.
render() {
  local out="" arg q="'"
  for arg in "$@"; do
    if [[ "$arg" =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
      out+="$arg "
    else
      out+="'${arg//$q/$q\\$q$q}' "
    fi
  done
  printf '%s' "${out% }"
}

# run CMD ARGS...: runs it, or prints it under DRY_RUN=1.
run() {
  if is_dry_run; then
    echo "DRY-RUN: $(render "$@")"
  else
    log "+ $(render "$@")"
    "$@"
  fi
}

# capture PLACEHOLDER CMD ARGS...: prints the command's stdout; under DRY_RUN=1 prints the command (to stderr,
# so $(...) does not swallow it... and also to stdout of the script via fd 3) and yields PLACEHOLDER.
capture() {
  local placeholder="$1"; shift
  if is_dry_run; then
    echo "DRY-RUN: $(render "$@")" >&3
    printf '%s' "$placeholder"
  else
    "$@"
  fi
}

# run_pipe "DESCRIPTION-FOR-LOG" -- LEFT... -- RIGHT...: LEFT | RIGHT (used for credential hand-offs, so that
# secrets only ever travel through a pipe, never an argument or a file).
run_pipe() {
  local left=() right=()
  shift # the literal "--"
  while [[ $# -gt 0 && "$1" != "--" ]]; do left+=("$1"); shift; done
  shift
  right=("$@")
  if is_dry_run; then
    echo "DRY-RUN: $(render "${left[@]}") | $(render "${right[@]}")"
  else
    log "+ $(render "${left[@]}") | $(render "${right[@]}")"
    "${left[@]}" | "${right[@]}"
  fi
}

# The image tag every stage agrees on: explicit IMAGE_TAG, else the commit being built.
image_tag() {
  if [[ -n "${IMAGE_TAG:-}" ]]; then
    printf '%s' "$IMAGE_TAG"
  else
    git -C "$ROOT_DIR" rev-parse --short=12 HEAD
  fi
}

require_env() {
  local name
  for name in "$@"; do
    [[ -n "${!name:-}" ]] || die "$name must be set"
  done
}

stack_name() { printf '%s-%s' "$SERVICE_NAME" "$ROLE"; }

# Writes KEY=VALUE into the state file shared by deploy, smoke-check and rollback (a pipeline artifact).
state_set() {
  mkdir -p "$STATE_DIR"
  touch "$STATE_FILE"
  local tmp
  tmp="$(mktemp)"
  grep -v "^$1=" "$STATE_FILE" > "$tmp" || true
  printf '%s=%s\n' "$1" "$2" >> "$tmp"
  mv "$tmp" "$STATE_FILE"
}

state_get() {
  [[ -f "$STATE_FILE" ]] || return 0
  grep "^$1=" "$STATE_FILE" | tail -n 1 | cut -d= -f2- || true
}

# fd 3 is where capture() reports dry-run commands: the script's stdout.
exec 3>&1
