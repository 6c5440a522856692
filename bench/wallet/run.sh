#!/usr/bin/env bash
# Runs the wallet earn benchmark: fresh bench databases, the real broker, one wallet-service process.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$PATH"
export DB_PREFIX="${DB_PREFIX:-wozamali_bench}" MIGRATE_ARGS="--reset"
source scripts/prepare.sh
PORT=3901 LOG_LEVEL=warn node apps/wallet-service/dist/main.js > .run/bench-wallet.log 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; [ "$STARTED_KAFKA" = 1 ] && bash scripts/infra.sh down' EXIT
for _ in $(seq 1 60); do curl -fsS http://127.0.0.1:3901/health/ready >/dev/null 2>&1 && break; sleep 0.5; done
echo "[bench] node $(node -v), $(nproc) cores"
node bench/wallet/earn-bench.js
