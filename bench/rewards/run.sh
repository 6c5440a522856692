#!/usr/bin/env bash
# Rewards benchmark: fresh bench databases, the real broker, one wallet-service, one rewards-service and
# one api-gateway process (free ports); then earns and redemptions through the gateway in the same run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$PATH"
export DB_PREFIX="${DB_PREFIX:-wozamali}_rwbench" MIGRATE_ARGS="--reset"
source scripts/prepare.sh
mkdir -p .run
export ADMIN_API_KEY="${ADMIN_API_KEY:-$(node scripts/mint-token.js --api-key)}"
export JWT_SECRET="${JWT_SECRET:-bench-only-jwt-secret-at-least-32-bytes}"
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
WPORT=$(free_port); RPORT=$(free_port); GPORT=$(free_port)
PORT=$WPORT LOG_LEVEL=warn KAFKA_CONSUMERS_ENABLED=false node apps/wallet-service/dist/main.js > .run/bench-rw-wallet.log 2>&1 &
WPID=$!
PORT=$RPORT LOG_LEVEL=warn DB_POOL_SIZE="${REWARDS_DB_POOL_SIZE:-16}" WALLET_SERVICE_URL=http://127.0.0.1:$WPORT KAFKA_CONSUMERS_ENABLED=false node apps/rewards-service/dist/main.js > .run/bench-rw-rewards.log 2>&1 &
RPID=$!
GATEWAY_PORT=$GPORT GATEWAY_METRICS_PORT=0 WALLET_SERVICE_URL=http://127.0.0.1:$WPORT REWARDS_SERVICE_URL=http://127.0.0.1:$RPORT LOG_LEVEL=warn OUTBOX_RELAY_ENABLED=false \
  KAFKA_CONSUMERS_ENABLED=false RATE_LIMIT_KEY_PER_WINDOW=100000000 RATE_LIMIT_USER_PER_WINDOW=100000000 REDIS_KEY_PREFIX="rwbench-$$" \
  node apps/api-gateway/dist/main.js > .run/bench-rw-gateway.log 2>&1 &
GPID=$!
trap 'kill -TERM $WPID $RPID $GPID 2>/dev/null; wait $WPID $RPID $GPID 2>/dev/null || true; if [ "$STARTED_KAFKA" = 1 ]; then bash scripts/infra.sh down; fi' EXIT
for port in $WPORT $RPORT $GPORT; do
  for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
done
echo "[bench] node $(node -v), $(nproc) cores; Kafka brokers running: $(pgrep -fc 'kafka\.Kafka' || true)"
WALLET_URL=http://127.0.0.1:$WPORT GATEWAY_URL=http://127.0.0.1:$GPORT node bench/rewards/rewards-bench.js
