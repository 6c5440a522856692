#!/usr/bin/env bash
# Stops what `npm start -- --detach` started: each service with SIGTERM, then the broker the scripts started.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for f in "${WOZAMALI_RUN_DIR:-$ROOT/.run}"/svc-*.pid; do
  [ -f "$f" ] || continue
  pid="$(cat "$f")"; kill -TERM "$pid" 2>/dev/null && echo "[stop] SIGTERM $(basename "$f" .pid | sed 's/^svc-//') ($pid)"
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  rm -f "$f"
done
bash "$ROOT/scripts/infra.sh" down
