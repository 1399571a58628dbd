#!/usr/bin/env bash
# Stage 5: post-deploy smoke check against the deployed service: readiness, then a write, a read-back and a
# delete of a throwaway key. On failure, AUTO_ROLLBACK=1 runs rollback.sh; the check still exits non-zero so the
# pipeline shows the failed deploy.
#
# The HTTP calls always run (they are the check; BASE_URL decides where). DRY_RUN=1 is passed on to the
# rollback, which then only prints what it would do.
#
# Env: BASE_URL (default: from the deploy state file), SMOKE_CONNECT_TO (curl --connect-to HOST:PORT:ADDR:PORT, to
# reach one region's ALB under the certificate's name), SMOKE_RETRIES (30), SMOKE_DELAY (5 s), SMOKE_TIMEOUT (10 s),
# AUTO_ROLLBACK (0).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BASE_URL="${BASE_URL:-$(state_get BASE_URL)}"
[[ -n "$BASE_URL" ]] || die "BASE_URL not set and no deploy state at $STATE_FILE"
BASE_URL="${BASE_URL%/}"
CONNECT_TO="${SMOKE_CONNECT_TO:-$(state_get SMOKE_CONNECT_TO)}"
RETRIES="${SMOKE_RETRIES:-30}"
DELAY="${SMOKE_DELAY:-5}"
TIMEOUT="${SMOKE_TIMEOUT:-10}"
NONCE="smoke-$(date +%s)-$$-$RANDOM"
KEY="smoke/$NONCE"
BODY="$(mktemp)"
trap 'rm -f "$BODY"' EXIT

# http METHOD PATH [JSON]: prints the status code; the body lands in $BODY.
http() {
  local method="$1" path="$2" data="${3:-}"
  local args=(-sS -o "$BODY" -w '%{http_code}' --max-time "$TIMEOUT" -X "$method")
  if [[ -n "$data" ]]; then args+=(-H 'Content-Type: application/json' --data "$data"); fi
  if [[ -n "$CONNECT_TO" ]]; then args+=(--connect-to "$CONNECT_TO"); fi
  echo "SMOKE: curl ${args[*]} $BASE_URL$path" >&2
  curl "${args[@]}" "$BASE_URL$path" || true
}

fail() {
  log "SMOKE CHECK FAILED: $*"
  if [[ "${AUTO_ROLLBACK:-0}" == "1" ]]; then
    log "rolling back"
    bash "$SCRIPTS_DIR/rollback.sh" || log "ROLLBACK FAILED: manual action needed (docs/deploy.md)"
  fi
  exit 1
}

code=""
for ((i = 1; i <= RETRIES; i++)); do
  code="$(http GET /health/ready)"
  [[ "$code" == "200" ]] && break
  log "readiness $code (attempt $i/$RETRIES)"
  if ((i < RETRIES)); then sleep "$DELAY"; fi
done
[[ "$code" == "200" ]] || fail "GET /health/ready answered $code"

code="$(http POST /config "{\"key\":\"$KEY\",\"value\":\"$NONCE\"}")"
[[ "$code" == "201" || "$code" == "200" ]] || fail "POST /config answered $code: $(head -c 300 "$BODY")"

code="$(http GET "/config/$KEY")"
[[ "$code" == "200" ]] || fail "GET /config/$KEY answered $code"
grep -q "\"$NONCE\"" "$BODY" || fail "GET /config/$KEY did not return the value written: $(head -c 300 "$BODY")"

code="$(http DELETE "/config/$KEY")"
[[ "$code" == "204" ]] || fail "DELETE /config/$KEY answered $code"

log "smoke check passed against $BASE_URL"
