#!/usr/bin/env node
// Benchmark: balance reads (GET /v1/wallets/{id}) and earns (POST /v1/users/{id}/points/earn) sent
// directly to the wallet-service and through the api-gateway, in the same run, with autocannon.
// Reads through the gateway are measured with a service API key and with residents' own JWTs.
// Reads through the gateway are measured with its wallet read cache on (the default) and off (a
// second gateway process with GATEWAY_WALLET_CACHE_TTL_MS=0), and the cache's hit ratio is read
// from the gateway's /metrics. Each series is preceded by an unmeasured warm-up (JIT, connection
// pools, the cache filling). Prints req/s, p50/p99 and the gateway/direct ratio. Run through
// bench/gateway/run.sh.
'use strict';
const { randomUUID } = require('node:crypto');
const autocannon = require('autocannon');
const { mintUserToken } = require('../../libs/auth/dist');
const { serviceAuth } = require('../service-token');

const WALLET = process.env.WALLET_URL || 'http://127.0.0.1:3901';
const GATEWAY = process.env.GATEWAY_URL || 'http://127.0.0.1:3980';
const UNCACHED = process.env.UNCACHED_GATEWAY_URL || 'http://127.0.0.1:3981';
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS || 5);
const DURATION = Number(process.env.BENCH_SECONDS || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 64);
const ADMIN = { authorization: `Bearer ${process.env.ADMIN_API_KEY}`, 'x-service-id': process.env.ADMIN_SERVICE_ID || 'admin' };
const users = Array.from({ length: 500 }, () => randomUUID());
const tokens = new Map(users.map((u) => [u, `Bearer ${mintUserToken(process.env.JWT_SECRET, { sub: u, role: 'resident', expiresInSeconds: 3600 })}`]));
const pick = () => users[Math.floor(Math.random() * users.length)];

async function cacheCounts() {
  // The gateway's /metrics is on its internal listener, not the public port.
  const text = await (await fetch(`${process.env.GATEWAY_METRICS_URL || 'http://127.0.0.1:9480'}/metrics`)).text();
  const value = (name) => Number((new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text) || [])[1] || 0);
  return { hits: value('gateway_wallet_cache_hits'), misses: value('gateway_wallet_cache_misses') };
}

async function run(label, base, request) {
  if (WARMUP > 0) await autocannon({ url: base, connections: CONNECTIONS, duration: WARMUP, requests: [{ setupRequest: (req) => ({ ...req, ...request() }) }] });
  const result = await autocannon({ url: base, connections: CONNECTIONS, duration: DURATION, requests: [{ setupRequest: (req) => ({ ...req, ...request() }) }] });
  const ok = result['2xx'];
  return { label, rps: Math.round(ok / result.duration), p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors };
}

async function main() {
  const created = await fetch(`${GATEWAY}/v1/api-keys`, {
    method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ name: 'bench', service_id: 'bench', permissions: { wallets: ['read'], points: ['earn'] }, rate_limit_per_minute: 1000000 }),
  });
  if (created.status !== 201) throw new Error(`could not create the bench key: ${created.status} ${await created.text()}`);
  const key = { authorization: `Bearer ${(await created.json()).key}`, 'x-service-id': 'bench' };
  // Direct calls carry the gateway's service token, as the gateway's own do.
  const direct = await serviceAuth('wallet-service');
  // Some activity so reads find real wallets.
  for (const u of users.slice(0, 100)) {
    await fetch(`${WALLET}/v1/users/${u}/points/earn`, { method: 'POST', headers: { ...direct, 'content-type': 'application/json', 'idempotency-key': randomUUID() }, body: JSON.stringify({ points: 10, amount: 50, reason: 'bench seed' }) });
  }
  const read = (headers) => () => { const u = pick(); return { method: 'GET', path: `/v1/wallets/${u}`, headers: headers(u) }; };
  const earn = (headers) => () => ({
    method: 'POST', path: `/v1/users/${pick()}/points/earn`,
    headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ points: 10, amount: 50, reason: 'bench' }),
  });
  const rows = [];
  rows.push(await run('balance read, direct to wallet-service', WALLET, read(() => ({ ...direct }))));
  const before = await cacheCounts();
  rows.push(await run('balance read, gateway + API key', GATEWAY, read(() => key)));
  rows.push(await run('balance read, gateway + resident JWT', GATEWAY, read((u) => ({ authorization: tokens.get(u) }))));
  const after = await cacheCounts();
  rows.push(await run('balance read, gateway (cache off) + API key', UNCACHED, read(() => key)));
  rows.push(await run('earn, direct to wallet-service', WALLET, earn(direct)));
  rows.push(await run('earn, gateway + API key', GATEWAY, earn(key)));
  console.log(`[bench] ${DURATION}s each, ${CONNECTIONS} connections`);
  console.table(rows);
  const ratio = (a, b) => (rows[a].rps / rows[b].rps).toFixed(2);
  const hits = after.hits - before.hits;
  const misses = after.misses - before.misses;
  console.log(`[bench] gateway wallet cache: ${hits} hits, ${misses} misses (hit ratio ${(hits / Math.max(1, hits + misses)).toFixed(3)}; ${users.length} wallets, TTL ${process.env.GATEWAY_WALLET_CACHE_TTL_MS || 2000} ms)`);
  console.log(`[bench] gateway/direct: reads ${ratio(1, 0)} (API key), ${ratio(2, 0)} (JWT), ${ratio(3, 0)} (API key, cache off); earns ${ratio(5, 4)}`);
  console.log(`[bench] target: balance reads through the gateway >= 5000 req/s -> ${rows[1].rps >= 5000 ? 'met' : 'NOT met'} (${rows[1].rps})`);
}

main().catch((err) => { console.error(err); process.exit(1); });
