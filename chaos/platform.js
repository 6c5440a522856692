// Starts and stops the whole platform for the reliability suite on the chaos ports and DB prefix:
// the broker (a fresh KRaft data dir of its own), migrations, every service as its own process (two
// gateways and two rewards-services), the payout sandbox. Everything it starts is killed on exit.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const ROOT = path.resolve(__dirname, '..');
const RUN = path.join(ROOT, '.run', 'chaos');
const BASE = Number(process.env.CHAOS_PORT_BASE || 26100);
const KAFKA_PORT = Number(process.env.CHAOS_KAFKA_PORT || 26092);
const DB_PREFIX = process.env.CHAOS_DB_PREFIX || (process.env.DB_PREFIX ? `${process.env.DB_PREFIX}_chaos` : 'wz_chaos');

const PORTS = {
  wallet: BASE, rewards: BASE + 1, donations: BASE + 2, withdrawals: BASE + 3, metrics: BASE + 4, webhooks: BASE + 5,
  gateway: BASE + 6, sandbox: BASE + 7, gatewayMetrics: BASE + 8, rewards2: BASE + 11, gateway2: BASE + 16, gateway2Metrics: BASE + 18,
  receivers: [BASE + 12, BASE + 13],
};
const url = (port) => `http://127.0.0.1:${port}`;

/**
 * The planted service bugs (`--plant <name>`, libs/config/src/plant.ts) and the instances that get
 * them: only these processes are started with WOZAMALI_PLANT and the chaos-only flag.
 */
const SERVICE_PLANTS = {
  'void-hold-on-timeout': ['withdrawals'],
  'consumer-without-inbox': ['metrics'],
  'double-credit': ['wallet'],
};

/** Each process of the platform: its name, its app, its port and its own env. */
const INSTANCES = [
  { name: 'payout-sandbox', app: 'payout-sandbox', port: PORTS.sandbox, env: { PAYOUT_SANDBOX_STATE_FILE: path.join(RUN, 'sandbox-payouts.jsonl') } },
  { name: 'wallet', app: 'wallet-service', port: PORTS.wallet },
  { name: 'rewards', app: 'rewards-service', port: PORTS.rewards },
  { name: 'rewards-2', app: 'rewards-service', port: PORTS.rewards2 },
  { name: 'donations', app: 'donations-service', port: PORTS.donations },
  { name: 'withdrawals', app: 'withdrawals-service', port: PORTS.withdrawals },
  { name: 'metrics', app: 'metrics-service', port: PORTS.metrics },
  { name: 'dispatcher', app: 'webhook-dispatcher', port: PORTS.webhooks },
  // Both gateways send rewards requests to both rewards-service instances (round-robin; one that
  // refuses connections passes the request to the other).
  { name: 'gateway', app: 'api-gateway', port: PORTS.gateway, env: { GATEWAY_METRICS_PORT: String(PORTS.gatewayMetrics), REWARDS_SERVICE_URL: `${url(PORTS.rewards)},${url(PORTS.rewards2)}` } },
  { name: 'gateway-2', app: 'api-gateway', port: PORTS.gateway2, env: { GATEWAY_PORT: String(PORTS.gateway2), GATEWAY_METRICS_PORT: String(PORTS.gateway2Metrics), REWARDS_SERVICE_URL: `${url(PORTS.rewards2)},${url(PORTS.rewards)}` } },
];

/**
 * A private PostgreSQL cluster of the chaos run (initdb into a temp dir, its own port): the one the
 * `restart postgresql` fault crashes and starts again. The machine's shared PostgreSQL is never
 * touched. Run as the `postgres` user when the harness runs as root (initdb refuses root).
 */
class PrivatePostgres {
  constructor(port) {
    this.port = port;
    this.dir = path.join(require('node:os').tmpdir(), `wozamali-chaos-pg-${port}`);
    this.data = path.join(this.dir, 'data');
    const versions = fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b)) : [];
    if (!versions.length) throw new Error('no /usr/lib/postgresql/*/bin: the private PostgreSQL cluster cannot be made');
    this.bin = path.join('/usr/lib/postgresql', versions[versions.length - 1], 'bin');
    this.url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    this.running = false;
  }

  run(cmd, args, opts = {}) {
    const exe = path.join(this.bin, cmd);
    const [file, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
    return execFileSync(file, argv, { cwd: '/', stdio: ['ignore', 'pipe', 'pipe'], ...opts }).toString();
  }

  /**
   * A fresh cluster with room for every service's pool. No fsync (only an OS crash needs it; the
   * fault crashes the server, not the machine) but synchronous commits: with
   * `synchronous_commit=off` a crash loses commits already answered, which no service can survive.
   */
  init() {
    this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', this.dir]);
    this.run('initdb', ['-D', this.data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
    this.start();
  }

  start() {
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=250 -c shared_buffers=64MB`;
    this.run('pg_ctl', ['-D', this.data, '-l', path.join(this.dir, 'server.log'), '-o', opts, '-w', '-t', '60', 'start']);
    this.running = true;
  }

  /** Stops it and removes its files, keeping its log at `logFile`. */
  dispose(logFile) {
    this.stop('immediate');
    try { fs.copyFileSync(path.join(this.dir, 'server.log'), logFile); } catch { /* never started */ }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Stops it as a crash would (`immediate`: no checkpoint, every connection cut) or cleanly (`fast`). */
  stop(mode = 'fast') {
    if (!fs.existsSync(path.join(this.data, 'postmaster.pid'))) { this.running = false; return; }
    try { this.run('pg_ctl', ['-D', this.data, '-m', mode, '-w', '-t', '60', 'stop']); } catch (err) { console.error('[chaos] private PostgreSQL stop:', err.message); }
    this.running = false;
  }
}

function log(...args) { console.log(`[chaos ${new Date().toISOString().slice(11, 19)}]`, ...args); }

class Platform {
  constructor(opts = {}) {
    this.plant = SERVICE_PLANTS[opts.plant] ? opts.plant : null;
    // Its own PostgreSQL cluster (for the restart fault), else the machine's (DATABASE_URL).
    this.pg = null;
    if (opts.privatePostgres) {
      try { this.pg = new PrivatePostgres(BASE + 20); } catch (err) {
        if (opts.privatePostgres === 'required') throw err;
        log(`${err.message}; on the machine's PostgreSQL (DATABASE_URL)`);
      }
    }
    if (this.pg) process.env.DATABASE_URL = this.pg.url;
    this.procs = new Map(); // name -> child
    this.kafkaPort = KAFKA_PORT;
    this.dbPrefix = DB_PREFIX;
    this.ports = PORTS;
    this.gateways = [url(PORTS.gateway), url(PORTS.gateway2)];
    this.sandboxUrl = url(PORTS.sandbox);
    this.infraEnv = {
      ...process.env, KAFKA_PORT: String(KAFKA_PORT), KAFKA_CONTROLLER_PORT: String(KAFKA_PORT + 1), KAFKA_DATA_DIR: path.join(RUN, 'kafka-data'),
      KAFKA_HEAP: '512m', DB_PREFIX, MIGRATE_ARGS: '--reset',
    };
    delete this.infraEnv.KAFKA_BROKERS;
    this.stopped = false;
  }

  infra(cmd) { execFileSync('bash', [path.join(ROOT, 'scripts/infra.sh'), cmd], { env: this.infraEnv, cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] }); }

  /** Build, a fresh broker, topics, ACLs, databases dropped and migrated; credentials of this run. */
  prepare() {
    fs.rmSync(path.join(RUN, 'logs'), { recursive: true, force: true });
    fs.rmSync(path.join(RUN, 'sandbox-payouts.jsonl'), { force: true });
    fs.mkdirSync(path.join(RUN, 'logs'), { recursive: true });
    // A fresh data dir: the topics hold this run's events only (the webhook check reads them all).
    this.infra('kafka-down');
    fs.rmSync(path.join(RUN, 'kafka-data'), { recursive: true, force: true });
    if (this.pg) {
      this.pg.init();
      log(`private PostgreSQL cluster on :${this.pg.port} (${this.pg.dir})`);
    }
    log(`preparing: build, broker on :${KAFKA_PORT}, topics, databases ${DB_PREFIX}_* (reset)`);
    execFileSync('bash', ['-c', 'source scripts/prepare.sh'], { env: this.infraEnv, cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/service-keys.js'), path.join(ROOT, '.run/service-keys')], { cwd: ROOT, stdio: 'ignore' });
    const creds = JSON.parse(fs.readFileSync(path.join(ROOT, '.run/kafka-credentials.json'), 'utf8'));
    this.kafkaAdmin = { KAFKA_ADMIN_USERNAME: 'admin', KAFKA_ADMIN_PASSWORD: creds.users.admin, KAFKA_ADMIN_MECHANISM: creds.mechanism || 'scram-sha-512' };
    this.adminApiKey = execFileSync(process.execPath, [path.join(ROOT, 'scripts/mint-token.js'), '--api-key'], { cwd: ROOT }).toString().trim();
    this.jwtSecret = crypto.randomBytes(32).toString('base64url');
    this.sandboxSecret = `whsec_${crypto.randomBytes(32).toString('base64')}`;
  }

  serviceEnv(inst) {
    const env = { ...process.env };
    for (const k of ['KAFKA_ADMIN_USERNAME', 'KAFKA_ADMIN_PASSWORD', 'KAFKA_ADMIN_MECHANISM', 'WOZAMALI_PLANT', 'WOZAMALI_CHAOS_PLANTS']) delete env[k];
    return {
      ...env,
      NODE_ENV: 'development', LOG_LEVEL: process.env.CHAOS_LOG_LEVEL || 'warn', DB_PREFIX, KAFKA_BROKERS: `127.0.0.1:${KAFKA_PORT}`,
      PORT: String(inst.port), GATEWAY_PORT: String(PORTS.gateway), SERVICE_KEYS_DIR: path.join(ROOT, '.run/service-keys'),
      ADMIN_API_KEY: this.adminApiKey, JWT_SECRET: this.jwtSecret, PAYOUT_SANDBOX_WEBHOOK_SECRET: this.sandboxSecret, PAYOUT_WEBHOOK_SECRET: this.sandboxSecret,
      WALLET_SERVICE_URL: url(PORTS.wallet), REWARDS_SERVICE_URL: url(PORTS.rewards), DONATIONS_SERVICE_URL: url(PORTS.donations),
      WITHDRAWALS_SERVICE_URL: url(PORTS.withdrawals), METRICS_SERVICE_URL: url(PORTS.metrics), WEBHOOKS_SERVICE_URL: url(PORTS.webhooks),
      PAYOUT_SANDBOX_URL: url(PORTS.sandbox), PAYOUT_PROVIDER_URL: url(PORTS.sandbox),
      PAYOUT_SANDBOX_CALLBACK_URL: `${url(PORTS.gateway)}/v1/withdrawals/payout-callbacks`,
      REDIS_KEY_PREFIX: `${DB_PREFIX}-${process.pid}`,
      RATE_LIMIT_KEY_PER_WINDOW: '1000000', RATE_LIMIT_USER_PER_WINDOW: '1000000', RATE_LIMIT_IP_PER_WINDOW: '1000000',
      // Short timers so a run sees whole lifecycles: deliveries retried within minutes, payouts settled in seconds.
      WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_RETRY_SCHEDULE: '500ms,1s,2s,4s,8s,15s,20s,30s,30s,30s,30s,30s', WEBHOOK_TIMEOUT_MS: '3000', WEBHOOK_LEASE_MS: '10000', HEALTH_PROBES_ENABLED: 'false',
      PAYOUT_SANDBOX_PROCESSING_AFTER_MS: '300', PAYOUT_SANDBOX_SETTLE_AFTER_MS: '800', PAYOUT_SANDBOX_CALLBACK_RETRY_MS: '500,1000,2000,4000,8000,15000',
      PAYOUT_TIMEOUT_MS: '3000', PAYOUT_POLL_FAST_MS: '2000', PAYOUT_POLL_FAST_FOR_MS: '600000', PAYOUT_POLL_SLOW_MS: '5000', PAYOUT_LEASE_MS: '8000',
      WITHDRAWAL_WORKER_INTERVAL_MS: '1000', WALLET_TIMEOUT_MS: '3000',
      ...(inst.env || {}),
      ...(this.plant && SERVICE_PLANTS[this.plant].includes(inst.name) ? { WOZAMALI_PLANT: this.plant, WOZAMALI_CHAOS_PLANTS: 'i-am-the-chaos-suite' } : {}),
    };
  }

  async startInstance(name) {
    const inst = INSTANCES.find((i) => i.name === name);
    const out = fs.openSync(path.join(RUN, 'logs', `${name}.log`), 'a');
    const child = spawn(process.execPath, [path.join(ROOT, 'apps', inst.app, 'dist', 'main.js')], { cwd: ROOT, env: this.serviceEnv(inst), stdio: ['ignore', out, out] });
    fs.closeSync(out);
    child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
    this.procs.set(name, child);
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}); see ${path.join(RUN, 'logs', `${name}.log`)}`);
      try { if ((await fetch(`${url(inst.port)}/health/ready`, { signal: AbortSignal.timeout(2000) })).ok) return; } catch { /* not yet */ }
      if (Date.now() > deadline) throw new Error(`${name} not ready in 90 s; see ${path.join(RUN, 'logs', `${name}.log`)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  async startAll() {
    const groups = [['payout-sandbox', 'wallet'], ['rewards', 'rewards-2', 'donations', 'withdrawals', 'metrics', 'dispatcher'], ['gateway', 'gateway-2']];
    for (const group of groups) {
      await Promise.all(group.map(async (name) => {
        await this.startInstance(name);
        log(`${name} ready on ${url(INSTANCES.find((i) => i.name === name).port)}`);
      }));
    }
  }

  async kill(name, signal = 'SIGKILL') {
    const child = this.procs.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const force = signal === 'SIGKILL' ? null : setTimeout(() => child.kill('SIGKILL'), 15_000); // a graceful stop that hangs
    await child.exited;
    if (force) clearTimeout(force);
  }

  /** A Kafka client as the broker's admin user (the checks and the faults; never the services). */
  adminKafka() {
    Object.assign(process.env, this.kafkaAdmin);
    const { createKafka } = require(path.join(ROOT, 'libs/messaging/dist'));
    return createKafka('wozamali-chaos-admin', `127.0.0.1:${KAFKA_PORT}`);
  }

  /**
   * Rewinds a consumer group (its members stopped) on `topics` to the first offset at or after
   * `timestamp`: Kafka redelivers what the group had already handled. Returns how many messages.
   */
  async rewindGroup(groupId, topics, timestamp) {
    const admin = this.adminKafka().admin();
    await admin.connect();
    let messages = 0;
    try {
      const committed = await admin.fetchOffsets({ groupId, topics });
      for (const topic of topics) {
        const at = await admin.fetchTopicOffsetsByTimestamp(topic, timestamp);
        const mine = committed.find((c) => c.topic === topic)?.partitions || [];
        const partitions = at.filter((p) => Number(p.offset) >= 0).map((p) => {
          const was = Number(mine.find((c) => c.partition === p.partition)?.offset ?? -1);
          if (was > Number(p.offset)) messages += was - Number(p.offset);
          return { partition: p.partition, offset: String(Math.min(Number(p.offset), was >= 0 ? was : Number(p.offset))) };
        });
        for (let attempt = 0; ; attempt++) {
          try { await admin.setOffsets({ groupId, topic, partitions }); break; } catch (err) {
            if (attempt >= 40) throw err; // the group still has members (a session not yet timed out)
            await new Promise((r) => setTimeout(r, 1000));
          }
        }
      }
    } finally { await admin.disconnect(); }
    return messages;
  }

  pids() { return [...this.procs.values()].filter((c) => c.exitCode === null && c.signalCode === null).map((c) => c.pid); }

  /** Stops every process it started (SIGTERM, then SIGKILL) and the broker; safe to call twice and from exit handlers. */
  async stopAll() {
    if (this.stopped) return;
    this.stopped = true;
    for (const name of this.procs.keys()) { try { this.procs.get(name).kill('SIGTERM'); } catch { /* gone */ } }
    await Promise.race([Promise.all([...this.procs.values()].map((c) => (c.exitCode === null && c.signalCode === null ? c.exited : null))), new Promise((r) => setTimeout(r, 10_000))]);
    this.stopSync();
  }

  stopSync() {
    this.stopped = true;
    for (const c of this.procs.values()) { try { if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); } catch { /* gone */ } }
    try { this.infra('kafka-down'); } catch (err) { console.error('[chaos] could not stop the broker:', err.message); }
    if (this.pg) this.pg.dispose(path.join(RUN, 'logs', 'postgres.log'));
  }
}

module.exports = { Platform, PrivatePostgres, ROOT, RUN, PORTS, INSTANCES, SERVICE_PLANTS, url, log };
