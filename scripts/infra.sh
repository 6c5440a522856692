#!/usr/bin/env bash
# Starts (or stops) the infrastructure the platform needs, idempotently:
#   - a single-node Apache Kafka broker in KRaft mode, fetched from Maven Central (infra/kafka/pom.xml)
#     unless KAFKA_BROKERS points at an existing cluster. Clients authenticate with SASL/SCRAM: the
#     users (admin, one per service) and their passwords are made once per checkout in
#     .run/kafka-credentials.json (KAFKA_CREDENTIALS_FILE, mode 600) and formatted into the data dir
#     (a dir formatted without them is formatted again); scripts/kafka-topics.js grants the ACLs;
#   - PostgreSQL: the server at DATABASE_URL must be running (the local one is started if it is not);
#     one database per service is created if missing.
# `down` stops only the broker this script started (recorded in .run/kafka.pid).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP="${KAFKA_HEAP:-768m}"
CACHE="$ROOT/.cache/kafka"
RUN="$ROOT/.run"
DATA_DIR="${KAFKA_DATA_DIR:-$CACHE/data-$KAFKA_PORT}"
PIDFILE="$RUN/kafka-$KAFKA_PORT.pid"
CREDENTIALS="${KAFKA_CREDENTIALS_FILE:-$RUN/kafka-credentials.json}"
# The broker's users: the admin of the scripts and tests, one per service, and the controller's own.
KAFKA_USERS="admin controller wallet-service rewards-service donations-service withdrawals-service metrics-service webhook-dispatcher api-gateway"
DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
mkdir -p "$CACHE" "$RUN"

log() { echo "[infra] $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' infra/kafka/pom.xml; }

kafka_fetch() {
  local v; v="$(kafka_version)-$(md5sum infra/kafka/pom.xml | cut -c1-8)"
  if [ -f "$CACHE/libs/.complete-$v" ]; then return; fi
  log "fetching Apache Kafka $v and its dependencies from Maven Central"
  rm -rf "$CACHE/libs"
  mvn -q -B -f infra/kafka/pom.xml dependency:copy-dependencies
  touch "$CACHE/libs/.complete-$v"
}

kafka_java() { java -Xms256m -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -Djava.awt.headless=true \
  -Dkafka.logs.dir="$CACHE/logs-$KAFKA_PORT" -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.properties" \
  -cp "$CACHE/libs/*" "$@"; }

# Development credentials, made once per checkout (a user added to KAFKA_USERS later gets a password
# here; existing ones are kept). Production brokers get their users from their operators.
kafka_credentials() {
  (umask 077; KAFKA_USERS="$KAFKA_USERS" node -e '
    const fs = require("fs"), crypto = require("crypto"), file = process.argv[1];
    const creds = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : { mechanism: "scram-sha-512", users: {} };
    let changed = !fs.existsSync(file);
    for (const user of process.env.KAFKA_USERS.split(" ")) {
      if (!creds.users[user]) { creds.users[user] = crypto.randomBytes(24).toString("base64url"); changed = true; }
    }
    if (changed) { fs.writeFileSync(file + ".tmp", JSON.stringify(creds, null, 2) + "\n", { mode: 0o600 }); fs.renameSync(file + ".tmp", file); }
  ' "$CREDENTIALS")
}

kafka_password() { node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).users[process.argv[2]])' "$CREDENTIALS" "$1"; }

kafka_config() {
  local cfg="$RUN/kafka-$KAFKA_PORT.properties"
  (umask 077; sed -e "s#@KAFKA_PORT@#$KAFKA_PORT#g" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" -e "s#@DATA_DIR@#$DATA_DIR#g" \
    -e "s#@ADMIN_PASSWORD@#$(kafka_password admin)#g" -e "s#@CONTROLLER_PASSWORD@#$(kafka_password controller)#g" \
    infra/kafka/server.properties.template > "$cfg")
  echo "$cfg"
}

# The data dir's SCRAM users are those of the credentials file while this marker holds its hash. A
# dir formatted before SASL (or before a user was added) is formatted again: its topics are made
# again by scripts/kafka-topics.js, and the services' inboxes make redelivery harmless.
kafka_users_marker() { echo "$DATA_DIR/.wozamali-scram-users"; }
kafka_users_hash() { sha256sum "$CREDENTIALS" | cut -c1-64; }

kafka_up() {
  if [ -n "${KAFKA_BROKERS:-}" ]; then log "KAFKA_BROKERS=$KAFKA_BROKERS is set: using it, starting no broker"; return; fi
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && port_open "$KAFKA_PORT"; then
    log "Kafka already running on 127.0.0.1:$KAFKA_PORT (pid $(cat "$PIDFILE"))"; return
  fi
  if port_open "$KAFKA_PORT"; then log "something already listens on 127.0.0.1:$KAFKA_PORT: using it as the broker"; return; fi
  kafka_fetch
  kafka_credentials
  local cfg; cfg="$(kafka_config)"
  if [ -f "$DATA_DIR/meta.properties" ] && [ "$(cat "$(kafka_users_marker)" 2>/dev/null)" != "$(kafka_users_hash)" ]; then
    log "$DATA_DIR was formatted without the SCRAM users of $CREDENTIALS: formatting it again (its topics and offsets are dropped)"
    rm -rf "$DATA_DIR"
  fi
  if [ ! -f "$DATA_DIR/meta.properties" ]; then
    # A cluster id as StorageTool random-uuid makes one (base64url of 16 random bytes), without a JVM.
    local cid; cid="$(node -e 'let id; do id = require("crypto").randomBytes(16).toString("base64url"); while (id.startsWith("-")); process.stdout.write(id)')"
    log "formatting KRaft storage in $DATA_DIR (cluster $cid) with the SCRAM users of $CREDENTIALS"
    local scram=() user pw
    while read -r user pw; do
      [ "$user" = controller ] && continue
      scram+=(--add-scram "SCRAM-SHA-256=[name=$user,password=$pw]" --add-scram "SCRAM-SHA-512=[name=$user,password=$pw]")
    done < <(node -e 'for (const [u, p] of Object.entries(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).users)) console.log(u, p)' "$CREDENTIALS")
    kafka_java kafka.tools.StorageTool format --standalone -t "$cid" -c "$cfg" "${scram[@]}" >/dev/null
    kafka_users_hash > "$(kafka_users_marker)"
  fi
  log "starting Kafka $(kafka_version) on 127.0.0.1:$KAFKA_PORT"
  mkdir -p "$CACHE/logs-$KAFKA_PORT"
  nohup java -Xms256m -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dkafka.logs.dir="$CACHE/logs-$KAFKA_PORT" -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.properties" \
    -cp "$CACHE/libs/*" kafka.Kafka "$cfg" \
    > "$CACHE/logs-$KAFKA_PORT/stdout.log" 2>&1 &
  echo $! > "$PIDFILE"
  for _ in $(seq 1 120); do
    if port_open "$KAFKA_PORT"; then log "Kafka answers on 127.0.0.1:$KAFKA_PORT"; return; fi
    if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then log "Kafka exited; last lines:"; tail -n 20 "$CACHE/logs-$KAFKA_PORT/stdout.log" "$CACHE/logs-$KAFKA_PORT/server.log" >&2 || true; exit 1; fi
    sleep 0.5
  done
  log "Kafka did not answer within 60 s"; exit 1
}

kafka_down() {
  if [ -f "$PIDFILE" ]; then
    local pid; pid="$(cat "$PIDFILE")"
    if kill -0 "$pid" 2>/dev/null; then
      log "stopping Kafka (pid $pid)"; kill "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE"
  fi
}

postgres_up() {
  if pg_isready -d "$DATABASE_URL" -q 2>/dev/null; then return; fi
  case "$DATABASE_URL" in
    *127.0.0.1*|*localhost*)
      log "PostgreSQL is not answering; starting the local cluster"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true ;;
  esac
  for _ in $(seq 1 60); do pg_isready -d "$DATABASE_URL" -q 2>/dev/null && return; sleep 0.5; done
  log "PostgreSQL at $DATABASE_URL does not answer"; exit 1
}

case "${1:-up}" in
  up) postgres_up; kafka_up ;;
  kafka-up) kafka_up ;;
  down) kafka_down ;;
  kafka-down) kafka_down ;;
  *) echo "usage: $0 up|down|kafka-up|kafka-down" >&2; exit 2 ;;
esac
