#!/usr/bin/env node
// Ingest benchmark of the metrics-service: BENCH_EVENTS contract-valid events (collections and
// wallet movements mostly, redemptions, donations and withdrawals too) for BENCH_INGEST_USERS
// residents over the last year are put on the real Kafka topics; then, in the same run:
//   1. the baseline: a bare kafkajs consumer (no database) reads the same messages, to see what the
//      broker and the client give on this machine;
//   2. the metrics-service (its own process, its inbox and derivation) consumes them from the same
//      offsets with its group, while one request at a time reads a user's year of daily metrics.
// Prints events/s of both, the API's latency during the ingest, and checks the facts recorded.
// Target: >= 2,000 events/s (a replay of 1,000,000 events in under 10 minutes). Run through run.sh.
'use strict';
const http = require('node:http');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { Pool } = require('pg');
const { uuidv7, Topics } = require('../../libs/contracts/dist');
const { createKafka } = require('../../libs/messaging/dist');
const { databaseName, databaseUrl } = require('../../libs/database/dist');
const { developmentServiceKeys, parseServicePrivateKey, ServiceTokenSigner } = require('../../libs/auth/dist');

const ROOT = path.resolve(__dirname, '..', '..');
const EVENTS = Number(process.env.BENCH_EVENTS || 200_000);
const USERS = Number(process.env.BENCH_INGEST_USERS || 20_000);
const PORT = Number(process.env.BENCH_INGEST_PORT || 3906);
const PREFIX = process.env.DB_PREFIX || 'wozamali_bench';
const BROKERS = process.env.KAFKA_BROKERS;
const TOPICS = [Topics.wallet, Topics.rewards, Topics.donations, Topics.withdrawals];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const users = Array.from({ length: USERS }, () => uuidv7());
const DAY = 86_400_000;
const now = Date.now();
const randomTime = () => new Date(now - Math.floor(Math.random() * 365 * DAY));

function envelope(type, source, user, at, data) {
  return { id: uuidv7(), type, version: 1, source, occurred_at: at.toISOString(), subject: user, correlation_id: 'bench', data };
}

/** One event, contract-valid, and whether the metrics record a fact for it. */
function event(i) {
  const user = users[i % USERS];
  const at = randomTime();
  const r = i % 20;
  if (r < 8) {
    const grams = 500 + (i % 40) * 100;
    return [Topics.wallet, envelope('collection_recorded', 'wallet-service', user, at, {
      collection_id: uuidv7(), user_id: user, collector_id: null, transfer_id: uuidv7(), collected_at: at.toISOString(), rate_card_version: 1,
      points: grams / 100, amount: grams / 2, fund_amount: 0, currency: 'ZAR', total_grams: grams,
      materials: [{ material: i % 3 ? 'PET' : 'GLASS', grams, kg: (grams / 1000).toFixed(3), name: 'x' }], impact: { co2_avoided_g: 0, water_saved_ml: 0 },
    })];
  }
  if (r < 17) {
    return [Topics.wallet, envelope('wallet_update', 'wallet-service', user, at, {
      user_id: user, wallet_id: uuidv7(), transfer_id: uuidv7(), kind: r < 15 ? 'collection' : 'spend', currency: 'ZAR',
      balance_change: r < 15 ? 250 : 0, points_change: r < 15 ? 25 : -10, description: 'bench', new_balance: 0, new_points: 0,
    })];
  }
  if (r === 17) {
    return [Topics.rewards, envelope('reward_issue', 'rewards-service', user, at, {
      user_id: user, user_reward_id: uuidv7(), reward_id: uuidv7(), reward_code: 'VOUCHER_50', reward_type: 'discount', partner_service_id: null,
      reward_name: 'R50 voucher', source: 'redemption', redemption_id: uuidv7(), transfer_id: uuidv7(), points_cost: 600, value: 5000, currency: 'ZAR',
      issued_at: at.toISOString(), expires_at: new Date(at.getTime() + 30 * DAY).toISOString(),
    })];
  }
  if (r === 18) {
    return [Topics.donations, envelope('donation_create', 'donations-service', user, at, {
      donation_id: uuidv7(), campaign_id: uuidv7(), user_id: user, donor_ref: 'bench', visibility: 'public', amount: 1000, currency: 'ZAR', points: 5,
      bonus_points: 10, transfer_id: uuidv7(), receipt_number: 'WM-2026-000001', donated_at: at.toISOString(),
    })];
  }
  return [Topics.withdrawals, envelope('withdrawal_update', 'withdrawals-service', user, at, {
    withdrawal_id: uuidv7(), user_id: user, from: 'processing', to: 'completed', amount: 5000, currency: 'ZAR', method: 'bank_transfer',
    actor: 'system', reason: null, transfer_id: uuidv7(), changed_at: at.toISOString(),
  })];
}

async function offsets(admin) {
  const out = new Map();
  for (const topic of TOPICS) out.set(topic, await admin.fetchTopicOffsets(topic));
  return out;
}

async function setGroup(admin, groupId, start) {
  for (const [topic, parts] of start) await admin.setOffsets({ groupId, topic, partitions: parts.map((p) => ({ partition: p.partition, offset: p.high })) });
}

/** The bare consumer: how fast this broker and client hand over the same messages, with no work. */
async function baseline(kafka, admin, start) {
  const groupId = `${PREFIX}.bench-baseline-${Date.now()}`;
  await setGroup(admin, groupId, start);
  const consumer = kafka.consumer({ groupId, maxBytes: 10 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topics: TOPICS });
  let seen = 0;
  let first = 0;
  let done;
  const finished = new Promise((r) => (done = r));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (!first) first = Date.now();
      for (const m of batch.messages) if (m.headers?.['x-bench'] !== undefined) seen += 1;
      if (seen >= EVENTS) done();
    },
  });
  const started = Date.now();
  await finished;
  const seconds = (Date.now() - started) / 1000;
  await consumer.disconnect();
  return { seconds, rate: EVENTS / seconds };
}

function get(url, headers) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${url}: ${res.statusCode}`))));
    });
    req.on('error', reject);
  });
}

(async () => {
  if (!BROKERS) throw new Error('set KAFKA_BROKERS');
  const kafka = createKafka(`bench-ingest-${Date.now()}`, BROKERS);
  const admin = kafka.admin();
  await admin.connect();
  const start = await offsets(admin);

  // Produce.
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  let facts = 0;
  const t0 = Date.now();
  for (let i = 0; i < EVENTS; i += 5000) {
    const byTopic = new Map();
    for (let j = i; j < Math.min(EVENTS, i + 5000); j += 1) {
      const [topic, e] = event(j);
      facts += 1;
      if (!byTopic.has(topic)) byTopic.set(topic, []);
      byTopic.get(topic).push({ key: e.subject, value: JSON.stringify(e), headers: { 'x-bench': '1' } });
    }
    await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })), acks: -1 });
  }
  await producer.disconnect();
  console.log(`[bench] produced ${EVENTS} events for ${USERS} residents in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const base = await baseline(kafka, admin, start);
  console.log(`[bench] baseline (same run): a bare kafkajs consumer reads them at ${Math.round(base.rate)} events/s (${base.seconds.toFixed(1)} s)`);

  // The metrics-service, from the same offsets, with its own group.
  const group = `${PREFIX}.metrics-service`;
  await setGroup(admin, group, start);
  await admin.disconnect();
  const child = spawn(process.execPath, [path.join(ROOT, 'apps/metrics-service/dist/main.js')], {
    cwd: ROOT,
    env: { ...process.env, KAFKA_ADMIN_USERNAME: '', KAFKA_ADMIN_PASSWORD: '', PORT: String(PORT), LOG_LEVEL: 'warn', KAFKA_CONSUMERS_ENABLED: 'true', OUTBOX_RELAY_ENABLED: 'false' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pool = new Pool({ connectionString: databaseUrl(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres', databaseName(PREFIX, 'metrics-service')), max: 2 });
  const keys = developmentServiceKeys(path.join(ROOT, '.run', 'service-keys'));
  const signer = new ServiceTokenSigner({ service: 'api-gateway', key: parseServicePrivateKey(keys.privateKey('api-gateway'), 'api-gateway') });
  try {
    const startedAt = Date.now();
    const count = async () => Number((await pool.query(`select count(*)::int as n from inbox where consumer = 'metrics-service'`)).rows[0].n);
    const before = await count();
    // One request at a time while it ingests: a resident's year of daily metrics.
    const latencies = [];
    let ingesting = true;
    const reader = (async () => {
      const from = new Date(now - 365 * DAY).toISOString().slice(0, 10);
      while (ingesting) {
        const user = users[Math.floor(Math.random() * USERS)];
        const headers = { authorization: `Bearer ${await signer.token('metrics-service', { type: 'user', userId: user, role: 'resident' })}` };
        const t = process.hrtime.bigint();
        try {
          await get(`http://127.0.0.1:${PORT}/v1/users/${user}/metrics?from=${from}`, headers);
          latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        } catch {
          await sleep(200); // not up yet
        }
      }
    })();
    let n = before;
    let last = Date.now();
    let firstApplied = 0;
    while (n - before < EVENTS) {
      await sleep(500);
      n = await count();
      if (!firstApplied && n > before) firstApplied = Date.now();
      if (Date.now() - last > 15_000) {
        console.log(`[bench]   ${n - before} of ${EVENTS} applied after ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
        last = Date.now();
      }
      if (Date.now() - startedAt > 30 * 60_000) throw new Error('ingest did not finish in 30 minutes');
    }
    const seconds = (Date.now() - startedAt) / 1000;
    ingesting = false;
    await reader;
    latencies.sort((a, b) => a - b);
    const p = (q) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(1) : 'n/a');
    const rate = EVENTS / seconds;
    console.log(`[bench] metrics-service ingest: ${EVENTS} events in ${seconds.toFixed(1)} s (from its start, boot included) = ${Math.round(rate)} events/s`
      + ` — ${(100 * rate / base.rate).toFixed(0)} % of the bare consumer; target >= 2000 events/s: ${rate >= 2000 ? 'met' : 'NOT met'}`);
    const steady = EVENTS / ((Date.now() - firstApplied) / 1000);
    console.log(`[bench]   from its first event applied (boot and group join left out): ${Math.round(steady)} events/s`);
    console.log(`[bench] at the first rate 1,000,000 events take ${(1_000_000 / rate / 60).toFixed(1)} min (target < 10 min)`);
    console.log(`[bench] meanwhile a user's year of daily metrics: p50 ${p(0.5)} ms, p99 ${p(0.99)} ms over ${latencies.length} requests`);
    const recorded = Number((await pool.query('select count(*)::int as n from metric_facts')).rows[0].n);
    console.log(`[bench] facts recorded: ${recorded} (events sent: ${facts})${recorded >= facts ? '' : ' — FEWER than sent'}`);
  } finally {
    child.kill('SIGTERM');
    await pool.end();
  }
})().catch((err) => {
  console.error('[bench] failed:', err.message);
  process.exit(1);
});
