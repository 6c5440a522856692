#!/usr/bin/env bash
# `npm test`: every test, against the real PostgreSQL and a real Kafka broker that this script starts
# (on KAFKA_PORT, default 19092, so a running `npm start` is not disturbed) unless KAFKA_BROKERS is set.
# Test databases are `wozamali_test_*`, dropped and migrated afresh. Extra arguments go to jest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DB_PREFIX="${DB_PREFIX:-wozamali_test}"
export KAFKA_PORT="${KAFKA_PORT:-19092}"
export KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
export MIGRATE_ARGS="--reset"
# Test files name consumer groups of their own: the services' Kafka users may join any group here
# (their topic ACLs stay as strict as in production). The admin user comes from prepare.sh.
export KAFKA_ACL_ANY_GROUP=1
# The dead-letter API's replays are tested (off by default elsewhere: they need the dispatcher to write every topic).
export DEAD_LETTER_REPLAY=true
echo "[test] node $(node -v), typecheck"
npx tsc -p tsconfig.json --noEmit
npx tsc -p apps/console/tsconfig.json   # the admin console (React, DOM types)
echo "[test] lint (module boundaries, floating promises, exhaustive switches)"
npx nx show projects > /dev/null
npx eslint .
source scripts/prepare.sh
cleanup() { if [ "$STARTED_KAFKA" = 1 ] && [ -z "${KEEP_INFRA:-}" ]; then bash scripts/infra.sh down; fi; }
trap cleanup EXIT
export WOZAMALI_INFRA_READY=1
mkdir -p .run
# The tests' service-token keys (libs/testing/src/service-tokens.ts would make them on first use too).
node scripts/service-keys.js .run/service-keys
node scripts/check-dead-letters.js --mark
# The console's browser tests drive Debian's chromium: install it when missing (root; fast when present).
# If it cannot be installed those tests fail (they never skip).
bash scripts/ensure-chromium.sh || echo "[test] WARNING: chromium could not be installed; the console's browser tests will fail"
set +e
npx jest --ci --json --outputFile=.run/jest-results.json "$@"
status=$?
set -e
# A dead letter no test poisoned on purpose fails the run (a consumer gave up on a real event).
if ! node scripts/check-dead-letters.js; then status=1; fi
# The ledger verifier must find zero mismatches after the whole suite.
if ! node scripts/verify-ledger.js; then status=1; fi
node -e '
const r = require("./.run/jest-results.json");
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' || true
exit $status
