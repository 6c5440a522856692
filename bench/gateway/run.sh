#!/usr/bin/env bash
# Gateway benchmark: fresh bench databases, the real broker, one wallet-service and one api-gateway
# process; then balance reads and earns directly against the wallet-service and through the gateway.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$PATH"
export DB_PREFIX="${DB_PREFIX:-wozamali_gwbench}" MIGRATE_ARGS="--reset"
source scripts/prepare.sh
mkdir -p .run
export ADMIN_API_KEY="${ADMIN_API_KEY:-$(node scripts/mint-token.js --api-key)}"
export JWT_SECRET="${JWT_SECRET:-bench-only-jwt-secret-at-least-32-bytes}"
PORT=3901 LOG_LEVEL=warn node apps/wallet-service/dist/main.js > .run/bench-gw-wallet.log 2>&1 &
WPID=$!
GATEWAY_PORT=3980 GATEWAY_METRICS_PORT=3990 WALLET_SERVICE_URL=http://127.0.0.1:3901 LOG_LEVEL=warn OUTBOX_RELAY_ENABLED=false \
  RATE_LIMIT_USER_PER_WINDOW=100000000 REDIS_KEY_PREFIX="gwbench-$$" node apps/api-gateway/dist/main.js > .run/bench-gw-gateway.log 2>&1 &
GPID=$!
# The same gateway with its wallet read cache off: the uncached figure, measured in the same run.
GATEWAY_PORT=3981 GATEWAY_METRICS_PORT=0 WALLET_SERVICE_URL=http://127.0.0.1:3901 LOG_LEVEL=warn OUTBOX_RELAY_ENABLED=false GATEWAY_WALLET_CACHE_TTL_MS=0 \
  RATE_LIMIT_USER_PER_WINDOW=100000000 REDIS_KEY_PREFIX="gwbench-$$" node apps/api-gateway/dist/main.js > .run/bench-gw-gateway-nocache.log 2>&1 &
NPID=$!
trap 'kill -TERM $WPID $GPID $NPID 2>/dev/null; wait $WPID $GPID $NPID 2>/dev/null || true; if [ "$STARTED_KAFKA" = 1 ]; then bash scripts/infra.sh down; fi' EXIT
for port in 3901 3980 3981; do
  for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
done
echo "[bench] node $(node -v), $(nproc) cores"
# Other brokers (a test run's, an isolated run's) cost this machine 15-20 % even when idle: say so.
echo "[bench] Kafka brokers running: $(pgrep -fc 'kafka\.Kafka' || true) (the bench needs one)"
WALLET_URL=http://127.0.0.1:3901 GATEWAY_URL=http://127.0.0.1:3980 GATEWAY_METRICS_URL=http://127.0.0.1:3990 UNCACHED_GATEWAY_URL=http://127.0.0.1:3981 node bench/gateway/gateway-bench.js
