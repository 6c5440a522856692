#!/usr/bin/env bash
# Benchmarks of the metrics-service (not tests), on fresh bench databases and the real broker:
#   1. reads on seeded data: a year of one user's daily metrics, the leaderboard over 100,000 users
#      (read-bench.js; baseline in the same run: the service's /health/live round trip);
#   2. ingest from Kafka with the API answering meanwhile (ingest-bench.js; baseline in the same run:
#      a bare kafkajs consumer of the same messages). BENCH_EVENTS=1000000 for the issue's full replay.
# Uses KAFKA_PORT / DB_PREFIX like the tests (BENCH_DB_PREFIX, default wozamali_bench, for the databases).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$PATH"
export DB_PREFIX="${BENCH_DB_PREFIX:-wozamali_bench}" MIGRATE_ARGS="--reset"
export KAFKA_ACL_GROUP_PREFIXES="${DB_PREFIX}"
source scripts/prepare.sh
PORT="${BENCH_PORT:-3905}"
PORT=$PORT LOG_LEVEL=warn KAFKA_CONSUMERS_ENABLED=false OUTBOX_RELAY_ENABLED=false METRICS_JOBS_ENABLED=false node apps/metrics-service/dist/main.js > .run/bench-metrics.log 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null || true; if [ "$STARTED_KAFKA" = 1 ]; then bash scripts/infra.sh down; fi' EXIT
for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$PORT/health/live" >/dev/null 2>&1 && break; sleep 0.5; done
echo "[bench] node $(node -v), $(nproc) cores, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
METRICS_URL="http://127.0.0.1:$PORT" node bench/metrics/read-bench.js
kill -TERM $PID; wait $PID 2>/dev/null || true
# The ingest starts from an empty metrics database.
node scripts/migrate.js --reset metrics-service
echo "[bench] load average before the ingest: $(cut -d' ' -f1-3 /proc/loadavg)"
node bench/metrics/ingest-bench.js
