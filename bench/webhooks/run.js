#!/usr/bin/env node
// Webhook dispatcher benchmark (issue 4). Needs `node scripts/build.js`, PostgreSQL and a broker
// (KAFKA_BROKERS, default 127.0.0.1:9092) with the topics. It runs the dispatcher as a real process
// (apps/webhook-dispatcher/dist/main.js) on its own databases (DB_PREFIX, default wozamali_bench)
// and a receiver in another process, then measures:
//   1. throughput: N deliveries due at once -> all delivered (deliveries/s);
//   2. latency: wallet-style commits (business row + outbox event, one transaction) at a steady
//      rate -> relay -> Kafka -> dispatcher -> receiver; commit -> receipt p50/p99, and where the
//      time went (commit -> published, fan-out -> delivered) from the databases' own timestamps.
// The load generator (this process), the outbox relay (relay.js), the dispatcher and the receiver
// are four processes, as in production. The dispatcher's consumer group starts at the newest
// offsets, so events other runs left on a shared broker are not counted.
// Usage: node bench/webhooks/run.js [--deliveries 20000] [--rate 500] [--seconds 20] [--warmup 3]
// DISPATCHER_NODE_OPTIONS is passed to the dispatcher as NODE_OPTIONS (e.g. --cpu-prof).
// The first --warmup seconds ramp from a tenth of the rate up to it and are delivered but not
// measured (JIT and connection pools would otherwise be the tail); then the rate holds, measured.
'use strict';
const { fork, spawn } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');
const { randomUUID } = require('node:crypto');
const { Pool } = require('pg');
const { databaseName, databaseUrl, migrateDatabase } = require('../../libs/database/dist');
const { MessagingTables1764000000000, OutboxNotifier, OutboxWriter, createKafka, ensureServiceAcls } = require('../../libs/messaging/dist');
const { Topics } = require('../../libs/contracts/dist');
const { uuidv7 } = require('../../libs/contracts/dist');
const { serviceAuth } = require('../service-token');

const root = path.resolve(__dirname, '../..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const DELIVERIES = arg('deliveries', 20000);
const RATE = arg('rate', 500);
const SECONDS = arg('seconds', 20);
const WARMUP = arg('warmup', 5);
const serverUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const brokers = process.env.KAFKA_BROKERS || '127.0.0.1:9092';
const prefix = process.env.DB_PREFIX || 'wozamali_bench';
// The load generator and the relay are the broker's admin (the checkout's development user unless
// KAFKA_ADMIN_* is set); the dispatcher logs in as its own user.
if (!process.env.KAFKA_ADMIN_USERNAME) {
  const file = process.env.KAFKA_CREDENTIALS_FILE || path.join(__dirname, '../../.run/kafka-credentials.json');
  if (require('node:fs').existsSync(file)) {
    const creds = JSON.parse(require('node:fs').readFileSync(file, 'utf8'));
    Object.assign(process.env, { KAFKA_ADMIN_USERNAME: 'admin', KAFKA_ADMIN_PASSWORD: creds.users.admin, KAFKA_ADMIN_MECHANISM: creds.mechanism || 'scram-sha-512' });
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
function cpuSeconds(pid) {
  try {
    const fields = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

function loadAverage() {
  return require('node:os').loadavg().map((l) => l.toFixed(1)).join(' ');
}

function pct(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

async function waitUntil(probe, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve().then(probe).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(100);
  }
}

(async () => {
  const dispatcherDb = databaseName(prefix, 'webhook-dispatcher');
  const producerDb = `${prefix}_producer`;
  const { migrations } = require(path.join(root, 'apps/webhook-dispatcher/dist/migrations'));
  // Fresh databases every run, so one run's dead rows never slow the next (autovacuum is off on these machines).
  const admin0 = new Pool({ connectionString: serverUrl, max: 1 });
  for (const db of [dispatcherDb, producerDb]) await admin0.query(`drop database if exists "${db}" with (force)`);
  await admin0.end();
  await migrateDatabase({ serverUrl, database: dispatcherDb, migrations });
  await migrateDatabase({ serverUrl, database: producerDb, migrations: [MessagingTables1764000000000] });
  const dpool = new Pool({ connectionString: databaseUrl(serverUrl, dispatcherDb), max: 4 });
  const ppool = new Pool({ connectionString: databaseUrl(serverUrl, producerDb), max: Number(process.env.BENCH_PRODUCER_POOL || 48) });
  await ppool.query('create table bench_credits (id uuid primary key, user_id uuid not null, cents int not null, created_at timestamptz not null default now())');

  const received = new Map();
  let duplicates = 0;
  const receiver = fork(path.join(__dirname, 'receiver.js'));
  const receiverPort = await new Promise((resolve) => receiver.on('message', (m) => {
    if (m.kind === 'ready') resolve(m.port);
    if (m.kind === 'received') {
      for (const [id, at] of m.items) received.set(id, at);
      duplicates = m.duplicates;
    }
  }));

  // Only this run's events: the dispatcher joins a consumer group of this run's own at the newest
  // offsets (and the group is deleted afterwards).
  const group = `${prefix}.webhook-dispatcher.bench-${Date.now().toString(36)}`;
  const kafka = createKafka('bench-admin', brokers);
  if (process.env.KAFKA_ADMIN_USERNAME) await ensureServiceAcls(kafka, { groupPrefixes: [prefix] });
  const admin = kafka.admin();
  await admin.connect();

  const port = await freePort();
  const dispatcher = spawn(process.execPath, [path.join(root, 'apps/webhook-dispatcher/dist/main.js')], {
    env: {
      PATH: process.env.PATH, DATABASE_URL: serverUrl, KAFKA_BROKERS: brokers, DB_PREFIX: prefix, PORT: String(port),
      SERVICE_KEYS_DIR: path.join(root, '.run', 'service-keys'),
      WEBHOOK_ALLOW_LOOPBACK: 'true', LOG_LEVEL: 'warn', HEALTH_PROBES_ENABLED: 'false', OUTBOX_RELAY_ENABLED: 'false',
      NODE_OPTIONS: process.env.DISPATCHER_NODE_OPTIONS || '', DB_POOL_SIZE: process.env.BENCH_DB_POOL || '16', WEBHOOK_CONSUMER_GROUP: group, WEBHOOK_CONSUMER_FROM_BEGINNING: 'false',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  let relay = null;
  try {
    await waitUntil(async () => (await fetch(`${base}/health/ready`)).ok, 'dispatcher ready');
    // The relay runs from the start, as a service's relay does; it has nothing to publish until phase 2.
    relay = fork(path.join(__dirname, 'relay.js'), [databaseUrl(serverUrl, producerDb), brokers]);
    await new Promise((resolve) => relay.once('message', resolve));
    await waitUntil(async () => {
      const { groups: [g] } = await admin.describeGroups([group]);
      return g.state === 'Stable' && g.members.length > 0;
    }, 'the dispatcher in its consumer group', 60_000);
    const created = await (await fetch(`${base}/v1/webhooks/endpoints`, {
      method: 'POST', headers: { ...(await serviceAuth('webhook-dispatcher')), 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ url: `http://127.0.0.1:${receiverPort}/hooks`, events: ['wallet_update'], description: 'benchmark receiver' }),
    })).json();
    const endpointId = created.id;

    // 1. Throughput: N deliveries become due in one commit; the clock stops when all are delivered.
    console.log(`[bench] throughput: ${DELIVERIES} deliveries due at once`);
    await dpool.query(
      `with m as (
         insert into webhook_messages (id, type, occurred_at, body)
         select webhook_uuidv7(), 'wallet_update', now(), json_build_object('id', g, 'type', 'wallet_update', 'timestamp', now(), 'data', json_build_object('n', g))::text
         from generate_series(1, $1) g returning id
       )
       insert into webhook_deliveries (event_id, event_type, endpoint_id, priority, status, next_attempt_at)
       select id, 'wallet_update', $2, 0, 'pending', now() from m`,
      [DELIVERIES, endpointId],
    );
    const t0 = Date.now();
    const cpu0 = cpuSeconds(dispatcher.pid);
    await waitUntil(async () => (await dpool.query(`select count(*)::int as n from webhook_deliveries where endpoint_id = $1 and status = 'delivered'`, [endpointId])).rows[0].n >= DELIVERIES, 'all delivered', 300_000);
    const seconds = (Date.now() - t0) / 1000;
    const throughput = Math.round(DELIVERIES / seconds);
    const cpu = cpuSeconds(dispatcher.pid) - cpu0;
    console.log(`[bench] ${DELIVERIES} deliveries in ${seconds.toFixed(2)} s = ${throughput} deliveries/s; dispatcher CPU ${cpu.toFixed(1)} s = ${Math.round(DELIVERIES / cpu)} deliveries per CPU-second (receiver saw ${received.size}, duplicates ${duplicates}; load average ${loadAverage()})`);
    received.clear();

    // 2. Latency at a steady rate: commit -> receipt.
    console.log(`[bench] latency: ${RATE} wallet commits/s (reached over a ${WARMUP} s unmeasured ramp), then ${SECONDS} s measured`);
    const committed = new Map();
    const warmupIds = [];
    const outbox = new OutboxWriter('wallet-service');
    const notifier = new OutboxNotifier(ppool); // as the wallet-service wakes its relay after each commit
    const warmupTotal = Math.floor(RATE * 0.55 * WARMUP);
    const total = warmupTotal + RATE * SECONDS;
    const startAt = Date.now();
    let measuredFrom = 0;
    let issued = 0;
    const inflight = new Set();
    // One round trip per credit, as the wallet's hot path: the business row and its event in one statement.
    async function credit(measured) {
      const user = uuidv7();
      const [{ topic, envelope }] = outbox.envelopes([{
        type: 'wallet_update', subject: user,
        data: { user_id: user, wallet_id: user, transfer_id: randomUUID(), kind: 'earn', currency: 'ZAR', balance_change: 250, points_change: 25, description: 'bench', new_balance: 250, new_points: 25, held: 0 },
      }]);
      await ppool.query(
        `with c as (insert into bench_credits (id, user_id, cents) values ($1, $2, 250))
         insert into outbox (id, topic, key, type, payload) values ($3, $4, $2, 'wallet_update', $5)`,
        [randomUUID(), user, envelope.id, topic, JSON.stringify(envelope)],
      );
      if (measured) committed.set(envelope.id, Date.now());
      else warmupIds.push(envelope.id);
      notifier.poke();
    }
    // Events due after t seconds: the ramp's area (rate/10 rising to rate over the warm-up), then rate per second.
    const dueAt = (t) => (t < WARMUP ? RATE * (0.1 * t + (0.9 * t * t) / (2 * WARMUP)) : RATE * (0.55 * WARMUP + (t - WARMUP)));
    while (issued < total) {
      const due = Math.min(total, Math.floor(dueAt((Date.now() - startAt) / 1000)));
      while (issued < due) {
        issued += 1;
        if (issued === warmupTotal + 1) measuredFrom = Date.now();
        const p = credit(issued > warmupTotal).catch((err) => console.error(`[bench] commit failed: ${err.message}`)).finally(() => inflight.delete(p));
        inflight.add(p);
      }
      await sleep(2);
    }
    await Promise.all(inflight);
    const achieved = Math.round((total - warmupTotal) / ((Date.now() - measuredFrom) / 1000));
    await waitUntil(() => [...committed.keys(), ...warmupIds].every((id) => received.has(id)), 'every event received', 120_000).catch((e) => console.error(`[bench] ${e.message}`));
    const latencies = [...committed].filter(([id]) => received.has(id)).map(([id, at]) => received.get(id) - at).sort((a, b) => a - b);
    const p50 = pct(latencies, 50);
    const p99 = pct(latencies, 99);
    console.log(`[bench] load average ${loadAverage()}`);
    console.log(`[bench] ${committed.size} commits at ${achieved}/s; received ${latencies.length}; commit -> receipt p50 ${p50} ms, p90 ${pct(latencies, 90)} ms, p99 ${p99} ms, max ${latencies[latencies.length - 1]} ms; duplicates ${duplicates}`);
    const [pub] = (await ppool.query(
      `select percentile_disc(array[0.5, 0.9, 0.99]) within group (order by extract(epoch from published_at - created_at) * 1000) as p
       from outbox where type = 'wallet_update' and id = any($1::uuid[])`, [[...committed.keys()]])).rows;
    const [del] = (await dpool.query(
      `select percentile_disc(array[0.5, 0.9, 0.99]) within group (order by extract(epoch from delivered_at - created_at) * 1000) as p
       from webhook_deliveries where endpoint_id = $1 and event_id = any($2::uuid[])`, [endpointId, [...committed.keys()]])).rows;
    const fmt = (p) => (p || []).map((v) => `${Math.round(v)} ms`).join(' / ');
    const metricsText = await (await fetch(`${base}/metrics`)).text();
    const metric = (name) => Number((new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(metricsText) || [])[1] || 0);
    console.log(`[bench] deliveries claimed by the fan-out (sent on commit): ${metric('webhook_deliveries_claimed_by_fanout')}; by the claim query: ${metric('webhook_deliveries_claimed_by_query')}`);
    console.log(`[bench] where the time went (p50 / p90 / p99): commit -> published ${fmt(pub.p)}; fan-out -> delivered ${fmt(del.p)}`);
    console.log(JSON.stringify({ deliveries_per_s: throughput, deliveries_per_cpu_s: Math.round(DELIVERIES / cpu), rate: achieved, p50_ms: p50, p99_ms: p99, received: latencies.length, committed: committed.size }));
  } finally {
    if (relay) {
      relay.send('stop');
      await new Promise((resolve) => relay.once('exit', resolve));
    }
    dispatcher.kill('SIGTERM');
    await new Promise((resolve) => (dispatcher.exitCode !== null ? resolve() : dispatcher.once('exit', resolve)));
    await admin.deleteGroups([group]).catch(() => undefined);
    await admin.disconnect();
    receiver.send('stop');
    await dpool.end();
    await ppool.end();
  }
})().catch((err) => {
  console.error('[bench] failed:', err);
  process.exit(1);
});
