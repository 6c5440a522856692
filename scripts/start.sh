#!/usr/bin/env bash
# `npm start`: builds, starts Kafka (unless KAFKA_BROKERS is set) and checks PostgreSQL, migrates every
# database, starts every service, waits until each answers /health/ready and prints where to go.
# Stays in the foreground; SIGTERM or Ctrl-C stops the services gracefully (and the broker it started).
# `npm start -- --detach` returns once everything is ready; `npm stop` stops it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DETACH=0; [ "${1:-}" = "--detach" ] && DETACH=1
source scripts/services.sh
source scripts/prepare.sh
RUN="$ROOT/.run"; mkdir -p "$RUN/logs"
export ADMIN_API_KEY="${ADMIN_API_KEY:-}"

PIDS=()
stop_all() {
  echo "[start] stopping services" >&2
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -f "$RUN"/svc-*.pid
  if [ "$STARTED_KAFKA" = 1 ] && [ "$DETACH" = 0 ]; then bash scripts/infra.sh down; fi
  echo "[start] stopped" >&2
}

for svc in "${SERVICES[@]}"; do
  PORT="${SERVICE_PORT[$svc]}" node "apps/$svc/dist/main.js" >> "$RUN/logs/$svc.log" 2>&1 &
  pid=$!; PIDS+=("$pid"); echo "$pid" > "$RUN/svc-$svc.pid"
done
trap 'stop_all; exit 0' TERM INT

for svc in "${SERVICES[@]}"; do
  port="${SERVICE_PORT[$svc]}"; ok=0
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.5
  done
  if [ "$ok" = 0 ]; then echo "[start] $svc is not ready on :$port; see .run/logs/$svc.log" >&2; tail -20 "$RUN/logs/$svc.log" >&2; stop_all; exit 1; fi
  echo "[start] $svc ready on http://127.0.0.1:$port"
done
cat <<MSG
[start] WozaMali Rewards is up.
  gateway:  http://127.0.0.1:${SERVICE_PORT[api-gateway]}
  health:   http://127.0.0.1:${SERVICE_PORT[api-gateway]}/health/ready   (every service serves /health/live, /health/ready, /metrics)
  logs:     .run/logs/<service>.log
  stop:     Ctrl-C / SIGTERM (or 'npm stop' after --detach)
MSG
if [ "$DETACH" = 1 ]; then trap - TERM INT; exit 0; fi
wait
