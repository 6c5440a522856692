#!/usr/bin/env node
// Benchmark: POST /v1/users/{id}/points/earn over HTTP (autocannon, many connections) against the
// real PostgreSQL, compared in the same run with the raw ceiling of the same SQL transaction
// (`select ledger_execute(...)` from a direct `pg` pool). Also measures latency at a steady 500 req/s.
// Run through bench/wallet/run.sh, which starts the infrastructure and the wallet-service.
'use strict';
const { randomUUID } = require('node:crypto');
const autocannon = require('autocannon');
const { Pool } = require('pg');
const { uuidv7 } = require('../../libs/contracts/dist');
const { databaseName, databaseUrl } = require('../../libs/database/dist');

const URL_BASE = process.env.WALLET_URL || 'http://127.0.0.1:3901';
const DURATION = Number(process.env.BENCH_SECONDS || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 32);
const users = Array.from({ length: 2000 }, () => uuidv7());
const pick = () => users[Math.floor(Math.random() * users.length)];

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function http(label, extra = {}) {
  const result = await autocannon({
    url: URL_BASE,
    connections: CONNECTIONS,
    duration: DURATION,
    ...extra,
    requests: [{
      method: 'POST',
      setupRequest: (req) => ({
        ...req,
        path: `/v1/users/${pick()}/points/earn`,
        headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body: JSON.stringify({ points: 10, amount: 50, reason: 'bench' }),
      }),
    }],
  });
  const ok = result['2xx'];
  return { label, rps: ok / result.duration, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors, total: ok };
}

async function raw(connectionString) {
  const pool = new Pool({ connectionString, max: 16 });
  const latencies = [];
  let count = 0;
  const until = Date.now() + DURATION * 1000;
  const worker = async () => {
    while (Date.now() < until) {
      const user = pick();
      const payload = {
        client: 'bench-raw', key: randomUUID(), hash: 'x', transfer_id: uuidv7(), kind: 'earn', user_id: user, description: 'bench', reference: null,
        metadata: {}, correlation_id: null, topic: 'wozamali.wallet.events', source: 'wallet-service', event_ids: [uuidv7(), uuidv7(), uuidv7()], events: [], response: {},
        postings: [
          { owner_type: 'user', owner_id: user, asset: 'POINTS', shard: 0, amount: 10, lifetime: true },
          { owner_type: 'user', owner_id: user, asset: 'ZAR', shard: 0, amount: 50 },
          { owner_type: 'platform', owner_id: 'funding', asset: 'POINTS', shard: 0, amount: -10, allow_negative: true, uncached: true },
          { owner_type: 'platform', owner_id: 'funding', asset: 'ZAR', shard: 0, amount: -50, allow_negative: true, uncached: true },
        ],
      };
      const t0 = process.hrtime.bigint();
      await pool.query('select ledger_execute($1::jsonb) as r', [JSON.stringify(payload)]);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      count += 1;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const secs = (Date.now() - started) / 1000;
  await pool.end();
  latencies.sort((a, b) => a - b);
  return { label: 'raw SQL (pg pool 16, same transaction)', rps: count / secs, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors: 0, total: count };
}

(async () => {
  const db = databaseUrl(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres', databaseName(process.env.DB_PREFIX || 'wozamali_bench', 'wallet-service'));
  const fmt = (r) => `${r.label.padEnd(44)} ${r.rps.toFixed(0).padStart(7)} earns/s   p50 ${Number(r.p50).toFixed(1).padStart(6)} ms   p99 ${Number(r.p99).toFixed(1).padStart(6)} ms   non-2xx/errors ${r.errors}`;
  await http('warm-up', { duration: 3 });
  const rawResult = await raw(db);
  console.log(fmt(rawResult));
  const httpResult = await http(`HTTP earn (${CONNECTIONS} connections)`);
  console.log(fmt(httpResult));
  const steady = await http('HTTP earn at a steady 500 req/s', { overallRate: 500, connections: 50 });
  console.log(fmt(steady));
  console.log(`ratio HTTP / raw ceiling: ${(httpResult.rps / rawResult.rps).toFixed(2)} (target >= 0.5); p99 at 500 req/s: ${steady.p99} ms (target < 50 ms)`);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
