#!/usr/bin/env node
// Benchmark: redemptions (POST /v1/users/{id}/rewards) against earns (POST /v1/users/{id}/points/earn)
// through the api-gateway, in the same run, with autocannon. Each is one wallet transfer; a
// redemption also commits its decision (pending) before the wallet call and the issued reward with
// its code after it, in the rewards-service's own database. Redemptions are measured on one reward
// without stock or limit (no lock: the common case), on one stock-limited reward (every decision
// queues on its row lock: the worst case) and spread over 8 stock-limited rewards. After each series
// has run once uncounted (BENCH_WARMUP_ALL_SECONDS, default 8), the four series
// alternate, BENCH_ROUNDS rounds (default 3) of BENCH_SECONDS each (default 8, after BENCH_WARMUP_SECONDS
// of warm-up), so a machine that slows down or speeds up during the run weighs on all of them alike;
// each series reports its median round. Prints req/s, p50/p99 and the redemption/earn ratio of the
// medians (target >= 0.5). Run through bench/rewards/run.sh.
'use strict';
const { randomUUID } = require('node:crypto');
const autocannon = require('autocannon');
const { serviceAuth } = require('../service-token');

const WALLET = process.env.WALLET_URL;
const GATEWAY = process.env.GATEWAY_URL;
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS || 2);
const DURATION = Number(process.env.BENCH_SECONDS || 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const WARMUP_ALL = Number(process.env.BENCH_WARMUP_ALL_SECONDS || 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 32);
const ADMIN = { authorization: `Bearer ${process.env.ADMIN_API_KEY}`, 'x-service-id': process.env.ADMIN_SERVICE_ID || 'admin' };
const users = Array.from({ length: 400 }, () => randomUUID());
const pick = (list) => list[Math.floor(Math.random() * list.length)];

async function post(url, headers, body) {
  const res = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': randomUUID() }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function run(label, request, duration = DURATION) {
  const requests = [{ setupRequest: (req) => ({ ...req, ...request() }) }];
  if (WARMUP > 0) await autocannon({ url: GATEWAY, connections: CONNECTIONS, duration: WARMUP, requests });
  const r = await autocannon({ url: GATEWAY, connections: CONNECTIONS, duration, requests });
  return { label, rps: Math.round(r['2xx'] / r.duration), p50: r.latency.p50, p99: r.latency.p99, errors: r.non2xx + r.errors };
}

/** The round with the median req/s (the middle one of an odd count), with every round's req/s beside it. */
function median(results) {
  const sorted = [...results].sort((a, b) => a.rps - b.rps);
  const mid = sorted[Math.floor((sorted.length - 1) / 2)];
  return { ...mid, rounds: results.map((r) => r.rps).join(' / '), errors: results.reduce((n, r) => n + r.errors, 0) };
}

async function main() {
  const created = await post(`${GATEWAY}/v1/api-keys`, ADMIN, { name: 'bench', service_id: 'bench', permissions: { points: ['earn'], rewards: ['redeem', 'read'] }, rate_limit_per_minute: 1000000 });
  const key = { authorization: `Bearer ${created.key}`, 'x-service-id': 'bench' };
  const stamp = Date.now().toString(36).toUpperCase();
  const open = (await post(`${GATEWAY}/v1/rewards`, ADMIN, { code: `BENCH_${stamp}_OPEN`, name: 'Bench reward', type: 'service', points_cost: 1 })).id;
  const rewards = [];
  for (let i = 0; i < 8; i += 1) {
    rewards.push((await post(`${GATEWAY}/v1/rewards`, ADMIN, { code: `BENCH_${stamp}_${i}`, name: `Bench stocked reward ${i}`, type: 'product', points_cost: 1, stock: 100_000_000, stock_reason: 'bench' })).id);
  }
  // Enough points that no redemption is refused for want of them.
  const direct = await serviceAuth('wallet-service');
  for (const u of users) await post(`${WALLET}/v1/users/${u}/points/earn`, direct, { points: 1_000_000, amount: 0, reason: 'bench seed' });
  const earn = () => ({ method: 'POST', path: `/v1/users/${pick(users)}/points/earn`, headers: { ...key, 'content-type': 'application/json', 'idempotency-key': randomUUID() }, body: JSON.stringify({ points: 10, amount: 50, reason: 'bench' }) });
  const redeem = (ids) => () => ({ method: 'POST', path: `/v1/users/${pick(users)}/rewards`, headers: { ...key, 'content-type': 'application/json', 'idempotency-key': randomUUID() }, body: JSON.stringify({ reward_id: pick(ids) }) });
  const series = [
    ['earn, gateway + API key', earn],
    ['redemption (no stock or limit), gateway + API key', redeem([open])],
    ['redemption (one stocked reward), gateway + API key', redeem(rewards.slice(0, 1))],
    ['redemption (8 stocked rewards), gateway + API key', redeem(rewards)],
  ];
  // Every series once before the rounds (JIT, pools, caches), not counted.
  for (const [label, request] of series) await run(`${label} (warm-up)`, request, WARMUP_ALL);
  const results = series.map(() => []);
  for (let round = 0; round < ROUNDS; round += 1) {
    for (let i = 0; i < series.length; i += 1) results[i].push(await run(series[i][0], series[i][1]));
  }
  const rows = results.map(median);
  console.log(`[bench] each series once uncounted (${WARMUP_ALL}s), then ${ROUNDS} rounds of the four in turn, ${DURATION}s each after ${WARMUP}s warm-up, ${CONNECTIONS} connections; each row is the series' median round`);
  console.table(rows);
  const earns = rows[0].rps;
  const ratio = (i) => (rows[i].rps / earns).toFixed(2);
  const met = (i) => (rows[i].rps >= 0.5 * earns ? 'met' : 'NOT met');
  console.log(`[bench] redemptions/earns (medians): no stock or limit ${ratio(1)}, one stocked reward ${ratio(2)}, 8 stocked rewards ${ratio(3)}`);
  console.log(`[bench] target: redemptions >= 0.5 x earns -> ${met(1)} (no stock or limit), ${met(2)} (one stocked reward), ${met(3)} (8 stocked rewards)`);
}

main().catch((err) => { console.error(err); process.exit(1); });
