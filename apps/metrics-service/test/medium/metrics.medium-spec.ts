import { uuidv7, type EventEnvelope } from '@wozamali/contracts';
import { validateEnv } from '@wozamali/config';
import type { KafkaInboxServer } from '@wozamali/messaging';
import { kafkaBrokers, openTestDataSource, serviceAuthHeaders } from '@wozamali/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DataSource } from 'typeorm';
import { MetricsServiceEnv } from '../../src/config/env';
import { buildMetrics } from '../../src/main';
import { asMessage, collectionRecorded, dayOf, pointsUpdate, randomDayIn, walletUpdate } from '../factories/events';

// The metrics-service on the real PostgreSQL, fed through its real inbox (handleMessage: parse, read
// fields checked, inbox row and facts in one transaction). Each test keeps to days of its own.
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

// As the gateway calls: a service token, with the signed-in user (`x-user-id` here) inside it.
const get = async (path: string, headers: Record<string, string> = {}) => {
  const { 'x-user-id': user, ...rest } = headers;
  const auth = await serviceAuthHeaders('metrics-service', 'api-gateway', user ? { type: 'user', userId: user, role: 'resident' } : null);
  const res = await fetch(`${base}${path}`, { headers: { ...rest, ...auth } });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', text, body: text.startsWith('{') ? (JSON.parse(text) as any) : null };
};

async function deliver(events: EventEnvelope[]): Promise<(string | null)[]> {
  const out: (string | null)[] = [];
  for (const e of events) out.push(await inbox.handleMessage(asMessage(e)));
  return out;
}

/** A programme day recomputed from scratch from its user rows: what the maintained row must equal. */
async function fromUserRows(day: string) {
  const [row] = await db.query(
    `select sum(collections)::int as collections, sum(grams_collected)::bigint as grams_collected, sum(points_earned)::bigint as points_earned,
            sum(co2_avoided_g)::bigint as co2_avoided_g, sum(water_saved_ml)::bigint as water_saved_ml, sum(fund_amount)::bigint as fund_amount,
            (count(*) filter (where collections > 0))::int as active_users,
            (select count(*)::int from metric_users where first_collection_day = $1) as new_users
       from user_metrics where date = $1`,
    [day],
  );
  return row;
}

const at = (day: Date, hhmm: string) => new Date(`${dayOf(day)}T${hhmm}:00.000Z`);

/** Everything a test can see of some users and days: their series, the programme's days and their ranks. */
async function figures(users: string[], from: string, to: string, rankDate: string) {
  const out: Record<string, unknown> = {};
  for (const u of users) {
    out[`user ${u}`] = (await get(`/v1/users/${u}/metrics?from=${from}&to=${to}`)).body.days;
    for (const metric of ['kg', 'points', 'co2']) out[`rank ${u} ${metric}`] = (await get(`/v1/metrics/leaderboard?period=week&metric=${metric}&date=${rankDate}`, { 'x-user-id': u })).body.me;
  }
  out.system = (await get(`/v1/metrics/system?from=${from}&to=${to}`)).body.days;
  out.weekly = (await get(`/v1/metrics/system?from=${from}&to=${to}&granularity=week`)).body.days;
  return out;
}

it('an event delivered twice, and the same events replayed to an inbox that never saw them, in another order, change no figure and no rank; a points_update is not counted twice', async () => {
  const day = randomDayIn(2021);
  const [a, b, c] = [uuidv7(), uuidv7(), uuidv7()];
  const events = [
    collectionRecorded(a, { collectedAt: at(day, '08:00'), lines: [{ material: 'PET', grams: 2500 }, { material: 'GLASS', grams: 1000 }], fund: 375 }),
    walletUpdate(a, { points: 35, money: 270, kind: 'collection', at: at(day, '08:00') }),
    pointsUpdate(a, { points: 35, at: at(day, '08:00') }),
    collectionRecorded(b, { collectedAt: at(day, '09:00'), lines: [{ material: 'ALU_CANS', grams: 3500 }] }),
    walletUpdate(b, { points: 35, money: 6493, kind: 'collection', at: at(day, '09:00') }),
    walletUpdate(b, { points: -20, kind: 'redeem', at: at(day, '10:00') }),
    collectionRecorded(c, { collectedAt: at(day, '11:00'), lines: [{ material: 'PAPER', grams: 1000 }] }),
  ];
  // The points_update repeats its wallet_update's points: skipped (no handler), so they count once.
  const outcome = (o: string) => events.map((e) => (e.type === 'points_update' ? null : o));
  expect(await deliver(events)).toEqual(outcome('handled'));
  const d = dayOf(day);
  const before = await figures([a, b, c], d, d, d);
  expect((before.system as any[])[0]).toMatchObject({
    date: d, collections: 3, grams_collected: 8000, grams_by_material: { PET: 2500, GLASS: 1000, ALU_CANS: 3500, PAPER: 1000 },
    // PET 2.5 × 1700 + GLASS 1 × 800 + ALU 3.5 × 9100 + PAPER 1 × 900 (DOMAIN.md factors, version 1)
    co2_avoided_g: 4250 + 800 + 31850 + 900, water_saved_ml: 75000 + 20000 + 490000 + 15000,
    points_earned: 70, points_spent: 20, money_earned: 6763, fund_amount: 375, active_users: 3, new_users: 3, wallet_events: 3,
  });
  expect(before[`rank ${b} kg`]).toMatchObject({ rank: 1, value: 3500 });

  // Delivered twice: the inbox makes each a no-op.
  expect(await deliver(events)).toEqual(outcome('duplicate'));
  expect(await figures([a, b, c], d, d, d)).toEqual(before);

  // Replayed where no inbox row remembers them (a new consumer, or the rows pruned), in reverse order.
  await db.query('delete from inbox where event_id = any($1::uuid[])', [events.map((e) => e.id)]);
  expect(await deliver([...events].reverse())).toEqual(outcome('handled').reverse());
  expect(await figures([a, b, c], d, d, d)).toEqual(before);
  expect(Number((await db.query('select count(*) as n from metric_facts where event_id = any($1::uuid[])', [events.map((e) => e.id)]))[0].n)).toBe(events.length - 1);
  expect((before.system as any[])[0]).toMatchObject(await fromUserRows(d));
  // The bucket counts behind own ranks equal a recount of the entries, after all of that.
  const recount = `select period, to_char(period_start, 'YYYY-MM-DD') as start, m.metric, m.score / m.width as bucket, count(*)::int as users
                     from leaderboard_entries l cross join lateral (values ('kg', l.grams, 1000), ('points', l.points, 10), ('co2', l.co2_g, 1000)) as m(metric, score, width)
                    where l.period = 'week' and l.period_start = date_trunc('week', $1::date::timestamp)::date and m.score > 0 group by 1, 2, 3, 4 order by 1, 2, 3, 4`;
  const kept = `select period, to_char(period_start, 'YYYY-MM-DD') as start, metric, bucket, users from leaderboard_counts
                 where period = 'week' and period_start = date_trunc('week', $1::date::timestamp)::date and users <> 0 order by 1, 2, 3, 4`;
  expect(await db.query(kept, [d])).toEqual(await db.query(recount, [d]));
});

it('an event delivered late lands on its business day, and moves who counts as new', async () => {
  const day = randomDayIn(2022);
  const earlier = new Date(day.getTime() - 3 * 86_400_000);
  const user = uuidv7();
  await deliver([collectionRecorded(user, { collectedAt: day, lines: [{ material: 'PET', grams: 1000 }] })]);
  const range = `from=${dayOf(earlier)}&to=${dayOf(day)}`;
  const first = (await get(`/v1/metrics/system?${range}`)).body.days;
  expect(first).toEqual([expect.objectContaining({ date: dayOf(day), collections: 1, new_users: 1, active_users: 1 })]);

  // Recorded a week later, collected three days before: it counts on the day it was collected.
  await deliver([collectionRecorded(user, { collectedAt: earlier, recordedAt: new Date(day.getTime() + 7 * 86_400_000), lines: [{ material: 'GLASS', grams: 2000 }] })]);
  const user_days = (await get(`/v1/users/${user}/metrics?${range}`)).body.days;
  expect(user_days.map((r: any) => [r.date, r.collections, r.grams_collected])).toEqual([[dayOf(earlier), 1, 2000], [dayOf(day), 1, 1000]]);
  const system = (await get(`/v1/metrics/system?${range}`)).body.days;
  expect(system.map((r: any) => [r.date, r.collections, r.new_users, r.active_users])).toEqual([[dayOf(earlier), 1, 1, 1], [dayOf(day), 1, 0, 1]]);
  expect(system[0]).toMatchObject(await fromUserRows(dayOf(earlier)));
  expect(system[1]).toMatchObject(await fromUserRows(dayOf(day)));
});

it('events of the same users applied at the same time (two consumers during a rebalance) are each counted once', async () => {
  const day = randomDayIn(2019, 0, 6);
  const users = [uuidv7(), uuidv7()];
  const events = users.flatMap((u) => Array.from({ length: 8 }, (_, i) => collectionRecorded(u, { collectedAt: at(day, `0${i + 1}:00`), lines: [{ material: 'PET', grams: 100 * (i + 1) }] })));
  expect(await Promise.all(events.map((e) => inbox.handleMessage(asMessage(e))))).toEqual(events.map(() => 'handled'));
  const d = dayOf(day);
  const system = (await get(`/v1/metrics/system?from=${d}&to=${d}`)).body.days;
  expect(system).toEqual([expect.objectContaining({ collections: 16, grams_collected: 2 * 3600, active_users: 2, new_users: 2 })]);
  expect(system[0]).toMatchObject(await fromUserRows(d));
  for (const u of users) expect((await get(`/v1/metrics/leaderboard?period=week&date=${d}`, { 'x-user-id': u })).body.me).toMatchObject({ rank: 1, value: 3600 });
});

it('days, weeks and months follow Johannesburg time: 23:30 UTC on a Sunday is Monday, in the next week', async () => {
  const user = uuidv7();
  const sunday = new Date(Date.UTC(2025, 5, 1)); // 1 June 2025
  expect(sunday.getUTCDay()).toBe(0);
  await deliver([
    collectionRecorded(user, { collectedAt: new Date('2025-06-01T21:30:00Z'), lines: [{ material: 'PET', grams: 100 }] }), // 23:30 Sunday local
    collectionRecorded(user, { collectedAt: new Date('2025-06-01T23:30:00Z'), lines: [{ material: 'PET', grams: 200 }] }), // 01:30 Monday local
    collectionRecorded(user, { collectedAt: new Date('2025-06-30T22:30:00Z'), lines: [{ material: 'PET', grams: 400 }] }), // 00:30 1 July local
  ]);
  const q = `/v1/users/${user}/metrics?from=2025-05-01&to=2025-07-31`;
  expect((await get(q)).body.days.map((r: any) => [r.date, r.grams_collected])).toEqual([['2025-06-01', 100], ['2025-06-02', 200], ['2025-07-01', 400]]);
  expect((await get(`${q}&granularity=week`)).body.days.map((r: any) => [r.date, r.grams_collected])).toEqual([['2025-05-26', 100], ['2025-06-02', 200], ['2025-06-30', 400]]);
  expect((await get(`${q}&granularity=month`)).body.days.map((r: any) => [r.date, r.grams_collected])).toEqual([['2025-06-01', 300], ['2025-07-01', 400]]);
  // This test's fixed week: a board an earlier run on the same database froze (a closed period is frozen at its first read) is thrown away.
  await db.query(`delete from leaderboard_frozen where period = 'week' and period_start = '2025-06-02'`);
  await db.query(`delete from leaderboard_freezes where period = 'week' and period_start = '2025-06-02'`);
  const week = await get(`/v1/metrics/leaderboard?period=week&date=2025-06-02`, { 'x-user-id': user });
  expect(week.body).toMatchObject({ period_start: '2025-06-02', period_end: '2025-06-08', me: { value: 200 } });
});

it('ranks ties together (the first to get there listed first), shows masked handles and never a user id, and tells the caller their rank', async () => {
  const day = randomDayIn(2023);
  const [early, middle, late, small] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
  // `late` is delivered first, but `early` reached 10 kg first (business time).
  await deliver([
    collectionRecorded(late, { collectedAt: at(day, '12:00'), lines: [{ material: 'GLASS', grams: 10_000 }] }),
    collectionRecorded(small, { collectedAt: at(day, '07:00'), lines: [{ material: 'GLASS', grams: 4_000 }] }),
    collectionRecorded(early, { collectedAt: at(day, '08:00'), lines: [{ material: 'GLASS', grams: 6_000 }] }),
    collectionRecorded(middle, { collectedAt: at(day, '10:00'), lines: [{ material: 'GLASS', grams: 10_000 }] }),
    collectionRecorded(early, { collectedAt: at(day, '09:00'), lines: [{ material: 'GLASS', grams: 4_000 }] }),
  ]);
  const res = await get(`/v1/metrics/leaderboard?period=week&metric=kg&date=${dayOf(day)}&limit=100`, { 'x-user-id': small });
  expect(res.status).toBe(200);
  const mine = res.body.entries.filter((e: any) => e.value === 10_000 || e.you);
  expect(mine.map((e: any) => [e.rank, e.value])).toEqual([[1, 10_000], [1, 10_000], [1, 10_000], [4, 4_000]]);
  const handles = mine.map((e: any) => e.handle);
  expect(new Set(handles).size).toBe(4);
  for (const h of handles) expect(h).toMatch(/^Recycler [0-9A-Z]{4}-[0-9A-Z]{4}$/);
  // Ties: the one who reached 10 kg first is listed first.
  const again = await get(`/v1/metrics/leaderboard?period=week&metric=kg&date=${dayOf(day)}`, { 'x-user-id': early });
  const meEarly = again.body.me;
  const meMiddle = (await get(`/v1/metrics/leaderboard?period=week&metric=kg&date=${dayOf(day)}`, { 'x-user-id': middle })).body.me;
  const meLate = (await get(`/v1/metrics/leaderboard?period=week&metric=kg&date=${dayOf(day)}`, { 'x-user-id': late })).body.me;
  expect(handles.slice(0, 3)).toEqual([meEarly.handle, meMiddle.handle, meLate.handle]);
  expect([meEarly.rank, meMiddle.rank, meLate.rank]).toEqual([1, 1, 1]);
  expect(res.body.me).toEqual({ rank: 4, handle: handles[3], value: 4_000 });
  expect(res.body.entries.find((e: any) => e.you)).toMatchObject({ rank: 4, handle: handles[3] });
  for (const u of [early, middle, late, small]) expect(res.text).not.toContain(u);
  // Each own rank equals 1 + everyone who scored more, counted directly.
  for (const [u, me] of [[early, meEarly], [middle, meMiddle], [late, meLate], [small, res.body.me]] as const) {
    const [direct] = await db.query(
      `select 1 + count(*)::int as rank from leaderboard_entries o, leaderboard_entries l
        where l.user_id = $1 and l.period = 'week' and l.period_start = date_trunc('week', $2::date::timestamp)::date
          and o.period = l.period and o.period_start = l.period_start and o.grams > l.grams`,
      [u, dayOf(day)],
    );
    expect(me.rank).toBe(direct.rank);
  }
  // limit: at most that many rows.
  expect((await get(`/v1/metrics/leaderboard?period=week&metric=kg&date=${dayOf(day)}&limit=2`)).body.entries).toHaveLength(2);
});

it('exports series as CSV for a required date range, neutralising text that a spreadsheet would run and leaving numbers alone', async () => {
  const day = randomDayIn(2024);
  const user = uuidv7();
  const evil = '=HYPERLINK("http://evil.example","x")';
  await deliver([
    collectionRecorded(user, { collectedAt: day, lines: [{ material: evil, grams: 1500 }, { material: 'PET', grams: 500 }] }),
    walletUpdate(user, { points: 20, money: -150, kind: 'withdraw_post', at: day }),
  ]);
  const d = dayOf(day);
  const csv = await get(`/v1/metrics/system?from=${d}&to=${d}`, { accept: 'text/csv' });
  expect(csv.status).toBe(200);
  expect(csv.type).toBe('text/csv; charset=utf-8');
  const lines = csv.text.split('\r\n');
  expect(lines.at(-1)).toBe('');
  expect(lines[0]).toBe(`date,points_earned,points_spent,money_earned,money_spent,collections,grams_collected,co2_avoided_g,water_saved_ml,fund_amount,donated_money,donated_points,withdrawn_money,rewards_redeemed,wallet_events,active_users,new_users,"'=HYPERLINK(""http://evil.example"",""x"") (g)",PET (g)`);
  expect(lines[1]).toBe(`${d},20,0,0,150,1,2000,1600,30000,0,0,0,0,0,1,1,1,1500,500`);

  const userCsv = await get(`/v1/metrics/users/${user}?from=${d}&to=${d}&granularity=month`, { accept: 'text/csv' });
  expect(userCsv.text.split('\r\n')[1]).toBe(`${d.slice(0, 8)}01,${user},20,0,0,150,1,2000,1600,30000,0,0,0,0,0,1,1500,500`);

  const noRange = await get(`/v1/metrics/system?from=${d}`, { accept: 'text/csv' });
  expect(noRange.status).toBe(400);
  expect(noRange.type).toContain('application/problem+json');
  expect(noRange.body.code).toBe('date_range_required');
});

it('keeps impact factors as versions: each collection gets the version of its time, recorded on its fact', async () => {
  const listed = await get('/v1/metrics/impact-factors');
  expect(listed.body.versions[0]).toMatchObject({ version: 1, source: expect.stringContaining('DOMAIN.md'), others: { co2_g_per_kg: 500, water_ml_per_kg: 10000 } });
  expect(listed.body.versions[0].materials).toContainEqual({ material: 'PET', co2_g_per_kg: 1700, water_ml_per_kg: 30000 });

  const put = async (body: unknown) => fetch(`${base}/v1/metrics/impact-factors`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...(await serviceAuthHeaders('metrics-service', 'api-gateway', { type: 'service', serviceId: 'admin-test', keyId: 'k', permissions: {} })) },
    body: JSON.stringify(body),
  });
  const past = await put({ effective_from: '2020-06-01T00:00:00Z', source: 'x', others: { co2_g_per_kg: 1, water_ml_per_kg: 1 }, materials: [] });
  expect(past.status).toBe(422);
  for (const body of [
    { source: 'x', others: { co2_g_per_kg: 1.5, water_ml_per_kg: 1 }, materials: [] },
    { source: 'nul \u0000 here', others: { co2_g_per_kg: 1, water_ml_per_kg: 1 }, materials: [] },
    { source: 'lone \ud800 surrogate', others: { co2_g_per_kg: 1, water_ml_per_kg: 1 }, materials: [] },
    { source: 'x', others: { co2_g_per_kg: 1, water_ml_per_kg: 1 }, materials: [{ material: 'pet', co2_g_per_kg: 1, water_ml_per_kg: 1 }] },
    { source: 'x', others: { co2_g_per_kg: -1, water_ml_per_kg: 1 }, materials: [] },
    { source: 'x', others: { co2_g_per_kg: 1, water_ml_per_kg: 1 }, materials: [], extra: true },
  ]) {
    const bad = await put(body);
    expect({ body, status: bad.status, type: bad.headers.get('content-type') }).toEqual({ body, status: 400, type: expect.stringContaining('application/problem+json') });
  }
  const twice = await put({ source: 'x', others: { co2_g_per_kg: 1, water_ml_per_kg: 1 }, materials: [{ material: 'PET', co2_g_per_kg: 1, water_ml_per_kg: 1 }, { material: 'PET', co2_g_per_kg: 2, water_ml_per_kg: 1 }] });
  expect(twice.status).toBe(422);
  expect((await get('/v1/metrics/impact-factors')).body.versions).toHaveLength(listed.body.versions.length);
  const effective = new Date(Date.now() + 1000);
  const created = await put({ effective_from: effective.toISOString(), source: 'Test study 2026', others: { co2_g_per_kg: 400, water_ml_per_kg: 9000 }, materials: [{ material: 'PET', co2_g_per_kg: 1500, water_ml_per_kg: 25000 }] });
  expect(created.status).toBe(200);
  const v = (await created.json()) as any;
  expect(v).toMatchObject({ source: 'Test study 2026', materials: [{ material: 'PET', co2_g_per_kg: 1500, water_ml_per_kg: 25000 }] });
  expect(v.version).toBeGreaterThan(1);

  const user = uuidv7();
  const before = collectionRecorded(user, { collectedAt: new Date('2024-03-01T10:00:00Z'), lines: [{ material: 'PET', grams: 1000 }, { material: 'HDPE', grams: 1000 }] });
  const after = collectionRecorded(user, { collectedAt: new Date(effective.getTime() + 365 * 86_400_000), lines: [{ material: 'PET', grams: 1000 }, { material: 'HDPE', grams: 1000 }] });
  await deliver([before, after]);
  const facts = await db.query('select event_id, impact_version, co2_avoided_g, water_saved_ml from metric_facts where event_id = any($1::uuid[])', [[before.id, after.id]]);
  const byId = Object.fromEntries(facts.map((f: any) => [f.event_id, f]));
  expect(byId[before.id]).toMatchObject({ impact_version: 1, co2_avoided_g: 2200, water_saved_ml: 40000 });
  expect(byId[after.id]).toMatchObject({ impact_version: v.version, co2_avoided_g: 1900, water_saved_ml: 34000 });
});

it('reports programme impact for a range: kg by material, CO2, water and trees, with the factors in force', async () => {
  const day = randomDayIn(2026, 0, 6); // the e2e tests keep to 2020
  const d = dayOf(day);
  await deliver([
    collectionRecorded(uuidv7(), { collectedAt: day, lines: [{ material: 'ALU_CANS', grams: 22_000 }] }),
    collectionRecorded(uuidv7(), { collectedAt: day, lines: [{ material: 'PET', grams: 1_250 }] }),
  ]);
  const res = await get(`/v1/metrics/impact?from=${d}&to=${d}`);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    from: d, to: d, collections: 2, grams_collected: 23_250, kg_collected: '23.250',
    by_material: [{ material: 'ALU_CANS', grams: 22_000, kg: '22.000' }, { material: 'PET', grams: 1_250, kg: '1.250' }],
    co2_avoided_g: 200_200 + 2_125, co2_avoided_kg: '202.325', water_saved_ml: 3_080_000 + 37_500, water_saved_l: '3117.500',
    trees_equivalent: '9.197', factors: [{ version: 1, source: expect.stringContaining('DOMAIN.md') }],
  });
  expect(typeof res.body.data_as_of).toBe('string');
});

it('answers bad query strings with 400 problem+json, never a database error', async () => {
  const u = uuidv7();
  const paths = [
    '/v1/metrics/system?granularity=year', '/v1/metrics/system?from=2026-02-30', '/v1/metrics/system?from=2026-03-02&to=2026-03-01',
    '/v1/metrics/system?from=2026-01-01&from=2026-01-02', '/v1/metrics/system?foo=1', '/v1/metrics/system?from=2026-01-01%00',
    `/v1/users/${u}/metrics?granularity=hour`, '/v1/users/not-a-uuid/metrics', `/v1/metrics/users/${u}?to=%ED%A0%80`,
    '/v1/metrics/impact?from=yesterday', '/v1/metrics/impact?to=2026-01-01&from=2026-02-01',
    '/v1/metrics/leaderboard?period=decade', '/v1/metrics/leaderboard?metric=kg&metric=points', '/v1/metrics/leaderboard?limit=0',
    '/v1/metrics/leaderboard?limit=101', '/v1/metrics/leaderboard?limit=1e2', '/v1/metrics/leaderboard?date=2026-02-29',
  ];
  for (const path of paths) {
    const res = await get(path);
    expect({ path, status: res.status, type: res.type.split(';')[0] }).toEqual({ path, status: 400, type: 'application/problem+json' });
    expect(typeof res.body.code).toBe('string');
  }
  // A user named in a plain header, outside the token, is nobody: no own rank is given.
  const forged = await fetch(`${base}/v1/metrics/leaderboard`, { headers: { 'x-user-id': uuidv7(), ...(await serviceAuthHeaders('metrics-service')) } });
  expect(forged.status).toBe(200);
  expect(((await forged.json()) as any).me ?? null).toBeNull();
});
