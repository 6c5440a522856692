#!/usr/bin/env node
// Benchmark: POST /v1/users/{id}/points/earn over HTTP (autocannon, many connections) against the
// real PostgreSQL, compared in the same run with the raw ceiling of the same SQL transaction
// (`select ledger_execute(...)` from a direct `pg` pool). Also measures latency at a steady rate
// (500 req/s, and lower rates for context) with an open-loop generator: one request every 1/rate s,
// sent whether or not earlier ones have answered, each timed from when it was due. (autocannon's
// own rate option sends each second's quota in one burst at the start of the second, which measures
// the queue of that burst, not a steady rate.)
// Run through bench/wallet/run.sh, which starts the infrastructure and the wallet-service.
'use strict';
const { randomUUID } = require('node:crypto');
const httpModule = require('node:http');
const os = require('node:os');
const autocannon = require('autocannon');
const { Pool } = require('pg');
const { uuidv7 } = require('../../libs/contracts/dist');
const { databaseName, databaseUrl } = require('../../libs/database/dist');
const { serviceAuth } = require('../service-token');
/** The gateway's service token, as the wallet-service requires on every call (set before the first request). */
let auth = {};

const URL_BASE = process.env.WALLET_URL || 'http://127.0.0.1:3901';
const DURATION = Number(process.env.BENCH_SECONDS || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 32);
// The target phase (500 req/s) runs longer than the others, so its p99 rests on 15,000 requests.
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS || 30);
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
        headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
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

/** Open loop: a request every 1000/rate ms for DURATION seconds; latency from the moment it was due. */
async function steadyRate(rate, seconds = DURATION) {
  const agent = new httpModule.Agent({ keepAlive: true, maxSockets: 512 });
  const { hostname, port } = new URL(URL_BASE);
  const latencies = [];
  let errors = 0;
  const total = rate * seconds;
  const start = performance.now();
  const pending = [];
  const send = (dueAt) => new Promise((resolve) => {
    const body = JSON.stringify({ points: 10, amount: 50, reason: 'bench' });
    const req = httpModule.request({ agent, hostname, port, method: 'POST', path: `/v1/users/${pick()}/points/earn`, headers: { ...auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'idempotency-key': randomUUID() } }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 201) latencies.push(performance.now() - dueAt); else errors += 1;
        resolve();
      });
    });
    req.on('error', () => { errors += 1; resolve(); });
    req.end(body);
  });
  for (let sent = 0; sent < total;) {
    const now = performance.now();
    while (sent < total && start + (sent * 1000) / rate <= now) {
      pending.push(send(start + (sent * 1000) / rate));
      sent += 1;
    }
    await new Promise((r) => setTimeout(r, 1)); // not setImmediate: a spinning generator would take a core from the service
  }
  await Promise.all(pending);
  const secs = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { label: `HTTP earn at a steady ${rate} req/s (open loop)`, rps: latencies.length / secs, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, total: latencies.length };
}

(async () => {
  auth = await serviceAuth('wallet-service');
  const db = databaseUrl(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres', databaseName(process.env.DB_PREFIX || 'wozamali_bench', 'wallet-service'));
  const fmt = (r) => `${r.label.padEnd(44)} ${r.rps.toFixed(0).padStart(7)} earns/s   p50 ${Number(r.p50).toFixed(1).padStart(6)} ms   p99 ${Number(r.p99).toFixed(1).padStart(6)} ms   non-2xx/errors ${r.errors}`;
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`[bench] load average before: ${load()}`);
  await http('warm-up', { duration: 3 });
  const rawResult = await raw(db);
  console.log(fmt(rawResult));
  const httpResult = await http(`HTTP earn (${CONNECTIONS} connections)`);
  console.log(fmt(httpResult));
  for (const rate of [200, 350]) console.log(fmt(await steadyRate(rate)));
  const steady = await steadyRate(500, STEADY_SECONDS);
  console.log(fmt(steady));
  console.log(`[bench] load average after: ${load()}; steady 500 req/s phase: ${STEADY_SECONDS} s, ${steady.total} requests`);
  console.log(`ratio HTTP / raw ceiling: ${(httpResult.rps / rawResult.rps).toFixed(2)} (target >= 0.5); p99 at 500 req/s: ${steady.p99.toFixed(1)} ms (target < 50 ms)`);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
