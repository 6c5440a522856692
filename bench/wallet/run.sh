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
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null || true; if [ "$STARTED_KAFKA" = 1 ]; then bash scripts/infra.sh down; fi' EXIT
for _ in $(seq 1 60); do curl -fsS http://127.0.0.1:3901/health/ready >/dev/null 2>&1 && break; sleep 0.5; done
echo "[bench] node $(node -v), $(nproc) cores"
# Other brokers (a test run's, an isolated run's) cost this machine 15-20 % even when idle: say so.
echo "[bench] Kafka brokers running: $(pgrep -fc 'kafka\.Kafka' || true) (the bench needs one)"
# A yardstick for the machine, so figures from different machines (or a VM with a noisy neighbour)
# can be compared: pgbench's built-in simple-update, 16 clients, 5 s, on a scratch database.
if command -v pgbench > /dev/null; then
  PGB_DB="${DB_PREFIX}_pgbench"
  PGB="-h ${PGHOST:-127.0.0.1} -p ${PGPORT:-5432} -U ${PGUSER:-postgres}"
  dropdb $PGB --if-exists "$PGB_DB" 2> /dev/null; createdb $PGB "$PGB_DB"
  pgbench $PGB -i -q -s 10 "$PGB_DB" > /dev/null 2>&1
  echo "[bench] machine yardstick: pgbench simple-update, 16 clients: $(pgbench $PGB -c 16 -j 2 -T 5 -b simple-update "$PGB_DB" 2>/dev/null | sed -n 's/^tps = \([0-9]*\).*/\1/p') tx/s"
  dropdb $PGB --if-exists "$PGB_DB" 2> /dev/null
else
  echo "[bench] pgbench not found: no machine yardstick"
fi
node bench/wallet/earn-bench.js
