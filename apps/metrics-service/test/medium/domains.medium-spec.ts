import { eventDataProblems, GREEN_SCHOLAR_FUND_CAMPAIGN_ID, uuidv7, type EventEnvelope, type EventType } from '@wozamali/contracts';
import { validateEnv } from '@wozamali/config';
import type { KafkaInboxServer } from '@wozamali/messaging';
import { kafkaBrokers, openTestDataSource, serviceAuthHeaders, waitFor } from '@wozamali/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DataSource } from 'typeorm';
import { MetricsServiceEnv } from '../../src/config/env';
import { buildMetrics } from '../../src/main';
import {
  asMessage, collectionRecorded, dayOf, donationCreate, donationRefunded, randomDayIn, rewardCancelled, rewardIssue, walletUpdate, withdrawalUpdate,
} from '../factories/events';

// The rewards', donations' and withdrawals' events into the metrics, through the real inbox on the
// real PostgreSQL (the Kafka path is in test/e2e/domains-to-metrics.e2e-spec.ts). Days of their own (2018).
let app: NestFastifyApplication;
let inbox: KafkaInboxServer;
let db: DataSource;
let base: string;

beforeAll(async () => {
  const env = validateEnv(MetricsServiceEnv, { ...process.env, DB_PREFIX: process.env.DB_PREFIX || 'wozamali_test', KAFKA_BROKERS: kafkaBrokers(), LOG_LEVEL: 'warn', METRICS_JOBS_ENABLED: 'false' });
  const built = await buildMetrics(env);
  app = built.app;
  inbox = built.inbox!;
  await app.init();
  await app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  db = await openTestDataSource('metrics-service', 2);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await db?.destroy();
});

const get = async (path: string, user?: string) => {
  const auth = await serviceAuthHeaders('metrics-service', 'api-gateway', user ? { type: 'user', userId: user, role: 'resident' } : null);
  const res = await fetch(`${base}${path}`, { headers: auth });
  return { status: res.status, body: (await res.json()) as any };
};

const deliver = async (events: EventEnvelope[]) => {
  const out: (string | null)[] = [];
  for (const e of events) out.push(await inbox.handleMessage(asMessage(e)));
  return out;
};

const at = (day: Date, hhmm: string) => new Date(`${dayOf(day)}T${hhmm}:00.000Z`);
const DOMAIN_FIGURES = ['donated_money', 'donated_points', 'withdrawn_money', 'rewards_redeemed', 'fund_amount'] as const;

async function userRows(user: string, from: string, to: string) {
  return (await get(`/v1/metrics/users/${user}?from=${from}&to=${to}`)).body.days as any[];
}

async function systemFromUserRows(day: string) {
  const [row] = await db.query(
    `select ${DOMAIN_FIGURES.map((f) => `sum(${f})::bigint as ${f}`).join(', ')} from user_metrics where date = $1`,
    [day],
  );
  return row;
}

it('builds every event of the factories to the whole contract, so what the metrics read is what the producers publish', () => {
  const u = uuidv7();
  const now = new Date();
  for (const e of [
    rewardIssue(u, { at: now }), rewardIssue(u, { at: now, source: 'badge' }), rewardCancelled(u, { at: now, refunded: 600 }), donationCreate(u, { at: now, amount: 100 }), donationCreate(u, { at: now, anonymous: true, points: 5 }),
    donationRefunded(u, { at: now, amount: 100 }), withdrawalUpdate(u, { at: now, amount: 5000, from: 'processing', to: 'completed' }),
  ]) {
    expect({ type: e.type, problems: eventDataProblems(e.type as EventType, e.data) }).toEqual({ type: e.type, problems: [] });
  }
});

it('counts redemptions, donations net of refunds (the fund\'s intake among them) and withdrawals paid out net of returns, each on its business day', async () => {
  const day = randomDayIn(2018, 0, 11);
  const d = dayOf(day);
  const [a, b] = [uuidv7(), uuidv7()];
  const donation = uuidv7();
  const withdrawal = uuidv7();
  const events = [
    collectionRecorded(a, { collectedAt: at(day, '07:00'), lines: [{ material: 'PET', grams: 1000 }], fund: 50 }),
    rewardIssue(a, { at: at(day, '08:00') }),
    rewardIssue(a, { at: at(day, '08:05') }),
    rewardIssue(a, { at: at(day, '08:10'), source: 'badge' }), // not a redemption
    walletUpdate(a, { points: -600, kind: 'redeem', at: at(day, '08:00') }),
    donationCreate(a, { at: at(day, '09:00'), amount: 2500, points: 40, campaignId: GREEN_SCHOLAR_FUND_CAMPAIGN_ID }),
    donationCreate(a, { at: at(day, '09:30'), amount: 1000, campaignId: uuidv7(), donationId: donation }),
    donationRefunded(a, { at: at(day, '11:00'), amount: 1000, donationId: donation }),
    donationCreate(b, { at: at(day, '10:00'), amount: 700, points: 3, anonymous: true, campaignId: GREEN_SCHOLAR_FUND_CAMPAIGN_ID }),
    withdrawalUpdate(b, { at: at(day, '12:00'), amount: 9000, from: 'pending', to: 'approved', withdrawalId: withdrawal }), // not paid yet
    withdrawalUpdate(b, { at: at(day, '13:00'), amount: 9000, from: 'processing', to: 'completed', withdrawalId: withdrawal }),
    withdrawalUpdate(a, { at: at(day, '13:00'), amount: 5000, from: 'processing', to: 'completed' }),
    withdrawalUpdate(a, { at: at(day, '15:00'), amount: 5000, from: 'completed', to: 'returned' }),
  ];
  expect(await deliver(events)).toEqual(events.map(() => 'handled'));
  const ua = await userRows(a, d, d);
  expect(ua).toEqual([expect.objectContaining({ date: d, rewards_redeemed: 2, donated_money: 2500, donated_points: 40, withdrawn_money: 0, fund_amount: 2550, points_spent: 600, collections: 1 })]);
  // The anonymous donor is known by the envelope's subject (never shown to anyone but them and admins).
  expect(await userRows(b, d, d)).toEqual([expect.objectContaining({ donated_money: 700, donated_points: 3, withdrawn_money: 9000, fund_amount: 700, rewards_redeemed: 0 })]);
  const system = (await get(`/v1/metrics/system?from=${d}&to=${d}`)).body.days;
  expect(system).toEqual([expect.objectContaining({ donated_money: 3200, donated_points: 43, withdrawn_money: 9000, rewards_redeemed: 2, fund_amount: 3250 })]);
  expect(system[0]).toMatchObject(await systemFromUserRows(d));
  // Facts that count for nothing (a badge, a withdrawal approved) are not recorded.
  const recorded = Number((await db.query('select count(*) as n from metric_facts where event_id = any($1::uuid[])', [events.map((e) => e.id)]))[0].n);
  expect(recorded).toBe(events.length - 2);

  // Twice: no-ops. Replayed where no inbox row remembers them, in reverse order: recomputed, the same figures.
  const snapshot = async () => ({ a: await userRows(a, d, d), b: await userRows(b, d, d), system: (await get(`/v1/metrics/system?from=${d}&to=${d}`)).body.days });
  const before = await snapshot();
  expect(await deliver(events)).toEqual(events.map(() => 'duplicate'));
  expect(await snapshot()).toEqual(before);
  await db.query('delete from inbox where event_id = any($1::uuid[])', [events.map((e) => e.id)]);
  expect(await deliver([...events].reverse())).toEqual(events.map(() => 'handled'));
  expect(await snapshot()).toEqual(before);
});

it('a redeemed reward cancelled later is one redemption fewer on the day it was cancelled; a cancelled badge changes nothing', async () => {
  const day = randomDayIn(2017, 0, 11);
  const next = new Date(day.getTime() + 86_400_000);
  const [d, dn] = [dayOf(day), dayOf(next)];
  const user = uuidv7();
  const events = [
    rewardIssue(user, { at: at(day, '08:00') }), rewardIssue(user, { at: at(day, '08:30') }), rewardIssue(user, { at: at(day, '09:00'), source: 'badge' }),
    rewardCancelled(user, { at: at(next, '10:00'), refunded: 600 }), rewardCancelled(user, { at: at(next, '11:00'), source: 'badge' }),
  ];
  expect(await deliver(events)).toEqual(events.map(() => 'handled'));
  expect((await userRows(user, d, dn)).map((r) => [r.date, r.rewards_redeemed])).toEqual([[d, 2], [dn, -1]]);
  const system = (await get(`/v1/metrics/system?from=${d}&to=${dn}`)).body.days;
  expect(system.map((r: { date: string; rewards_redeemed: number }) => [r.date, r.rewards_redeemed])).toEqual([[d, 2], [dn, -1]]);
  // Replayed in reverse order with no inbox row remembering them: the same figures.
  await db.query('delete from inbox where event_id = any($1::uuid[])', [events.map((e) => e.id)]);
  expect(await deliver([...events].reverse())).toEqual(events.map(() => 'handled'));
  expect((await userRows(user, d, dn)).map((r) => [r.date, r.rewards_redeemed])).toEqual([[d, 2], [dn, -1]]);
});

it('a withdrawal completed, a redemption and a refund delivered days late land on their business days', async () => {
  const day = randomDayIn(2018, 0, 11);
  const earlier = new Date(day.getTime() - 4 * 86_400_000);
  const user = uuidv7();
  await deliver([donationCreate(user, { at: earlier, amount: 300, points: 7 })]);
  // Delivered now, four days after they happened (changed_at / issued_at / refunded_at say when).
  await deliver([
    withdrawalUpdate(user, { at: earlier, amount: 6000, from: 'processing', to: 'completed' }),
    rewardIssue(user, { at: earlier, recordedAt: day }),
    donationRefunded(user, { at: day, amount: 300, points: 7 }),
  ]);
  const rows = await userRows(user, dayOf(earlier), dayOf(day));
  expect(rows.map((r) => [r.date, r.withdrawn_money, r.rewards_redeemed, r.donated_money, r.donated_points])).toEqual([
    [dayOf(earlier), 6000, 1, 300, 7],
    [dayOf(day), 0, 0, -300, -7],
  ]);
  for (const r of rows) expect((await get(`/v1/metrics/system?from=${r.date}&to=${r.date}`)).body.days[0]).toMatchObject(await systemFromUserRows(r.date));
});

it('a closed period\'s board is frozen an hour after it ends: a late event moves the resident\'s own figures, not the board', async () => {
  const day = randomDayIn(2015, 0, 11);
  const d = dayOf(day);
  const [first, second] = [uuidv7(), uuidv7()];
  await deliver([
    collectionRecorded(first, { collectedAt: at(day, '08:00'), lines: [{ material: 'GLASS', grams: 5000 }] }),
    collectionRecorded(second, { collectedAt: at(day, '09:00'), lines: [{ material: 'GLASS', grams: 3000 }] }),
  ]);
  const board = async (user: string) => (await get(`/v1/metrics/leaderboard?period=week&metric=kg&date=${d}&limit=100`, user)).body;
  const before = await board(second);
  expect(before).toMatchObject({ frozen: true, me: { rank: 2, value: 3000 } });
  // Johannesburg is UTC+2: the last day ends at 22:00 UTC, and the board freezes an hour later.
  expect(Date.parse(before.frozen_at)).toBe(Date.parse(`${before.period_end}T22:00:00Z`) + 3_600_000);
  // Collected that week, recorded now: it lands on its day, and the board stays as it was.
  await deliver([collectionRecorded(second, { collectedAt: at(day, '10:00'), lines: [{ material: 'GLASS', grams: 4000 }] })]);
  expect((await userRows(second, d, d))[0]).toMatchObject({ grams_collected: 7000 });
  expect(await board(second)).toEqual({ ...before, data_as_of: expect.any(String) });
  // The current week is live (not frozen).
  expect((await get('/v1/metrics/leaderboard?period=week&metric=kg', first)).body).toMatchObject({ frozen: false, frozen_at: null });
});

it('the freeze job freezes the last closed week, month and year soon after they close', async () => {
  const { LeaderboardFreezeJob } = await import('../../src/jobs/leaderboard-freeze.job');
  await app.get(LeaderboardFreezeJob).runOnce();
  const lastWeek = new Date(Date.now() - 3_600_000 - 7 * 86_400_000);
  const rows = await db.query(
    `select metric from leaderboard_freezes where period = 'week' and period_start = date_trunc('week', (($1::timestamptz) at time zone 'Africa/Johannesburg')::date::timestamp)::date order by metric`,
    [lastWeek.toISOString()],
  );
  expect(rows.map((r: any) => r.metric)).toEqual(['co2', 'kg', 'points']);
  // And last month and last year, whatever day it is today.
  for (const period of ['month', 'year']) {
    const frozen = await db.query(
      `select count(*)::int as n from leaderboard_freezes where period = $1
          and period_start = date_trunc($1, (date_trunc($1, ((now() - interval '1 hour') at time zone 'Africa/Johannesburg')::date::timestamp)::date - 1)::timestamp)::date`,
      [period],
    );
    expect([period, frozen[0].n]).toEqual([period, 3]);
  }
});

describe('metrics_update events through the outbox', () => {
  const eventsFor = async (subject: string | null, date: string) =>
    (await db.query(
      `select payload from outbox where type = 'metrics_update' and payload->'data'->>'date' = $2 and ($1::text is null and key is null or key = $1) order by seq`,
      [subject, date],
    )).map((r: any) => r.payload as EventEnvelope);

  it('announces a user\'s changed day at most once a minute, with the day\'s totals (contract-valid), and none for a replay', async () => {
    const { MetricsUpdatePublisher } = await import('../../src/jobs/metrics-update.publisher');
    const publisher = app.get(MetricsUpdatePublisher);
    const day = randomDayIn(2014, 0, 11);
    const d = dayOf(day);
    const user = uuidv7();
    const first = [collectionRecorded(user, { collectedAt: at(day, '08:00'), lines: [{ material: 'PET', grams: 1500 }] }), rewardIssue(user, { at: at(day, '09:00') })];
    await deliver(first);
    const sent = await waitFor(async () => {
      await publisher.runOnce();
      const e = await eventsFor(user, d);
      return e.length > 0 ? e : null;
    }, 'the first metrics_update of the user');
    expect(sent).toHaveLength(1);
    expect(eventDataProblems('metrics_update', sent[0]!.data)).toEqual([]);
    expect(sent[0]).toMatchObject({ subject: user, data: { scope: 'user', user_id: user, date: d, final: true, grams_collected: 1500, collections: 1, rewards_redeemed: 1, active_users: null } });

    // More within the minute: held back (every instance's job obeys the same row).
    await deliver([donationCreate(user, { at: at(day, '10:00'), amount: 900, points: 4 })]);
    await publisher.runOnce();
    expect(await eventsFor(user, d)).toHaveLength(1);
    // A minute later (moved back here), the day's new totals go out.
    await db.query(`update metrics_update_users set last_sent_at = now() - interval '61 seconds' where user_id = $1`, [user]);
    const next = await waitFor(async () => {
      await publisher.runOnce();
      const e = await eventsFor(user, d);
      return e.length > 1 ? e : null;
    }, 'the second metrics_update of the user');
    expect(next).toHaveLength(2);
    expect(next[1]!.data).toMatchObject({ grams_collected: 1500, money_donated: 900, points_donated: 4 });

    // A replay changes no figure, so announces nothing.
    await db.query('delete from inbox where event_id = any($1::uuid[])', [first.map((e) => e.id)]);
    await db.query(`update metrics_update_users set last_sent_at = now() - interval '61 seconds' where user_id = $1`, [user]);
    await deliver(first);
    expect(Number((await db.query('select count(*) as n from metrics_update_pending where user_id = $1', [user]))[0].n)).toBe(0);
    await publisher.runOnce();
    expect(await eventsFor(user, d)).toHaveLength(2);
  });

  it('sends each programme day\'s final rollup once, an hour after the day ends', async () => {
    const { MetricsUpdatePublisher } = await import('../../src/jobs/metrics-update.publisher');
    const publisher = app.get(MetricsUpdatePublisher);
    const day = new Date(Date.now() - 3 * 86_400_000);
    const d = new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Johannesburg' }).format(day);
    await deliver([collectionRecorded(uuidv7(), { collectedAt: day, lines: [{ material: 'GLASS', grams: 700 }], fund: 20 })]);
    const before = (await eventsFor(null, d)).length;
    await db.query('delete from metrics_rollups where day = $1', [d]);
    const rollups = await waitFor(async () => {
      await publisher.runOnce();
      const e = await eventsFor(null, d);
      return e.length > before ? e : null;
    }, 'the rollup of the day');
    expect(rollups).toHaveLength(before + 1);
    const rollup = rollups.at(-1)!;
    expect(eventDataProblems('metrics_update', rollup.data)).toEqual([]);
    const [row] = await db.query('select collections, grams_collected, fund_amount, active_users, new_users from system_metrics where date = $1', [d]);
    expect(rollup.data).toMatchObject({
      scope: 'programme', user_id: null, date: d, final: true, collections: Number(row.collections), grams_collected: Number(row.grams_collected),
      fund_intake: Number(row.fund_amount), active_users: Number(row.active_users), new_users: Number(row.new_users),
    });
    await publisher.runOnce();
    expect(await eventsFor(null, d)).toHaveLength(before + 1);
  });
});

it('reconciling with a wallet that has no day report yet is 503 ledger_unavailable problem+json, remembered as such', async () => {
  const res = await fetch(`${base}/v1/metrics/reconciliation?date=2014-03-03`, { headers: await serviceAuthHeaders('metrics-service') });
  expect([res.status, res.headers.get('content-type')?.split(';')[0]]).toEqual([503, 'application/problem+json']);
  expect(((await res.json()) as any).code).toBe('ledger_unavailable');
  expect(await db.query(`select source, status from metrics_reconciliations where day = '2014-03-03'`)).toEqual([{ source: 'wallet-api', status: 'unavailable' }]);
});

it('a CSV leaves negative numbers (a day of refunds) as numbers, neutralises only text, and streams in chunks', async () => {
  const day = randomDayIn(2013, 0, 11);
  const d = dayOf(day);
  const user = uuidv7();
  await deliver([donationRefunded(user, { at: day, amount: 300, points: 7 })]);
  const auth = await serviceAuthHeaders('metrics-service');
  const res = await fetch(`${base}/v1/metrics/users/${user}?from=2012-01-01&to=${d}`, { headers: { ...auth, accept: 'text/csv' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(res.headers.get('content-length')).toBeNull(); // streamed (chunked), not buffered whole
  const lines = (await res.text()).split('\r\n');
  expect(lines[1]).toBe(`${d},${user},0,0,0,0,0,0,0,0,0,-300,-7,0,0,0`);
});
