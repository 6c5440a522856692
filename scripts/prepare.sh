#!/usr/bin/env bash
# Build, start the infrastructure, create the topics and migrate the databases. Sourced by start.sh
# and test.sh; exports KAFKA_BROKERS for what runs next. Sets STARTED_KAFKA=1 when it started the broker.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STARTED_KAFKA=0
node "$ROOT/scripts/build.js"
if [ -z "${KAFKA_BROKERS:-}" ]; then
  export KAFKA_PORT="${KAFKA_PORT:-9092}"
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_PORT") 2>/dev/null; then STARTED_KAFKA=1; fi
  bash "$ROOT/scripts/infra.sh" up
  export KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT"
else
  bash "$ROOT/scripts/infra.sh" up
fi
node "$ROOT/scripts/kafka-topics.js"
node "$ROOT/scripts/migrate.js" ${MIGRATE_ARGS:-}
