#!/usr/bin/env node
// A/B of the ledger's SQL write path, `select ledger_execute(…)` for an earn, on two fresh wallet
// databases migrated side by side: `single` = every migration, then the merged single function of
// 1764000001000 put back (the figure issue 9's budget is measured against); `current` = every
// migration as it stands. Rounds alternate (A B, B A, …) so a machine that speeds up or slows down
// mid-run costs both alike. Besides transactions per second it reports the PostgreSQL backends'
// CPU time per transaction (utime + stime of the serving backends, from /proc): far less sensitive
// than wall-clock rates to other processes on the machine.
// Usage: node bench/wallet/ledger-ab.js [rounds=4] [seconds=8] [clients=16]   (after `npm run build`)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { randomUUID } = require('node:crypto');
const { Pool } = require('pg');

const root = path.resolve(__dirname, '../..');
const { databaseName, dropDatabase, migrateDatabase } = require(path.join(root, 'libs/database/dist'));
const { migrations } = require(path.join(root, 'apps/wallet-service/dist/migrations'));
const { LEDGER_EXECUTE_SQL } = require(path.join(root, 'apps/wallet-service/dist/migrations/1764000001000-ledger'));
const { uuidv7 } = require(path.join(root, 'libs/contracts/dist'));

const [ROUNDS, SECONDS, CLIENTS] = [Number(process.argv[2] || 4), Number(process.argv[3] || 8), Number(process.argv[4] || 16)];
const SERVER = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const USERS = Array.from({ length: 2000 }, () => randomUUID());
const TICK_MS = 1000 / 100; // USER_HZ

function dbUrl(database) {
  const u = new URL(SERVER);
  u.pathname = `/${database}`;
  return u.toString();
}

async function prepare(variant) {
  const database = databaseName(process.env.DB_PREFIX || 'wozamali_bench', `ledger-ab-${variant}`);
  await dropDatabase(SERVER, database);
  await migrateDatabase({ serverUrl: SERVER, database, migrations, owner: { user: databaseName(process.env.DB_PREFIX || 'wozamali_bench', 'wallet-service') } });
  const pool = new Pool({ connectionString: dbUrl(database), max: CLIENTS });
  if (variant === 'single') await pool.query(LEDGER_EXECUTE_SQL.replace('create function ledger_execute', 'create or replace function ledger_execute'));
  if (variant === 'candidate') await pool.query(fs.readFileSync(process.env.LEDGER_AB_CANDIDATE, 'utf8'));
  return { variant, database, pool };
}

function earn(user) {
  return JSON.stringify({
    client: 'bench-ab', key: randomUUID(), hash: 'x', transfer_id: uuidv7(), kind: 'earn', user_id: user, description: 'bench', reference: null,
    metadata: {}, correlation_id: null, topic: 'wozamali.wallet.events', source: 'wallet-service', event_ids: [uuidv7(), uuidv7(), uuidv7()], events: [], response: {},
    postings: [
      { owner_type: 'user', owner_id: user, asset: 'POINTS', shard: 0, amount: 10, lifetime: true },
      { owner_type: 'user', owner_id: user, asset: 'ZAR', shard: 0, amount: 50 },
      { owner_type: 'platform', owner_id: 'funding', asset: 'POINTS', shard: 0, amount: -10, allow_negative: true, uncached: true },
      { owner_type: 'platform', owner_id: 'funding', asset: 'ZAR', shard: 0, amount: -50, allow_negative: true, uncached: true },
    ],
  });
}

function cpuTicks(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15 of proc(5))
}

async function round(target) {
  // One dedicated client per worker, so each backend's CPU time can be read.
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => target.pool.connect()));
  const pids = await Promise.all(clients.map(async (c) => (await c.query('select pg_backend_pid() as pid')).rows[0].pid));
  const before = pids.reduce((s, p) => s + cpuTicks(p), 0);
  let count = 0;
  const until = Date.now() + SECONDS * 1000;
  const started = Date.now();
  await Promise.all(clients.map(async (c) => {
    while (Date.now() < until) {
      await c.query('select ledger_execute($1::jsonb) as r', [earn(USERS[Math.floor(Math.random() * USERS.length)])]);
      count += 1;
    }
  }));
  const secs = (Date.now() - started) / 1000;
  const cpuMs = (pids.reduce((s, p) => s + cpuTicks(p), 0) - before) * TICK_MS;
  clients.forEach((c) => c.release());
  return { tps: count / secs, cpuUsPerTx: (cpuMs * 1000) / count };
}

/**
 * One connection, SERIAL earns in transactions of 50 (synchronous_commit off): the backend's CPU
 * time per earn with no lock waits and no fsync, the function's own cost. Its minimum over rounds is
 * the steadiest figure on a busy machine (other processes can only add to it).
 */
async function serial(target, n = 2000) {
  const c = await target.pool.connect();
  try {
    await c.query('set synchronous_commit = off');
    const pid = (await c.query('select pg_backend_pid() as pid')).rows[0].pid;
    const before = cpuTicks(pid);
    await c.query('begin');
    for (let i = 0; i < n; i += 1) {
      await c.query('select ledger_execute($1::jsonb) as r', [earn(USERS[i % USERS.length])]);
      if (i % 50 === 49) { await c.query('commit'); await c.query('begin'); }
    }
    await c.query('commit');
    return ((cpuTicks(pid) - before) * TICK_MS * 1000) / n;
  } finally {
    c.release();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

(async () => {
  // LEDGER_AB_CANDIDATE=<file.sql>: a third database, every migration plus that SQL (a change being tried).
  const targets = [await prepare('single'), await prepare('current'), ...(process.env.LEDGER_AB_CANDIDATE ? [await prepare('candidate')] : [])];
  console.log(`[ledger-ab] ${ROUNDS} rounds × ${SECONDS} s, ${CLIENTS} clients, earns over ${USERS.length} users; load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  for (const t of targets) await round({ ...t }).catch(() => undefined); // warm-up: accounts, plans, caches
  const results = Object.fromEntries(targets.map((t) => [t.variant, []]));
  for (let r = 0; r < ROUNDS; r += 1) {
    const order = r % 2 === 0 ? targets : [...targets].reverse(); // A B C, C B A, …
    for (const t of order) {
      const res = await round(t);
      results[t.variant].push(res);
      console.log(`[ledger-ab] round ${r + 1} ${t.variant.padEnd(7)} ${res.tps.toFixed(0).padStart(6)} tx/s  ${res.cpuUsPerTx.toFixed(0).padStart(5)} µs backend CPU/tx`);
    }
  }
  const serialCpu = Object.fromEntries(targets.map((t) => [t.variant, []]));
  for (let r = 0; r < ROUNDS * 2; r += 1) {
    for (const t of r % 2 === 0 ? targets : [...targets].reverse()) serialCpu[t.variant].push(await serial(t));
  }
  for (const t of targets) console.log(`[ledger-ab] serial, one connection: ${t.variant.padEnd(9)} backend CPU µs/earn: min ${Math.min(...serialCpu[t.variant]).toFixed(0)}, median ${median(serialCpu[t.variant]).toFixed(0)} (${serialCpu[t.variant].map((x) => x.toFixed(0)).join(', ')})`);
  for (const t of targets.slice(1)) {
    const v = t.variant;
    console.log(`[ledger-ab] serial ${v}/single: min ${(Math.min(...serialCpu[v]) / Math.min(...serialCpu.single)).toFixed(3)}, median ${(median(serialCpu[v]) / median(serialCpu.single)).toFixed(3)}`);
  }
  const m = (v, k) => median(results[v].map((x) => x[k]));
  for (const t of targets.slice(1)) {
    const v = t.variant;
    console.log(`[ledger-ab] median tx/s: single ${m('single', 'tps').toFixed(0)}, ${v} ${m(v, 'tps').toFixed(0)} (${v}/single ${(m(v, 'tps') / m('single', 'tps')).toFixed(3)})`);
    console.log(`[ledger-ab] median backend CPU µs/tx: single ${m('single', 'cpuUsPerTx').toFixed(0)}, ${v} ${m(v, 'cpuUsPerTx').toFixed(0)} (${v}/single ${(m(v, 'cpuUsPerTx') / m('single', 'cpuUsPerTx')).toFixed(3)})`);
  }
  for (const t of targets) {
    await t.pool.end();
    await dropDatabase(SERVER, t.database);
  }
})().catch((err) => {
  console.error(`[ledger-ab] failed: ${err.code ?? ''} ${err.message}`);
  process.exit(1);
});
