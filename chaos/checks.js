// The end-of-run checks: each returns { name, ok, detail } and never throws for a violation.
'use strict';
const path = require('node:path');
const { execFile } = require('node:child_process');
const { promisify } = require('node:util');
const { Client: PgClient } = require('pg');
const { ROOT } = require('./platform');
const { sleep } = require('./load');

const exec = promisify(execFile);

async function script(name, env) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [path.join(ROOT, 'scripts', name)], { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 10 << 20 });
    return { ok: true, out: (stdout + stderr).split('\n').filter((l) => l.startsWith('[')).join('\n').trim() };
  } catch (err) {
    return { ok: false, out: `${err.stdout || ''}${err.stderr || ''}`.trim() || err.message };
  }
}

async function ledger(platform) {
  const r = await script('verify-ledger.js', { DB_PREFIX: platform.dbPrefix });
  return { name: 'ledger verifier clean', ok: r.ok, detail: r.out.split('\n').slice(0, 6).join(' | ') };
}

async function deadLetters(platform) {
  const { rmSync } = require('node:fs');
  rmSync(path.join(ROOT, '.run', 'dlq-marks.json'), { force: true }); // a fresh broker: every dead letter is this run's
  const r = await script('check-dead-letters.js', { DB_PREFIX: platform.dbPrefix, KAFKA_BROKERS: `127.0.0.1:${platform.kafkaPort}`, ...platform.kafkaAdmin });
  return { name: 'no dead letters', ok: r.ok, detail: r.out.split('\n').slice(0, 6).join(' | ') };
}

async function pg(platform, service, sql, params = []) {
  const { databaseName, databaseUrl } = require(path.join(ROOT, 'libs/database/dist'));
  const c = new PgClient({ connectionString: databaseUrl(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres', databaseName(platform.dbPrefix, service)) });
  await c.connect();
  try { return (await c.query(sql, params)).rows; } finally { await c.end(); }
}

/** Balances equal the model; none below zero. Users with an unknown outcome are reported, not compared. */
async function balances(client, model) {
  const wrong = []; const negative = []; let compared = 0; let doubtful = 0;
  for (const [sub, u] of model.users) {
    const res = await client.call('GET', `/v1/wallets/${sub}`, { authorization: `Bearer ${model.tokenOf(sub)}`, 'cache-control': 'no-cache' }, undefined, { deadlineMs: 60_000 });
    if (res.status !== 200) { wrong.push(`${sub}: GET ${res.status}`); continue; }
    const { balance, points } = res.json;
    if (balance < 0 || points < 0) negative.push(`${sub}: ${balance}/${points}`);
    if (u.uncertain.length) { doubtful++; continue; }
    compared++;
    if (balance !== u.money || points !== u.points) wrong.push(`${sub}: wallet ${balance} c/${points} pts, model ${u.money} c/${u.points} pts`);
  }
  return [
    { name: 'balances equal the model of accepted requests', ok: wrong.length === 0, detail: `${compared} compared, ${doubtful} with an unknown outcome skipped, ${wrong.length} differ${wrong.length ? `: ${wrong.slice(0, 5).join('; ')}` : ''}` },
    { name: 'no balance below zero', ok: negative.length === 0, detail: negative.length ? negative.slice(0, 5).join('; ') : `${model.users.size} wallets read` },
  ];
}

/** Every event of a subscribed type (from the topics themselves) reached each receiver: at least once, exactly once by webhook-id. */
async function webhooks(platform, receivers, since, timeoutMs) {
  process.env.KAFKA_ADMIN_USERNAME = platform.kafkaAdmin.KAFKA_ADMIN_USERNAME;
  process.env.KAFKA_ADMIN_PASSWORD = platform.kafkaAdmin.KAFKA_ADMIN_PASSWORD;
  process.env.KAFKA_ADMIN_MECHANISM = platform.kafkaAdmin.KAFKA_ADMIN_MECHANISM;
  const { createKafka, readUpToEnd } = require(path.join(ROOT, 'libs/messaging/dist'));
  const kafka = createKafka('wozamali-chaos-check', `127.0.0.1:${platform.kafkaPort}`);
  const events = new Map();
  for (const topic of ['wozamali.wallet.events', 'wozamali.rewards.events', 'wozamali.donations.events', 'wozamali.withdrawals.events']) {
    await readUpToEnd(kafka, topic, {
      groupId: `wozamali.chaos-check.${process.pid}.${Date.now()}`,
      onMessage: async (m) => {
        const e = JSON.parse(String(m.value));
        if (Date.parse(e.occurred_at) >= since) events.set(e.id, { type: e.type, at: Date.parse(e.occurred_at) });
      },
    });
  }
  const deadline = Date.now() + timeoutMs;
  let missing;
  for (;;) {
    missing = receivers.map((rcv) => [...events].filter(([id, e]) => rcv.types.includes(e.type) && !rcv.accepted.has(id)));
    if (missing.every((m) => m.length === 0) || Date.now() > deadline) break;
    await sleep(2000);
  }
  const out = [];
  for (const [i, rcv] of receivers.entries()) {
    const expected = [...events].filter(([, e]) => rcv.types.includes(e.type)).length;
    const twice = [...rcv.accepted.values()].filter((a) => a.count > 1).length;
    out.push({
      name: `receiver ${rcv.name}: every event at least once, once by webhook-id`, ok: missing[i].length === 0,
      detail: `${expected} events expected, ${rcv.accepted.size} distinct webhook-ids received, ${missing[i].length} lost, ${twice} redelivered (deduped)${missing[i].length ? `; lost e.g. ${missing[i].slice(0, 3).map(([id, e]) => `${e.type} ${id}`).join(', ')}` : ''}`,
      lost: missing[i],
    });
  }
  return { results: out, events };
}

/** Every payout paid at most once (the sandbox's own record), every hold posted or voided. */
async function payouts(platform, model) {
  const res = await fetch(`${platform.sandboxUrl}/v1/reports/payouts?date=${johannesburgDay()}`).then((r) => r.json());
  const byRef = new Map();
  for (const p of res.payouts || []) byRef.set(p.reference, [...(byRef.get(p.reference) || []), p]);
  const twice = [...byRef].filter(([, ps]) => ps.filter((p) => p.status === 'completed' || p.status === 'returned').length > 1);
  const completedHere = model.withdrawals.filter((w) => w.status === 'completed');
  const notPaid = completedHere.filter((w) => !(byRef.get(w.id) || []).some((p) => p.status === 'completed'));
  const paidNotCompleted = model.withdrawals.filter((w) => w.status !== 'completed' && w.status !== 'returned' && (byRef.get(w.id) || []).some((p) => p.status === 'completed'));
  const holds = await pg(platform, 'wallet-service', "select status, count(*)::int as n from holds group by status");
  const pending = holds.find((h) => h.status === 'pending')?.n || 0;
  // When each violation happened (for the table's fault windows): its first payout at the provider, else the withdrawal's request.
  const asked = new Map(model.withdrawals.map((w) => [w.id, w.at]));
  const when = (ref) => { const at = (byRef.get(ref) || []).map((p) => Date.parse(p.created_at)).filter(Number.isFinite); return at.length ? Math.min(...at) : asked.get(ref) ?? 0; };
  return [
    {
      name: 'every payout paid at most once', ok: twice.length === 0 && notPaid.length === 0 && paidNotCompleted.length === 0,
      detail: `${res.count} payouts at the provider, ${twice.length} paid twice, ${completedHere.length} withdrawals completed, ${notPaid.length} completed but not paid, ${paidNotCompleted.length} paid but not completed${paidNotCompleted.length ? ` (e.g. ${paidNotCompleted.slice(0, 2).map((w) => `${w.id} ${w.status}`).join(', ')})` : ''}`,
      paidTwice: twice.map(([ref]) => ({ ref, at: when(ref) })),
      // Money lost: the provider paid what the ledger gave back (paid, not completed), or the ledger took what was never paid.
      moneyLost: [...paidNotCompleted, ...notPaid].map((w) => ({ ref: w.id, at: when(w.id) })),
    },
    { name: 'every hold posted or voided', ok: pending === 0, detail: holds.map((h) => `${h.status} ${h.n}`).join(', ') || 'no holds' },
  ];
}

function johannesburgDay(d = new Date()) { return new Date(d.getTime() + 2 * 3600_000).toISOString().slice(0, 10); }

/** A direct call to the metrics-service as the gateway would make it (a signed api-gateway service token). */
async function metricsDirect(platform, p) {
  const { developmentServiceKeys, parseServicePrivateKey, ServiceTokenSigner } = require(path.join(ROOT, 'libs/auth/dist'));
  const keys = developmentServiceKeys(path.join(ROOT, '.run/service-keys'));
  const signer = new ServiceTokenSigner({ service: 'api-gateway', key: parseServicePrivateKey(keys.privateKey('api-gateway'), 'api-gateway') });
  const t0 = Date.now();
  const res = await fetch(`http://127.0.0.1:${platform.ports.metrics}${p}`, { headers: { authorization: `Bearer ${await signer.token('metrics-service', null)}` }, signal: AbortSignal.timeout(120_000) });
  return { status: res.status, json: await res.json().catch(() => null), ms: Date.now() - t0 };
}

/**
 * The metrics equal the ledger for today (waits for the metrics consumers to catch up). Asked through
 * the gateway; when the gateway times out (its BACKEND_TIMEOUT_MS), asked of the metrics-service
 * directly, and the timeout is reported as a warning.
 */
async function reconciliation(client, admin, timeoutMs, platform) {
  const p = `/v1/metrics/reconciliation?date=${johannesburgDay()}`;
  const deadline = Date.now() + timeoutMs;
  let last; let direct = null; let warning = null;
  for (;;) {
    last = await client.call('GET', p, admin, undefined, { deadlineMs: 20_000 });
    if (last.unknown && last.status === 504) {
      direct = await metricsDirect(platform, p).catch((err) => ({ status: 0, json: null, ms: 0, error: err.message }));
      warning = `through the gateway: 504 upstream_timeout (the reconciliation took ${direct.ms} ms asked directly; the gateway waits BACKEND_TIMEOUT_MS, 5 s)`;
      last = { status: direct.status, json: direct.json, text: direct.error || '' };
    }
    if (last.status === 200 && Array.isArray(last.json?.differences) && last.json.differences.length === 0) break;
    if (Date.now() > deadline) break;
    await sleep(3000);
  }
  const d = last.json?.differences;
  return { name: 'metrics reconciliation clean', ok: last.status === 200 && Array.isArray(d) && d.length === 0, detail: last.status === 200 ? `${d.length} differences${d.length ? `: ${JSON.stringify(d.slice(0, 3))}` : ''}${direct ? ' (asked of the metrics-service directly)' : ''}` : `${last.status} ${last.text}`, ...(warning ? { warning } : {}) };
}

module.exports = { ledger, deadLetters, balances, webhooks, payouts, reconciliation, pg, johannesburgDay };
