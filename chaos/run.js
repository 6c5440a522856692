#!/usr/bin/env node
// The reliability suite (issue 16): `npm run chaos` (full, ~15 min) or `npm run chaos -- --short`
// (CI, ≤ 5 min). Starts the whole platform on the chaos ports, runs a steady mixed load through two
// gateways, injects faults one at a time, waits for quiescence, checks the guarantees, prints the
// table and writes .run/chaos-report.json. Exits non-zero on any violation.
//   --short               the CI subset of faults
//   --replays N           how many answered requests to replay (300 short, 10000 full)
//   --faults a,b,c        only these faults (names as in the table); `--faults none` for load + checks only
//   --shared-pg           on the machine's PostgreSQL (DATABASE_URL) instead of a private cluster (no restart fault)
//   --plant drop-webhooks      a receiver answers 2xx but records nothing for 1 delivery in 20: the run must FAIL
//   --plant retry-without-key  three earns sent twice under two keys and modelled once: the run must FAIL
//   Planted SERVICE bugs (libs/config/src/plant.ts; only this harness arms them), each must FAIL the run:
//   --plant void-hold-on-timeout    withdrawals: a provider timeout on send releases the hold (payout check)
//   --plant consumer-without-inbox  metrics: a redelivered event is counted again (reconciliation check)
//   --plant double-credit           wallet: an earn's idempotency key never matches (balances and replays)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { randomUUID } = require('node:crypto');
const { Platform, ROOT, SERVICE_PLANTS, log } = require('./platform');
const { Client, Receiver, Model, Load, newStats, sleep } = require('./load');
const checks = require('./checks');
const { FAULTS, SHORT } = require('./faults');

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const SHORT_RUN = args.includes('--short');
const PLANT = opt('--plant');
const only = opt('--faults');
const faultNames = only === 'none' ? [] : only ? only.split(',') : SHORT_RUN ? SHORT : Object.keys(FAULTS);
for (const f of faultNames) if (!FAULTS[f]) { console.error(`unknown fault ${f}; known: ${Object.keys(FAULTS).join(', ')}`); process.exit(2); }
const PLANTS = ['drop-webhooks', 'retry-without-key', ...Object.keys(SERVICE_PLANTS)];
if (PLANT && !PLANTS.includes(PLANT)) { console.error(`unknown plant ${PLANT}; known: ${PLANTS.join(', ')}`); process.exit(2); }
const REPORT = path.join(ROOT, '.run', PLANT ? `chaos-report-plant-${PLANT}.json` : 'chaos-report.json');

// Its own PostgreSQL cluster (restarted by the `restart postgresql` fault; the run's ten processes kept
// off the machine's shared server and its connection limit); `--shared-pg` uses DATABASE_URL instead.
const platform = new Platform({ plant: PLANT, privatePostgres: args.includes('--shared-pg') ? false : faultNames.includes('restart postgresql') ? 'required' : 'preferred' });
if (!platform.pg && faultNames.includes('restart postgresql')) { console.error('restart postgresql needs the private cluster (not with --shared-pg)'); process.exit(2); }
let receivers = [];
function emergencyStop() { platform.stopSync(); for (const r of receivers) r.server?.close(); }
process.on('SIGINT', () => { emergencyStop(); process.exit(130); });
process.on('SIGTERM', () => { emergencyStop(); process.exit(143); });
process.on('exit', () => { if (!platform.stopped) platform.stopSync(); });

async function main() {
  const started = Date.now();
  platform.prepare();
  await platform.startAll();
  const client = new Client(platform.gateways, { deadlineMs: SHORT_RUN ? 120_000 : 180_000 });
  const model = new Model();
  const admin = { authorization: `Bearer ${platform.adminApiKey}`, 'x-service-id': 'admin' };

  // Two subscribers, real local HTTP servers verifying signatures.
  receivers = [
    Object.assign(new Receiver('A', platform.ports.receivers[0], PLANT === 'drop-webhooks'), { types: ['wallet_update', 'points_update', 'collection_recorded', 'reward_issue', 'reward_used', 'donation_create', 'campaign_completed', 'withdrawal_request', 'withdrawal_update'] }),
    Object.assign(new Receiver('B', platform.ports.receivers[1]), { types: ['wallet_update', 'withdrawal_update', 'donation_create'] }),
  ];
  for (const rcv of receivers) {
    const hookUrl = await rcv.start();
    const ep = await client.call('POST', '/v1/webhooks/endpoints', admin, { url: hookUrl, events: rcv.types, description: `chaos receiver ${rcv.name}` }, { keep: false });
    if (ep.status !== 201) throw new Error(`endpoint: ${ep.status} ${ep.text}`);
    rcv.secret = ep.json.secret;
  }
  const since = Date.now() + 1500;
  await sleep(3000);

  const load = new Load(platform, client, model, {});
  model.tokenOf = (sub) => load.residents.find((r) => r.sub === sub).h.authorization.slice(7);
  const quiet = newStats();
  client.setPhase(quiet);
  for (const rcv of receivers) rcv.onAccept = () => { client.phase.events++; };
  await load.setup(SHORT_RUN ? 16 : 30);
  log(`setup done: ${load.residents.length} residents, ${load.rewards.length} rewards, ${load.campaigns.length} campaigns; load starts`);
  load.start(SHORT_RUN ? 3 : 4);

  const rows = [];
  const ctx = { platform, client, load, receivers, admin, short: SHORT_RUN, log, replays: opt('--replays') ? Number(opt('--replays')) : undefined };
  const warm = SHORT_RUN ? 10_000 : 20_000;
  await sleep(warm);
  if (PLANT === 'retry-without-key') {
    // Planted fault: a client that retries WITHOUT its key (a new key each time) while the model counts one effect.
    for (const r of load.residents.slice(0, 3)) {
      await client.call('POST', `/v1/users/${r.sub}/points/earn`, admin, { points: 7, amount: 700, reason: 'planted' }, { keep: false });
      await client.call('POST', `/v1/users/${r.sub}/points/earn`, admin, { points: 7, amount: 700, reason: 'planted' }, { keep: false });
      model.apply(r.sub, 700, 7);
    }
    log('planted: 3 earns sent twice under two keys, modelled once');
  }
  rows.push({ fault: 'none (steady load)', at_s: 0, ...quiet, lost: 0, paid_twice: 0, money_lost: 0, served_again_s: 0 });
  for (const name of faultNames) {
    const stats = newStats();
    client.setPhase(stats);
    const at = Date.now();
    log(`fault ${name}: start`);
    let served;
    let error = null;
    try { served = await FAULTS[name](ctx); } catch (err) { error = err.message; log(`fault ${name} failed: ${err.stack}`); }
    // The load keeps running between faults: the next one starts once this one's effects are served again.
    await sleep(SHORT_RUN ? 2000 : 8000);
    rows.push({ fault: name, at_s: Math.round((at - started) / 1000), ...stats, lost: 0, paid_twice: 0, money_lost: 0, served_again_s: served == null ? null : Math.round(served / 100) / 10, window: [at, Date.now()], ...(error ? { error } : {}) });
    log(`fault ${name}: done (${stats.requests} requests, served again after ${served == null ? '?' : (served / 1000).toFixed(1)} s)`);
  }
  const tail = newStats();
  client.setPhase(tail);
  await sleep(SHORT_RUN ? 5000 : 15_000);
  await load.stop();
  log(`load stopped after ${load.ops} operations; waiting for quiescence`);

  // Quiescence: every open outcome final, every event delivered, the metrics caught up.
  const settled = await load.settle(SHORT_RUN ? 90_000 : 180_000);
  const results = [];
  if (settled.left.length) results.push({ name: 'every outcome final (quiescence)', ok: false, detail: `${settled.left.length} still open: ${settled.left.slice(0, 5).join('; ')}` });
  else results.push({ name: 'every outcome final (quiescence)', ok: true, detail: `${model.pending.length} deferred outcomes and ${model.withdrawals.length} withdrawals final (${JSON.stringify(settled.statuses)})` });
  const wh = await checks.webhooks(platform, receivers, since, SHORT_RUN ? 90_000 : 180_000);
  results.push(...wh.results);
  if (ctx.raced) {
    const outcome = {};
    for (const w of ctx.raced) outcome[w.status] = (outcome[w.status] || 0) + 1;
    results.push({ name: 'approve-vs-cancel races end in one outcome', ok: ctx.raced.every((w) => ['completed', 'cancelled'].includes(w.status)), detail: `${ctx.raced.length} raced: ${JSON.stringify(outcome)}` });
  }
  const returned = await load.recheckReturns();
  if (returned) log(`${returned} completed payouts were returned by the provider since`);
  results.push(await checks.ledger(platform));
  results.push(...(await checks.balances(client, model)));
  const pay = await checks.payouts(platform, model);
  results.push(...pay);
  results.push(await checks.reconciliation(client, admin, SHORT_RUN ? 60_000 : 120_000, platform));
  results.push(await checks.deadLetters(platform));
  const bad = (ctx.hostile5xx || []);
  results.push({ name: 'no 5xx for bad input', ok: bad.length === 0, detail: `${ctx.hostileSent || 0} hostile requests, ${bad.length} answered 5xx${bad.length ? `: ${bad.slice(0, 3).join('; ')}` : ''}` });
  if (ctx.replayMismatches !== undefined) results.push({ name: 'replays answer the original', ok: ctx.replayMismatches.length === 0, detail: `${ctx.replayed} replayed, ${ctx.replayMismatches.length} differ${ctx.replayMismatches.length ? `: ${ctx.replayMismatches.slice(0, 3).join('; ')}` : ''}` });
  const failedFaults = rows.filter((r) => r.error);
  results.push({ name: 'every fault ran', ok: failedFaults.length === 0, detail: failedFaults.length ? failedFaults.map((r) => `${r.fault}: ${r.error}`).join('; ') : `${rows.length - 1} faults` });
  if (load.errors.length) results.push({ name: 'load ran without harness errors', ok: false, detail: load.errors.slice(0, 3).join('; ') });

  // Attribute lost events, payouts paid twice and money lost to the fault whose window they fall in
  // (the steady-load row takes what falls in no fault's window: before the first, after the last).
  const allLost = wh.results.flatMap((r) => r.lost);
  const inWindow = (row, at) => at >= row.window[0] && at < row.window[1];
  const attribute = (field, items, at) => {
    for (const row of rows) if (row.window) row[field] = items.filter((x) => inWindow(row, at(x))).length;
    rows[0][field] = items.length - rows.slice(1).reduce((sum, r) => sum + (r[field] || 0), 0);
  };
  attribute('lost', allLost, ([, e]) => e.at);
  attribute('paid_twice', pay[0].paidTwice, (p) => p.at);
  attribute('money_lost', pay[0].moneyLost, (p) => p.at);
  for (const row of rows) delete row.window;

  const ok = results.every((r) => r.ok);
  const report = { ok, short: SHORT_RUN, plant: PLANT || null, started_at: new Date(started).toISOString(), duration_s: Math.round((Date.now() - started) / 1000), operations: load.ops, total: client.total, faults: rows, checks: results.map(({ lost: _l, paidTwice: _p, moneyLost: _m, ...r }) => r) };
  fs.mkdirSync(path.dirname(REPORT), { recursive: true });
  fs.writeFileSync(REPORT, `${JSON.stringify(report, null, 2)}\n`);
  printTable(rows);
  for (const r of results) console.log(`${r.ok ? '✓' : '✗'} ${r.name} — ${r.detail}${r.warning ? `\n  ⚠ ${r.warning}` : ''}`);
  console.log(`[chaos] ${ok ? 'PASSED' : 'FAILED'} in ${report.duration_s} s; report: ${path.relative(ROOT, REPORT)}`);
  return ok;
}

function printTable(rows) {
  const cols = [['fault', 'fault'], ['when (s)', 'at_s'], ['requests', 'requests'], ['accepted', 'accepted'], ['dup. suppressed', 'replayed'], ['events delivered', 'events'], ['events lost', 'lost'], ['paid twice', 'paid_twice'], ['money lost', 'money_lost'], ['served again (s)', 'served_again_s']];
  const cells = rows.map((r) => cols.map(([, k]) => String(r[k] ?? '-')));
  const widths = cols.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (vals) => `| ${vals.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(cols.map(([h]) => h)));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) console.log(line(c));
}

main()
  .then(async (ok) => { await platform.stopAll(); for (const r of receivers) await r.stop(); process.exit(ok ? 0 : 1); })
  .catch(async (err) => { console.error('[chaos] harness failed:', err.stack || err.message); await platform.stopAll(); for (const r of receivers) await r.stop(); process.exit(1); });
void randomUUID;
