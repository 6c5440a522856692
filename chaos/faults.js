// The faults, one at a time. Each returns the milliseconds from its start until the platform served
// the affected route again (a probe through the gateway), or null when not measured.
'use strict';
const { randomUUID } = require('node:crypto');
const { Client: PgClient } = require('pg');
const { sleep, rand } = require('./load');

/** Polls `ok()` until true; returns ms since `t0`. */
async function until(t0, ok, what, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try { if (await ok()) return Date.now() - t0; } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(`${what} not served again within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/** A read through a given gateway that the service behind it must answer. */
function probe(ctx, name) {
  const r = ctx.load.residents[0];
  const gw = ctx.platform.gateways[0];
  const get = async (p, h) => (await ctx.client.once(gw, 'GET', p, { ...h, 'cache-control': 'no-cache' }, undefined, 3000)).status === 200;
  switch (name) {
    case 'wallet': return () => get(`/v1/wallets/${r.sub}`, r.h);
    case 'rewards': return () => get('/v1/rewards', r.h);
    case 'donations': return () => get('/v1/donations/campaigns', r.h);
    case 'withdrawals': return () => get(`/v1/users/${r.sub}/withdrawals`, r.h);
    case 'metrics': return () => get('/v1/metrics/impact', r.h);
    case 'dispatcher': return () => get('/v1/webhooks/event-types', ctx.admin);
    default: return () => get(`/v1/wallets/${r.sub}`, r.h);
  }
}

/** Events flow end to end again: a receiver accepts a delivery it had not before. */
function eventsFlow(ctx) {
  const before = ctx.receivers[0].accepted.size;
  return () => ctx.receivers[0].accepted.size > before;
}

/**
 * SIGKILL an instance, then start it again. `otherServes`: a second instance of the service stands
 * behind the gateways, so the route must be served again while this one is still down (measured
 * before the restart, within 15 s).
 */
function kill(instance, probeName, { otherServes = false } = {}) {
  return async (ctx) => {
    const t0 = Date.now();
    await ctx.platform.kill(instance, 'SIGKILL');
    if (otherServes) {
      ctx.log(`  SIGKILL ${instance}; the other instance must serve while it is down`);
      const served = await until(t0, probe(ctx, probeName), `${probeName} by the other instance`, 15_000);
      await sleep(ctx.short ? 1500 : 3000);
      await ctx.platform.startInstance(instance);
      return served;
    }
    ctx.log(`  SIGKILL ${instance}; restarting`);
    await sleep(ctx.short ? 1500 : 3000);
    await ctx.platform.startInstance(instance);
    if (instance === 'dispatcher') { const flow = eventsFlow(ctx); return until(t0, flow, 'webhook deliveries'); }
    return until(t0, probe(ctx, probeName), instance);
  };
}

async function kafkaOutage(ctx) {
  const t0 = Date.now();
  ctx.platform.infra('kafka-down');
  ctx.log(`  broker stopped; ${ctx.short ? 15 : 30} s without Kafka`);
  await sleep(ctx.short ? 15_000 : 30_000);
  ctx.platform.infra('kafka-up');
  const flow = eventsFlow(ctx);
  return until(t0, flow, 'events after the broker came back', 240_000);
}

/** Terminates every connection of one service's database, three times over a few seconds. */
function terminateDb(service, database, probeName) {
  return async (ctx) => {
    const t0 = Date.now();
    const c = new PgClient({ connectionString: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres' });
    await c.connect();
    let killed = 0;
    try {
      for (let i = 0; i < 3; i++) {
        const res = await c.query('select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [`${ctx.platform.dbPrefix}_${database}`]);
        killed += res.rowCount;
        await sleep(2000);
      }
    } finally { await c.end(); }
    ctx.log(`  terminated ${killed} connections of ${ctx.platform.dbPrefix}_${database}`);
    void service;
    return until(t0, probe(ctx, probeName), service);
  };
}

/**
 * Kafka delivers again what a consumer already handled (an offset reset, a commit lost in a crash):
 * the metrics-service stopped, its group rewound by 30 s (60 s in the full run), started again. Its
 * inbox must make every redelivered event a no-op (the reconciliation check sees a double count).
 */
async function redeliverMetrics(ctx) {
  const t0 = Date.now();
  const back = ctx.short ? 30_000 : 60_000;
  await ctx.platform.kill('metrics', 'SIGTERM');
  const stopped = Date.now();
  const topics = ['wozamali.wallet.events', 'wozamali.rewards.events', 'wozamali.donations.events', 'wozamali.withdrawals.events'];
  const n = await ctx.platform.rewindGroup(`${ctx.platform.dbPrefix}.metrics-service`, topics, t0 - back);
  ctx.log(`  metrics-service stopped (${((stopped - t0) / 1000).toFixed(1)} s), its group rewound ${back / 1000} s (${((Date.now() - stopped) / 1000).toFixed(1)} s): ${n} events to be delivered again`);
  await ctx.platform.startInstance('metrics');
  return until(t0, probe(ctx, 'metrics'), 'metrics');
}

/**
 * PostgreSQL crashes (an `immediate` stop: every connection cut, no checkpoint) and comes back 5 s
 * later. Only the chaos run's private cluster (never the machine's): every service must reconnect,
 * answer the requests meanwhile with a 5xx (retried with their keys) and lose nothing.
 */
async function restartPostgres(ctx) {
  if (!ctx.platform.pg) throw new Error('restart postgresql needs the private cluster (Platform({ privatePostgres: true }))');
  const t0 = Date.now();
  ctx.platform.pg.stop('immediate');
  ctx.log(`  private PostgreSQL crashed; ${ctx.short ? 3 : 5} s down`);
  await sleep(ctx.short ? 3000 : 5000);
  ctx.platform.pg.start();
  const wallet = probe(ctx, 'wallet');
  const withdrawals = probe(ctx, 'withdrawals');
  return until(t0, async () => (await wallet()) && (await withdrawals()), 'wallet and withdrawals after PostgreSQL came back');
}

function receiversMisbehave(mode) {
  return async (ctx) => {
    const t0 = Date.now();
    for (const r of ctx.receivers) r.setMode(mode);
    await sleep(ctx.short ? 6000 : 20_000);
    const flow = eventsFlow(ctx);
    for (const r of ctx.receivers) r.setMode('ok');
    return until(t0, flow, 'deliveries after the receivers recovered', 240_000);
  };
}

/** Payout provider faults: commit then time out, 5xx after commit, duplicate and out-of-order callbacks, a late return. */
async function payoutFaults(ctx) {
  const t0 = Date.now();
  const sandbox = ctx.platform.sandboxUrl;
  const rule = (body) => fetch(`${sandbox}/v1/sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => { if (r.status !== 201) throw new Error(`sandbox rule ${r.status}`); });
  await rule({ respond: 'timeout', times: 2 });
  await rule({ respond: 'error', error_status: 503, times: 2 });
  await rule({ duplicate_callbacks: 'same_id', times: 4 });
  await rule({ duplicate_callbacks: 'new_id', times: 2 });
  await rule({ out_of_order_callbacks: true, times: 3 });
  if (!ctx.short) await rule({ return_after_ms: 3000, return_reason_code: 'account_closed', times: 1 });
  // Withdrawals of their own so the rules meet payouts now, beside the load's.
  const residents = [...ctx.load.residents].sort(() => Math.random() - 0.5).slice(0, ctx.short ? 6 : 10);
  const before = ctx.load.m.withdrawals.length;
  await Promise.all(residents.map((r) => ctx.load.withdraw(r)));
  const mine = ctx.load.m.withdrawals.slice(before);
  await sleep(ctx.short ? 8000 : 15_000);
  await fetch(`${sandbox}/v1/sandbox/faults`, { method: 'DELETE' });
  ctx.payoutFaultWithdrawals = mine.length;
  const r = ctx.load.residents[0];
  return until(t0, async () => (await ctx.client.once(ctx.platform.gateways[0], 'GET', `/v1/users/${r.sub}/withdrawals`, r.h, undefined, 3000)).status === 200, 'withdrawals');
}

/**
 * The payout provider crashes (SIGKILL) with payouts in flight and comes back 6 s later (20 s in the
 * full run) with its records (its journal): payouts asked or sent meanwhile stay in doubt, the holds
 * kept, and are finished once it answers again, each paid once (the payout checks).
 */
async function killSandbox(ctx) {
  const t0 = Date.now();
  const residents = [...ctx.load.residents].sort(() => Math.random() - 0.5).slice(0, ctx.short ? 4 : 8);
  const before = ctx.load.m.withdrawals.length;
  const asked = Promise.all(residents.map((r) => ctx.load.withdraw(r)));
  await sleep(1500); // some approved and sent, some not yet
  await ctx.platform.kill('payout-sandbox', 'SIGKILL');
  ctx.log(`  SIGKILL payout-sandbox with payouts in flight; ${ctx.short ? 6 : 20} s without the provider`);
  await sleep(ctx.short ? 6000 : 20_000);
  await ctx.platform.startInstance('payout-sandbox');
  await asked;
  const mine = ctx.load.m.withdrawals.slice(before);
  // Served again: the withdrawals asked around the crash are final (completed or returned by the provider).
  return until(t0, async () => {
    for (const w of mine) {
      const res = await ctx.client.once(ctx.platform.gateways[0], 'GET', `/v1/users/${w.sub}/withdrawals/${w.id}`, w.h, undefined, 3000);
      if (!['completed', 'failed', 'returned', 'cancelled', 'rejected', 'expired'].includes(res.json?.status)) return false;
    }
    return true;
  }, 'payouts after the provider came back', 240_000);
}

/** Sends already answered requests again with their keys: each must answer the original, nothing done twice. */
async function replay(ctx) {
  const t0 = Date.now();
  const n = ctx.replays || (ctx.short ? 300 : 10_000);
  const pool = ctx.client.answered.filter((a) => a.json);
  if (!pool.length) return 0;
  ctx.replayed = 0; ctx.replayMismatches = ctx.replayMismatches || [];
  let i = 0;
  const worker = async () => {
    while (i < n) {
      const a = pool[i++ % pool.length];
      let res;
      for (let attempt = 0; attempt < 20; attempt++) {
        ctx.client.count('requests');
        try { res = await ctx.client.once(ctx.platform.gateways[i % 2], a.method, a.path, a.headers, a.body); } catch { res = { status: 0 }; }
        if (res.status && res.status < 500 && res.status !== 429) break;
        await sleep(500);
      }
      ctx.replayed++;
      if (res.replayed) { ctx.client.count('replayed'); ctx.client.count('accepted'); }
      // A redemption's replay reads its current state (documented): the same redemption, maybe used or issued since.
      const same = a.path.endsWith('/rewards') && a.json?.redemption_id ? res.json?.redemption_id === a.json.redemption_id : JSON.stringify(res.json) === JSON.stringify(a.json);
      if (!res.replayed || res.status !== 200 || !same) ctx.replayMismatches.push(`${a.method} ${a.path} key ${a.headers['idempotency-key']}: ${res.status} replayed=${res.replayed} ${JSON.stringify(res.json).slice(0, 160)}`);
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return null;
}

/** Hostile input: every answer must be a 4xx, never a 5xx and never an acceptance. */
async function hostile(ctx) {
  const r = ctx.load.residents[1];
  const adm = ctx.admin;
  const reward = ctx.load.rewards[0].id;
  const campaign = ctx.load.campaigns[1].id;
  const deep = (n) => { let v = 1; for (let i = 0; i < n; i++) v = { a: v }; return v; };
  const deepArr = '['.repeat(20_000) + ']'.repeat(20_000);
  const huge = 'x'.repeat(2_000_000);
  const bads = [
    { points: '10', reason: 'x' }, { points: -5, reason: 'x' }, { points: 1.5, reason: 'x' }, { points: 1e308, reason: 'x' }, { points: 123456789012345678901234567890, reason: 'x' },
    { points: 5, reason: 'nul\u0000here' }, { points: 5, reason: 'lone \ud800 surrogate' }, { points: 5, reason: '\udfff' }, { points: { $gt: 0 }, reason: 'x' },
    { points: [5], reason: 'x' }, { points: null, reason: 'x' }, { points: true, reason: 'x' }, { points: 5, reason: "'; drop table postings; --" , reference: 'x'.repeat(100_000) },
    { points: 5, reason: deep(2000) }, { points: 5 }, {}, [], 'null', 42,
  ];
  const requests = [];
  for (const b of bads) requests.push(['POST', `/v1/users/${r.sub}/points/spend`, r.h, b]);
  for (const b of bads) requests.push(['POST', `/v1/users/${r.sub}/points/earn`, adm, { ...((typeof b === 'object' && !Array.isArray(b)) ? b : {}), amount: 'NaN' }]);
  for (const b of [{ campaign_id: campaign, amount: -1 }, { campaign_id: campaign, amount: 1e300 }, { campaign_id: 'not-a-uuid', amount: 1 }, { campaign_id: campaign, amount: '1' }, { campaign_id: `${campaign}\u0000`, amount: 1 }, { campaign_id: campaign, amount: 0, points: 0 }]) requests.push(['POST', `/v1/users/${r.sub}/donations`, r.h, b]);
  for (const b of [{ reward_id: 'nope' }, { reward_id: `${reward}\ud800` }, { reward_id: [reward] }, { reward_id: null }]) requests.push(['POST', `/v1/users/${r.sub}/rewards`, r.h, b]);
  for (const b of [{ amount: -100, currency: 'ZAR', method: 'bank_transfer', destination: {} }, { amount: 1e20, currency: 'ZAR', method: 'bank_transfer', destination: { account_number: '\u0000' } }, { amount: 1000, currency: 'USD', method: 'bank_transfer', destination: { bank_name: 'x' } }, { amount: 1000, currency: 'ZAR', method: 'crypto_magic', destination: 'x' }]) requests.push(['POST', `/v1/users/${r.sub}/withdrawals`, r.h, b]);
  for (const b of [{ user_id: r.sub, materials: [{ material: 'HDPE', kg: '-1' }] }, { user_id: r.sub, materials: [{ material: 'HDPE', kg: '1e9999' }] }, { user_id: r.sub, materials: [{ material: 'UNOBTAINIUM', kg: '1' }] }, { user_id: r.sub, materials: [] }, { user_id: `${r.sub}\ud800`, materials: [{ material: 'HDPE', kg: '1' }] }]) requests.push(['POST', '/v1/collections', ctx.load.collectorH, b]);
  requests.push(['POST', `/v1/users/${r.sub}/points/spend`, r.h, deepArr]);
  requests.push(['POST', `/v1/users/${r.sub}/points/spend`, r.h, JSON.stringify({ points: 5, reason: huge })]);
  requests.push(['POST', `/v1/users/${r.sub}/points/spend`, r.h, '{"points": 5, "reason": "broken"']);
  requests.push(['GET', `/v1/wallets/${r.sub}%00`, r.h, undefined]);
  requests.push(['GET', `/v1/wallets/${r.sub}?limit=%00`, r.h, undefined]);
  requests.push(['GET', `/v1/users/${r.sub}/rewards?limit=99999999999999999999`, r.h, undefined]);
  // Random reward codes at the partner's validate route (rate limited after 10 failures a minute: 429 is fine).
  const codes = ctx.short ? 100 : 1000;
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  for (let i = 0; i < codes; i++) {
    const code = Array.from({ length: 12 }, () => alphabet[rand(0, 31)]).join('').replace(/(.{4})(.{4})(.{4})/, '$1-$2-$3');
    requests.push(['POST', '/v1/reward-codes/validate', ctx.load.partner, { code }]);
  }
  ctx.hostile5xx = ctx.hostile5xx || []; ctx.hostileSent = ctx.hostileSent || 0;
  let i = 0;
  const worker = async () => {
    while (i < requests.length) {
      const [method, p, h, body] = requests[i++];
      const gw = ctx.platform.gateways[i % 2];
      let res;
      ctx.client.count('requests');
      try { res = await ctx.client.once(gw, method, p, { ...h, ...(method === 'POST' ? { 'idempotency-key': randomUUID() } : {}) }, body, 15_000); } catch (err) { res = { status: 0, text: err.message }; }
      ctx.hostileSent++;
      const harmlessGet = method === 'GET' && res.status === 200 && p.includes('limit=') === false;
      if (res.status >= 500 || res.status === 0 || (res.status < 300 && !harmlessGet)) ctx.hostile5xx.push(`${method} ${p.slice(0, 60)} ${JSON.stringify(body)?.slice(0, 80)} → ${res.status} ${String(res.text).slice(0, 120)}`);
      else ctx.client.count('refused');
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return null;
}

/** Two admins approve a withdrawal while its resident cancels it: exactly one of the two outcomes, the money held once. */
async function approveVsCancel(ctx) {
  const t0 = Date.now();
  // Fresh residents (no open withdrawal of their own), each asking for an amount that needs two approvals.
  const residents = await Promise.all(Array.from({ length: ctx.short ? 4 : 8 }, () => ctx.load.newResident(10, 10_000)));
  const before = ctx.load.m.withdrawals.length;
  await Promise.all(residents.map((r) => ctx.load.withdraw(r, { raceCancel: true })));
  ctx.raced = ctx.load.m.withdrawals.slice(before);
  void t0;
  return null;
}

const FAULTS = {
  'kill wallet': kill('wallet', 'wallet'),
  'kill rewards': kill('rewards', 'rewards', { otherServes: true }),
  'kill donations': kill('donations', 'donations'),
  'kill withdrawals': kill('withdrawals', 'withdrawals'),
  'kill metrics': kill('metrics', 'metrics'),
  'kill dispatcher': kill('dispatcher', 'dispatcher'),
  'kill gateway': kill('gateway', 'wallet'),
  'kafka down 30 s': kafkaOutage,
  'redeliver metrics events': redeliverMetrics,
  'restart postgresql': restartPostgres,
  'terminate wallet db connections': terminateDb('wallet', 'wallet', 'wallet'),
  'terminate withdrawals db connections': terminateDb('withdrawals', 'withdrawals', 'withdrawals'),
  'receivers answer 500': receiversMisbehave('500'),
  'receivers hang': receiversMisbehave('hang'),
  'payout provider faults': payoutFaults,
  'kill payout sandbox': killSandbox,
  'replay answered requests': replay,
  'hostile input flood': hostile,
  'two admins approve while resident cancels': approveVsCancel,
};
// Not in the short run (time): 'redeliver metrics events' (the group is rewound only once its stopped
// member's session expires, about 45 s) and 'restart postgresql'; each runs alone with `--faults`.
const SHORT = ['kill wallet', 'kill gateway', 'terminate wallet db connections', 'receivers answer 500', 'payout provider faults', 'kill payout sandbox', 'replay answered requests', 'hostile input flood', 'two admins approve while resident cancels'];

module.exports = { FAULTS, SHORT };
