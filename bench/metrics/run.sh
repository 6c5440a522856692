#!/usr/bin/env bash
# Read benchmarks of the metrics-service on seeded data: a year of one user's daily metrics, and the
# leaderboard over 100,000 users. Fresh bench database (metrics-service only), one service process.
# KAFKA_BROKERS must name a running broker (the service connects to it; its consumer is off).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$PATH"
export DB_PREFIX="${BENCH_DB_PREFIX:-wozamali_bench}"
: "${KAFKA_BROKERS:?set KAFKA_BROKERS to a running broker}"
node scripts/build.js > /dev/null
node scripts/migrate.js --reset metrics-service
PORT="${BENCH_PORT:-3905}"
PORT=$PORT LOG_LEVEL=warn KAFKA_CONSUMERS_ENABLED=false OUTBOX_RELAY_ENABLED=false node apps/metrics-service/dist/main.js > .run/bench-metrics.log 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null' EXIT
for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$PORT/health/live" >/dev/null 2>&1 && break; sleep 0.5; done
echo "[bench] node $(node -v), $(nproc) cores, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
METRICS_URL="http://127.0.0.1:$PORT" node bench/metrics/read-bench.js
