#!/usr/bin/env bash
# Build, start the infrastructure, create the topics and ACLs and migrate the databases. Sourced by
# start.sh and test.sh; exports KAFKA_BROKERS and the broker's admin user (KAFKA_ADMIN_USERNAME,
# KAFKA_ADMIN_PASSWORD, KAFKA_ADMIN_MECHANISM: for the scripts and the tests' own clients, never the
# services) for what runs next. Sets STARTED_KAFKA=1 when it started the broker.
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
KAFKA_CREDENTIALS_FILE="${KAFKA_CREDENTIALS_FILE:-$ROOT/.run/kafka-credentials.json}"
if [ -z "${KAFKA_ADMIN_USERNAME:-}" ] && [ -f "$KAFKA_CREDENTIALS_FILE" ]; then
  export KAFKA_ADMIN_USERNAME=admin
  KAFKA_ADMIN_PASSWORD="$(node -p 'require(process.argv[1]).users.admin' "$KAFKA_CREDENTIALS_FILE")"
  KAFKA_ADMIN_MECHANISM="$(node -p 'require(process.argv[1]).mechanism || "scram-sha-512"' "$KAFKA_CREDENTIALS_FILE")"
  export KAFKA_ADMIN_PASSWORD KAFKA_ADMIN_MECHANISM
fi
node "$ROOT/scripts/kafka-topics.js"
node "$ROOT/scripts/migrate.js" ${MIGRATE_ARGS:-}
