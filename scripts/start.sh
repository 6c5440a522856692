#!/usr/bin/env bash
# `npm start`: builds, starts Kafka (unless KAFKA_BROKERS is set) and checks PostgreSQL, migrates every
# database, starts every service, waits until each answers /health/ready and prints where to go.
# Stays in the foreground; SIGTERM or Ctrl-C stops the services gracefully (and the broker it started).
# `npm start -- --detach` returns once everything is ready; `npm stop` stops it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DETACH=0; [ "${1:-}" = "--detach" ] && DETACH=1
source scripts/services.sh
source scripts/prepare.sh
RUN="${WOZAMALI_RUN_DIR:-$ROOT/.run}"; mkdir -p "$RUN/logs"
# Development credentials, made once per checkout and kept in .run/ (git-ignored): the bootstrap
# admin API key (the only way in on a fresh platform) and the HS256 secret of end-user tokens.
# Set ADMIN_API_KEY / JWT_SECRET yourself for anything but development.
if [ -z "${ADMIN_API_KEY:-}" ]; then
  [ -s "$RUN/admin-api-key" ] || node scripts/mint-token.js --api-key > "$RUN/admin-api-key"
  ADMIN_API_KEY="$(cat "$RUN/admin-api-key")"
fi
if [ -z "${JWT_SECRET:-}" ]; then
  [ -s "$RUN/jwt-secret" ] || node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64url"))' > "$RUN/jwt-secret"
  JWT_SECRET="$(cat "$RUN/jwt-secret")"
fi
export ADMIN_API_KEY JWT_SECRET
# The payout sandbox (a stand-in payment provider, development only) signs its callbacks with this secret.
if [ -z "${PAYOUT_SANDBOX_WEBHOOK_SECRET:-}" ]; then
  [ -s "$RUN/payout-sandbox-secret" ] || node -e 'process.stdout.write("whsec_" + require("crypto").randomBytes(32).toString("base64"))' > "$RUN/payout-sandbox-secret"
  PAYOUT_SANDBOX_WEBHOOK_SECRET="$(cat "$RUN/payout-sandbox-secret")"
fi
export PAYOUT_SANDBOX_WEBHOOK_SECRET
# Service-token keys: one Ed25519 pair per service in .run/service-keys/, made once; each service
# reads its own private key and every public key from there (development only; production gives each
# service SERVICE_PRIVATE_KEY and SERVICE_PUBLIC_KEYS).
if [ -z "${SERVICE_PUBLIC_KEYS:-}" ]; then
  node scripts/service-keys.js "$RUN/service-keys"
  export SERVICE_KEYS_DIR="$RUN/service-keys"
fi
# The demo's webhook receiver listens on 127.0.0.1: allow loopback targets in development only.
export WEBHOOK_ALLOW_LOOPBACK="${WEBHOOK_ALLOW_LOOPBACK:-$([ "${NODE_ENV:-development}" = production ] && echo false || echo true)}"

# Where the gateway finds each service (the ports above).
export WALLET_SERVICE_URL="http://127.0.0.1:${SERVICE_PORT[wallet-service]}" REWARDS_SERVICE_URL="http://127.0.0.1:${SERVICE_PORT[rewards-service]}"
export DONATIONS_SERVICE_URL="http://127.0.0.1:${SERVICE_PORT[donations-service]}" WITHDRAWALS_SERVICE_URL="http://127.0.0.1:${SERVICE_PORT[withdrawals-service]}"
export METRICS_SERVICE_URL="http://127.0.0.1:${SERVICE_PORT[metrics-service]}" WEBHOOKS_SERVICE_URL="http://127.0.0.1:${SERVICE_PORT[webhook-dispatcher]}"
export PAYOUT_SANDBOX_URL="http://127.0.0.1:${SERVICE_PORT[payout-sandbox]}"
# The withdrawals-service pays through the sandbox, which calls back through the gateway's one unauthenticated route.
export PAYOUT_PROVIDER_URL="${PAYOUT_PROVIDER_URL:-$PAYOUT_SANDBOX_URL}" PAYOUT_WEBHOOK_SECRET="${PAYOUT_WEBHOOK_SECRET:-$PAYOUT_SANDBOX_WEBHOOK_SECRET}"
export PAYOUT_SANDBOX_CALLBACK_URL="${PAYOUT_SANDBOX_CALLBACK_URL:-http://127.0.0.1:${SERVICE_PORT[api-gateway]}/v1/withdrawals/payout-callbacks}"

PIDS=()
stop_all() {
  echo "[start] stopping services" >&2
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -f "$RUN"/svc-*.pid
  if [ "$STARTED_KAFKA" = 1 ] && [ "$DETACH" = 0 ]; then bash scripts/infra.sh down; fi
  echo "[start] stopped" >&2
}

for svc in "${SERVICES[@]}"; do
  PORT="${SERVICE_PORT[$svc]}" GATEWAY_PORT="${SERVICE_PORT[api-gateway]}" node "apps/$svc/dist/main.js" >> "$RUN/logs/$svc.log" 2>&1 &
  pid=$!; PIDS+=("$pid"); echo "$pid" > "$RUN/svc-$svc.pid"
done
trap 'stop_all; exit 0' TERM INT

for svc in "${SERVICES[@]}"; do
  port="${SERVICE_PORT[$svc]}"; ok=0
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.5
  done
  if [ "$ok" = 0 ]; then echo "[start] $svc is not ready on :$port; see $RUN/logs/$svc.log" >&2; tail -20 "$RUN/logs/$svc.log" >&2; stop_all; exit 1; fi
  echo "[start] $svc ready on http://127.0.0.1:$port"
done
# The payment provider in the external services registry, so its health shows there (registered once:
# a repeat replays the same answer, a changed URL is refused and left as it was).
curl -fsS -o /dev/null -X POST "http://127.0.0.1:${SERVICE_PORT[api-gateway]}/v1/external/services" \
  -H "authorization: Bearer ${ADMIN_API_KEY}" -H "x-service-id: ${ADMIN_SERVICE_ID:-admin}" -H "idempotency-key: payout-provider-registration" \
  -H 'content-type: application/json' \
  -d "{\"name\":\"payout-provider\",\"type\":\"payment\",\"base_url\":\"${PAYOUT_PROVIDER_URL}\",\"health_url\":\"${PAYOUT_PROVIDER_URL}/health/ready\"}" \
  || echo "[start] the payment provider is already in the external services registry (or the registry refused it)" >&2
cat <<MSG
[start] WozaMali Rewards is up.
  gateway:  http://127.0.0.1:${SERVICE_PORT[api-gateway]}
  docs:     http://127.0.0.1:${SERVICE_PORT[api-gateway]}/docs   (OpenAPI: /openapi.json)
  health:   http://127.0.0.1:${SERVICE_PORT[api-gateway]}/health/ready   (every service serves /health/live, /health/ready, /metrics; the gateway's /metrics is on 127.0.0.1:${GATEWAY_METRICS_PORT:-9480}, not its public port)
  admin:    Authorization: Bearer ${ADMIN_API_KEY}
            X-Service-ID: ${ADMIN_SERVICE_ID:-admin}            (development key, kept in $RUN/admin-api-key)
  users:    node scripts/mint-token.js --sub <user uuid> --role resident|collector|admin   (signs with $RUN/jwt-secret)
  demo:     node scripts/demo   (the seed's recycling flow through the gateway)
  payouts:  http://127.0.0.1:${SERVICE_PORT[payout-sandbox]}   (payout sandbox, a stand-in payment provider; secret in $RUN/payout-sandbox-secret)
  logs:     $RUN/logs/<service>.log
  stop:     Ctrl-C / SIGTERM (or 'npm stop' after --detach)
MSG
if [ "$DETACH" = 1 ]; then trap - TERM INT; exit 0; fi
wait
