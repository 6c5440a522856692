// The careful integrator: a client that sends every POST with an Idempotency-Key and retries
// failures (network errors, 5xx, 429) with the same key across both gateways; a model of what the
// platform accepted; signed-webhook receivers; the steady mixed load.
'use strict';
const { createServer } = require('node:http');
const { randomUUID } = require('node:crypto');
const path = require('node:path');
const { Webhook } = require('standardwebhooks');
const { ROOT } = require('./platform');
// Required when first used: the libs are built by Platform.prepare (a fresh checkout has no dist yet).
const mintUserToken = (...a) => require(path.join(ROOT, 'libs/auth/dist')).mintUserToken(...a);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rand = (a, b) => a + Math.floor(Math.random() * (b - a + 1));

/** Counters of one phase (a fault's window, or the quiet load). */
function newStats() { return { requests: 0, accepted: 0, refused: 0, unknown: 0, replayed: 0, http5xx: 0, retried: 0, events: 0 }; }

class Client {
  constructor(gateways, opts = {}) {
    this.gateways = gateways;
    this.next = 0;
    this.deadlineMs = opts.deadlineMs || 180_000;
    this.phase = newStats();
    this.total = newStats();
    this.answered = []; // replayable: { method, path, headers, body, status, json }
  }

  setPhase(stats) { this.phase = stats; }
  count(field, n = 1) { this.phase[field] += n; this.total[field] += n; }

  /** One attempt through one gateway. */
  async once(gateway, method, p, headers, body, timeoutMs = 15_000) {
    const res = await fetch(`${gateway}${p}`, {
      method, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)), signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json, text, replayed: res.headers.get('idempotent-replayed') === 'true' };
  }

  /** Sends until a final answer (2xx or a 4xx other than 408/429) or the deadline; same key every time. */
  async call(method, p, headers, body, { key, keep = true, deadlineMs } = {}) {
    const h = { ...headers };
    if (method === 'POST') h['idempotency-key'] = key || randomUUID();
    const deadline = Date.now() + (deadlineMs || this.deadlineMs);
    let wait = 200;
    for (let attempt = 0; ; attempt++) {
      const gw = this.gateways[this.next++ % this.gateways.length];
      this.count('requests');
      if (attempt > 0) this.count('retried');
      let res;
      try { res = await this.once(gw, method, p, h, body); } catch (err) { res = { status: 0, error: err.message }; }
      if (res.status >= 500) this.count('http5xx');
      if (res.replayed) this.count('replayed');
      const final = res.status >= 200 && res.status < 500 && res.status !== 408 && res.status !== 429;
      if (final) {
        this.count(res.status < 300 ? 'accepted' : 'refused');
        if (keep && method === 'POST' && res.status < 300 && this.answered.length < 50_000) this.answered.push({ method, path: p, headers: h, body, status: res.status, json: res.json });
        return { ...res, attempts: attempt + 1 };
      }
      if (Date.now() > deadline) { this.count('unknown'); return { ...res, status: res.status || 0, unknown: true, attempts: attempt + 1 }; }
      await sleep(wait);
      wait = Math.min(wait * 2, 3000);
    }
  }
}

/** A subscriber's receiver: verifies each delivery with standardwebhooks, records webhook-ids; can answer 500 or hang. */
class Receiver {
  constructor(name, port, plantDrop = false) {
    this.name = name; this.port = port; this.mode = 'ok'; this.secret = '';
    this.accepted = new Map(); // webhook-id -> { type, count, first }
    this.bad = 0; this.answered500 = 0; this.hung = 0; this.plantDrop = plantDrop; this.dropped = 0;
    this.hanging = new Set();
    this.onAccept = () => {};
  }

  async start() {
    this.server = createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body;
        try { body = new Webhook(this.secret).verify(raw, req.headers); } catch { this.bad++; res.writeHead(401).end('bad signature'); return; }
        if (this.mode === '500') { this.answered500++; res.writeHead(500).end('down'); return; }
        if (this.mode === 'hang') { this.hung++; this.hanging.add(res); res.on('close', () => this.hanging.delete(res)); return; }
        const id = req.headers['webhook-id'];
        // Planted fault: answer 2xx but record nothing for one delivery in twenty (a receiver that loses events).
        if (this.plantDrop && !this.accepted.has(id) && parseInt(String(id).replace(/-/g, '').slice(-6), 16) % 20 === 0) { this.dropped++; res.writeHead(204).end(); return; }
        const seen = this.accepted.get(id);
        if (seen) seen.count++; else { this.accepted.set(id, { type: body.type, count: 1, first: Date.now() }); this.onAccept(); }
        res.writeHead(204).end();
      });
    });
    this.server.keepAliveTimeout = 1000;
    await new Promise((r) => this.server.listen(this.port, '127.0.0.1', r));
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  setMode(mode) {
    this.mode = mode;
    if (mode !== 'hang') for (const res of this.hanging) res.destroy();
  }

  async stop() {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections?.();
    await new Promise((r) => (this.server ? this.server.close(r) : r()));
  }
}

/** Residents and what the model says each holds: money (cents) and points, from accepted answers only. */
class Model {
  constructor() { this.users = new Map(); this.pending = []; this.withdrawals = []; this.redemptions = []; }
  add(sub) { this.users.set(sub, { money: 0, points: 0, uncertain: [] }); }
  apply(sub, money, points) { const u = this.users.get(sub); u.money += money; u.points += points; }
  doubt(sub, what) { this.users.get(sub).uncertain.push(what); }
}

const WITHDRAWAL_FINAL = new Set(['completed', 'failed', 'rejected', 'cancelled', 'expired', 'returned']);

/** The steady mixed load: collections, earns, spends, redemptions, donations, withdrawals with approvals, code checks. */
class Load {
  constructor(platform, client, model, opts) {
    this.p = platform; this.c = client; this.m = model; this.opts = opts;
    this.admin = { authorization: `Bearer ${platform.adminApiKey}`, 'x-service-id': 'admin' };
    this.residents = [];
    this.running = false;
    this.ops = 0;
    this.codes = [];
  }

  token(sub, role) { return { authorization: `Bearer ${mintUserToken(this.p.jwtSecret, { sub, role, expiresInSeconds: 7200 })}` }; }

  async must(method, p, headers, body, what) {
    const res = await this.c.call(method, p, headers, body, { keep: false });
    if (res.status < 200 || res.status >= 300) throw new Error(`${what}: ${res.status} ${res.text || res.error}`);
    return res.json;
  }

  /** Catalogue, campaigns, limits, partner key, residents, collector, two admins. */
  /** A new resident with a float, in the model. */
  async newResident(points, amount) {
    const sub = randomUUID();
    this.m.add(sub);
    const r = { sub, h: this.token(sub, 'resident') };
    this.residents.push(r);
    await this.earn(r, points, amount);
    return r;
  }

  async setup(nResidents) {
    this.collector = randomUUID(); this.collectorH = this.token(this.collector, 'collector');
    this.admin1 = this.token(randomUUID(), 'admin'); this.admin2 = this.token(randomUUID(), 'admin');
    const limits = await this.must('GET', '/v1/withdrawals/limits', this.admin1, undefined, 'read limits');
    await this.must('PUT', '/v1/withdrawals/limits', this.admin1, { ...limits, min_amount: 1000, max_amount: 50_000, daily_amount: 100_000_000, daily_count: 1000, max_open: 1, cooling_off_hours: 0, two_approvals_from: 5000 }, 'set limits');
    const tag = Date.now().toString(36).toUpperCase();
    const partner = await this.must('POST', '/v1/api-keys', this.admin, { name: 'chaos partner', service_id: 'chaos-partner', permissions: { rewards: ['use_codes'] } }, 'partner key');
    this.partner = { authorization: `Bearer ${partner.key}`, 'x-service-id': 'chaos-partner' };
    this.rewards = [];
    // A cashback (points -> money), a scarce product (the last unit is raced for), a partner voucher.
    this.rewards.push({ ...(await this.must('POST', '/v1/rewards', this.admin, { code: `CHAOS_CASH_${tag}`, name: 'Chaos cashback', type: 'cashback', points_cost: 50, value: 500, valid_days: 30 }, 'cashback reward')), money: 500 });
    this.rewards.push({ ...(await this.must('POST', '/v1/rewards', this.admin, { code: `CHAOS_SCARCE_${tag}`, name: 'Chaos scarce', type: 'product', points_cost: 20, stock: 7, stock_reason: 'chaos', valid_days: 30 }, 'scarce reward')), money: 0 });
    this.rewards.push({ ...(await this.must('POST', '/v1/rewards', this.admin, { code: `CHAOS_VOUCH_${tag}`, name: 'Chaos voucher', type: 'discount', points_cost: 10, value: 1000, partner_service_id: 'chaos-partner', valid_days: 30 }, 'partner reward')), money: 0 });
    this.campaigns = [];
    this.campaigns.push(await this.must('POST', '/v1/donations/campaigns', this.admin, { name: `Chaos target ${tag}`, beneficiary: 'Chaos Trust', target_amount: 20_000, status: 'active' }, 'target campaign'));
    this.campaigns.push(await this.must('POST', '/v1/donations/campaigns', this.admin, { name: `Chaos open ${tag}`, beneficiary: 'Chaos Trust', status: 'active' }, 'open campaign'));
    for (let i = 0; i < nResidents; i++) {
      const sub = randomUUID();
      this.m.add(sub);
      this.residents.push({ sub, h: this.token(sub, 'resident') });
    }
    // A float for every resident.
    await Promise.all(this.residents.map((r) => this.earn(r, 200, 20_000)));
  }

  async earn(r, points, amount) {
    const res = await this.c.call('POST', `/v1/users/${r.sub}/points/earn`, this.admin, { points, amount, reason: 'chaos earn' });
    if (res.status === 201 || res.status === 200) this.m.apply(r.sub, amount, points);
    else if (res.unknown) this.m.doubt(r.sub, 'earn unknown');
    return res;
  }

  async collection(r) {
    const res = await this.c.call('POST', '/v1/collections', this.collectorH, { user_id: r.sub, materials: [{ material: 'HDPE', kg: `${rand(1, 5)}.${rand(0, 999)}` }] });
    if (res.status === 201 || res.status === 200) this.m.apply(r.sub, res.json.amount, res.json.points);
    else if (res.unknown) this.m.doubt(r.sub, 'collection unknown');
    return res;
  }

  async spend(r) {
    const points = rand(1, 30);
    const res = await this.c.call('POST', `/v1/users/${r.sub}/points/spend`, r.h, { points, reason: 'chaos spend' });
    if (res.status === 201 || res.status === 200) this.m.apply(r.sub, 0, -points);
    else if (res.unknown) this.m.doubt(r.sub, 'spend unknown');
    return res;
  }

  async redeem(r, reward) {
    reward = reward || this.rewards[rand(0, this.rewards.length - 1)];
    const key = randomUUID();
    const p = `/v1/users/${r.sub}/rewards`;
    const res = await this.c.call('POST', p, r.h, { reward_id: reward.id }, { key });
    const issued = (j) => { this.m.apply(r.sub, reward.money, -reward.points_cost); if (reward.partner_service_id && j.user_reward?.code) this.codes.push(j.user_reward.code); };
    if ((res.status === 201 || res.status === 200) && res.json?.status === 'issued') issued(res.json);
    // Pending (the wallet was not reached): the careful integrator asks again with the same key until it is decided.
    else if (res.status === 202) this.m.pending.push({ sub: r.sub, method: 'POST', path: p, h: r.h, body: { reward_id: reward.id }, key, done: (st) => st !== 202, apply: (st, j) => { if (st < 300 && j.status === 'issued') issued(j); } });
    else if (res.unknown) this.m.doubt(r.sub, 'redemption unknown');
    return res;
  }

  async donate(r) {
    const campaign = this.campaigns[rand(0, this.campaigns.length - 1)];
    const amount = rand(100, 3000); const points = rand(0, 10);
    const key = randomUUID();
    const p = `/v1/users/${r.sub}/donations`;
    const body = { campaign_id: campaign.id, amount, points };
    const res = await this.c.call('POST', p, r.h, body, { key });
    const accepted = (j) => this.m.apply(r.sub, -amount, -points + (j.bonus_points || 0));
    if ((res.status === 201 || res.status === 200) && res.json?.status === 'accepted') accepted(res.json);
    // Not decided yet (202): a replay answers the original, so the donation itself is read until decided.
    else if (res.status >= 200 && res.status < 300 && res.json?.id) this.m.pending.push({ sub: r.sub, method: 'GET', path: `${p}/${res.json.id}`, h: r.h, done: (st, j) => st === 200 && j?.status !== 'pending', apply: (st, j) => { if (j.status === 'accepted') accepted(j); } });
    else if (res.status >= 200 && res.status < 300) this.m.doubt(r.sub, `donation answered ${res.status} without an id`);
    else if (res.unknown) this.m.doubt(r.sub, 'donation unknown');
    return res;
  }

  /** A withdrawal, approved by one admin (two from R50), paid through the sandbox; its outcome is read at the end. */
  async withdraw(r, { raceCancel = false } = {}) {
    const amount = raceCancel ? rand(5000, 8000) : rand(1000, 7000);
    const res = await this.c.call('POST', `/v1/users/${r.sub}/withdrawals`, r.h, { amount, currency: 'ZAR', method: 'bank_transfer', destination: { bank_name: 'Capitec', account_holder: 'Chaos Tester', account_number: '1234567890', branch_code: '470010' } });
    if (!(res.status >= 200 && res.status < 300)) { if (res.unknown) this.m.doubt(r.sub, 'withdrawal unknown'); return res; }
    const w = { sub: r.sub, id: res.json.id, amount, h: r.h, at: Date.now() };
    this.m.withdrawals.push(w);
    const approve = (admin) => this.c.call('POST', `/v1/withdrawals/${w.id}/approve`, admin, { note: 'chaos' });
    if (raceCancel) {
      await Promise.all([approve(this.admin1), approve(this.admin2), this.c.call('POST', `/v1/users/${r.sub}/withdrawals/${w.id}/cancel`, r.h, {})]);
    } else {
      await approve(this.admin1);
      if (amount >= 5000) await approve(this.admin2);
    }
    return res;
  }

  async checkCode() {
    if (this.codes.length === 0) return null;
    const code = this.codes.shift();
    const v = await this.c.call('POST', '/v1/reward-codes/validate', this.partner, { code }, { keep: false }); // nothing to replay (documented)
    if (v.status === 200 && Math.random() < 0.5) await this.c.call('POST', '/v1/reward-codes/use', this.partner, { code });
    return v;
  }

  async step() {
    const r = this.residents[rand(0, this.residents.length - 1)];
    const x = Math.random();
    this.ops++;
    if (x < 0.22) return this.collection(r);
    if (x < 0.32) return this.earn(r, rand(1, 50), rand(0, 2000));
    if (x < 0.50) return this.spend(r);
    if (x < 0.64) return this.redeem(r);
    if (x < 0.80) return this.donate(r);
    if (x < 0.90) return this.withdraw(r);
    return this.checkCode();
  }

  /** `workers` loops of steps until stop(); a worker's failure is recorded, never fatal. */
  start(workers) {
    this.running = true;
    this.errors = [];
    this.loops = Array.from({ length: workers }, async () => {
      while (this.running) {
        try { await this.step(); } catch (err) { this.errors.push(err.message); }
      }
    });
  }

  async stop() { this.running = false; await Promise.all(this.loops || []); }

  /** A completed payout the provider returned later: its money came back (read once more at the very end). */
  async recheckReturns() {
    let n = 0;
    for (const w of this.m.withdrawals.filter((x) => x.status === 'completed')) {
      const res = await this.c.call('GET', `/v1/users/${w.sub}/withdrawals/${w.id}`, w.h, undefined, { deadlineMs: 30_000 });
      if (res.status === 200 && res.json.status === 'returned') { w.status = 'returned'; this.m.apply(w.sub, w.amount, 0); n++; }
    }
    return n;
  }

  /** Reads every open outcome (202s, withdrawals) until final and applies it to the model. */
  async settle(deadlineMs) {
    const deadline = Date.now() + deadlineMs;
    const left = [];
    await Promise.all(this.m.pending.map(async (p) => {
      for (;;) {
        const res = await this.c.call(p.method, p.path, p.h, p.body, { key: p.key, keep: false, deadlineMs: 30_000 });
        if (!res.unknown && p.done(res.status, res.json)) { p.apply(res.status, res.json); break; }
        if (Date.now() > deadline) { this.m.doubt(p.sub, `still pending: ${p.path}`); left.push(`${p.path} ${res.status}`); break; }
        await sleep(1000);
      }
    }));
    const statuses = {};
    await Promise.all(this.m.withdrawals.map(async (w) => {
      for (;;) {
        const res = await this.c.call('GET', `/v1/users/${w.sub}/withdrawals/${w.id}`, w.h, undefined, { deadlineMs: 30_000 });
        const status = res.json?.status;
        if (res.status === 200 && WITHDRAWAL_FINAL.has(status)) {
          w.status = status; statuses[status] = (statuses[status] || 0) + 1;
          if (status === 'completed') this.m.apply(w.sub, -w.amount, 0);
          break;
        }
        // The admins' queue: a withdrawal the wallet held late (202, then pending) is approved now.
        if (res.status === 200 && (status === 'pending' || status === 'in_review') && !w.approvedLate) {
          w.approvedLate = true;
          await this.c.call('POST', `/v1/withdrawals/${w.id}/approve`, this.admin1, { note: 'chaos: late approval' });
          if (w.amount >= 5000) await this.c.call('POST', `/v1/withdrawals/${w.id}/approve`, this.admin2, { note: 'chaos: late approval' });
        }
        if (res.status === 200 && status === 'needs_review' && !w.retried) {
          w.retried = true;
          await this.c.call('POST', `/v1/withdrawals/${w.id}/retry-payout`, this.admin1, { note: 'chaos: asked again after doubt' });
        }
        if (Date.now() > deadline) { w.status = status; this.m.doubt(w.sub, `withdrawal ${w.id} still ${status}`); left.push(`withdrawal ${w.id} ${status}`); break; }
        await sleep(1000);
      }
    }));
    return { left, statuses };
  }
}

module.exports = { Client, Receiver, Model, Load, newStats, sleep, rand };
