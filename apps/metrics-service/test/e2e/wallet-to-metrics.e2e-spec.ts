import { Topics, uuidv7 } from '@wozamali/contracts';
import { createKafka, REPLAY_FOR_HEADER, replayDeadLetters, TEST_POISON_HEADER, type KafkaInboxServer } from '@wozamali/messaging';
import { validateEnv } from '@wozamali/config';
import { freePort, kafkaBrokers, openTestDataSource, serviceAuthHeaders, serviceKeyEnv, spawnService, uniqueName, waitFor, type SpawnedService } from '@wozamali/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DataSource } from 'typeorm';
import { MetricsServiceEnv } from '../../src/config/env';
import { buildMetrics } from '../../src/main';

// Across services: the wallet-service (its own process, its own database) commits a credit and its
// events in one transaction; the relay publishes them to the real broker; the metrics-service
// consumes them through its inbox into its own database.
let wallet: SpawnedService;
let metrics: NestFastifyApplication;
let inbox: KafkaInboxServer;
let metricsDb: DataSource;
let walletDb: DataSource;

beforeAll(async () => {
  // A free port: a fixed one may be taken by another run's wallet on a shared machine.
  wallet = await spawnService('wallet-service', await freePort());
  const env = validateEnv(MetricsServiceEnv, { ...process.env, DB_PREFIX: process.env.DB_PREFIX || 'wozamali_test', KAFKA_BROKERS: kafkaBrokers(), LOG_LEVEL: 'warn', ...serviceKeyEnv('metrics-service') });
  // Only the events these tests make matter here: the group starts at the topic's end, not behind the
  // history every other run left on a shared broker (which it would first have to consume).
  const admin = createKafka(uniqueName('metrics-e2e-admin'), kafkaBrokers()).admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(Topics.wallet);
  await admin.setOffsets({ groupId: `${env.DB_PREFIX}.metrics-service`, topic: Topics.wallet, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
  await admin.disconnect();
  const built = await buildMetrics(env);
  metrics = built.app;
  inbox = built.inbox!;
  await metrics.startAllMicroservices();
  await metrics.listen(0, '127.0.0.1');
  metricsDb = await openTestDataSource('metrics-service', 2);
  walletDb = await openTestDataSource('wallet-service', 2);
}, 120_000);

afterAll(async () => {
  await metrics?.close();
  await wallet?.stop();
  await metricsDb?.destroy();
  await walletDb?.destroy();
});

const post = async (path: string, body: unknown) =>
  fetch(`${wallet.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': uuidv7(), 'x-request-id': 'e2e-metrics', ...(await serviceAuthHeaders('wallet-service')) }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() }));

it('a wallet credit and a collection reach the metrics-service through Kafka and are counted once, even when delivered twice', async () => {
  const user = uuidv7();
  expect((await post(`/v1/users/${user}/points/earn`, { points: 40, amount: 120, reason: 'e2e' })).status).toBe(201);
  expect((await post('/v1/collections', { user_id: user, materials: [{ material: 'GLASS', kg: '2.5' }] })).status).toBe(201);
  const row = await waitFor(async () => {
    const rows = await metricsDb.query('select points_earned, money_earned, collections, grams_collected, wallet_events from user_metrics where user_id = $1', [user]);
    return rows[0]?.collections === 1 && rows[0]?.wallet_events === 2 ? rows[0] : null;
  }, 'the metrics of the user', 30_000);
  expect(row).toEqual({ points_earned: 65, money_earned: 420, collections: 1, grams_collected: 2500, wallet_events: 2 });

  // The same wallet_update delivered again (a redelivery after a consumer crash): no second count.
  const [event] = await walletDb.query(`select payload from outbox where key = $1 and type = 'wallet_update' order by seq limit 1`, [user]);
  expect(event.payload.correlation_id).toBe('e2e-metrics');
  expect(await inbox.handleMessage({ topic: Topics.wallet, partition: 0, message: { key: Buffer.from(user), value: Buffer.from(JSON.stringify(event.payload)), offset: '0', timestamp: '0', attributes: 0, headers: {} } })).toBe('duplicate');
  const after = await metricsDb.query('select points_earned, wallet_events from user_metrics where user_id = $1', [user]);
  expect(after).toEqual([{ points_earned: 65, wallet_events: 2 }]);

  const api = await fetch(`http://127.0.0.1:${(metrics.getHttpServer().address() as { port: number }).port}/v1/metrics/users/${user}`, { headers: await serviceAuthHeaders('metrics-service') }).then((r) => r.json() as Promise<any>);
  expect(api.days).toHaveLength(1);
  expect(api.days[0]).toMatchObject({ points_earned: 65, collections: 1 });

  // Its /metrics reports the inbox: events applied, the redelivery turned into a no-op, and a lag.
  const prom = await fetch(`http://127.0.0.1:${(metrics.getHttpServer().address() as { port: number }).port}/metrics`).then((r) => r.text());
  const value = (name: string) => Number(/^\S+\{[^}]*\} (\S+)$/m.exec(prom.split('\n').filter((l) => l.startsWith(`${name}{`)).join('\n'))?.[1]);
  expect(value('inbox_handled_total')).toBeGreaterThanOrEqual(2);
  expect(value('inbox_duplicates_total')).toBeGreaterThanOrEqual(1);
  expect(value('inbox_consumer_lag')).toBeGreaterThanOrEqual(0);
}, 90_000);

it('answers a date that does not exist with 400 problem+json, not a database error', async () => {
  const base = `http://127.0.0.1:${(metrics.getHttpServer().address() as { port: number }).port}`;
  for (const path of ['/v1/metrics/system?from=2026-13-45', `/v1/metrics/users/${uuidv7()}?to=2026-02-30`, '/v1/metrics/users/not-a-uuid']) {
    const res = await fetch(`${base}${path}`, { headers: await serviceAuthHeaders('metrics-service') });
    expect({ path, status: res.status }).toEqual({ path, status: 400 });
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  }
});

/** The metrics' points earned for these users, and the ledger's lifetime points for them. */
async function pointsOf(users: string[]): Promise<{ metrics: Record<string, number>; ledger: Record<string, number> }> {
  const m = await metricsDb.query('select user_id, sum(points_earned)::int as p from user_metrics where user_id = any($1::uuid[]) group by user_id', [users]);
  const l = await walletDb.query(`select owner_id as user_id, lifetime_earned::int as p from accounts where owner_type = 'user' and asset = 'POINTS' and owner_id = any($1::text[])`, [users]);
  const byUser = (rows: { user_id: string; p: number }[]) => Object.fromEntries(rows.map((r) => [r.user_id, r.p]));
  return { metrics: byUser(m), ledger: byUser(l) };
}

it('points-only earns of new residents are counted, and nothing is dead-lettered', async () => {
  const before = inbox.stats.deadLettered;
  const users = Array.from({ length: 20 }, () => uuidv7());
  for (const [i, user] of users.entries()) expect((await post(`/v1/users/${user}/points/earn`, { points: 10 + i, reason: 'points only' })).status).toBe(201);
  const counted = await waitFor(async () => {
    const p = await pointsOf(users);
    return Object.keys(p.metrics).length === users.length ? p : null;
  }, 'every points-only earn in the metrics', 30_000);
  expect(counted.metrics).toEqual(counted.ledger);
  expect(inbox.stats.deadLettered).toBe(before);
}, 60_000);

it('replays the dead letters an earlier build left behind once to the metrics-service, and the metrics then equal the ledger', async () => {
  // The state a build before the fix left: earns in the ledger whose wallet_update the metrics-service
  // dead-lettered (wallet_id null), so it never counted them and has no inbox row for them.
  const users = Array.from({ length: 5 }, () => uuidv7());
  for (const user of users) expect((await post(`/v1/users/${user}/points/earn`, { points: 30, reason: 'points only' })).status).toBe(201);
  await waitFor(async () => Object.keys((await pointsOf(users)).metrics).length === users.length, 'the earns in the metrics', 30_000);
  const events = await walletDb.query(`select payload from outbox where key = any($1::text[]) and type = 'wallet_update' order by seq`, [users]);
  expect(events).toHaveLength(users.length);
  await metricsDb.query('delete from user_metrics where user_id = any($1::uuid[])', [users]);
  await metricsDb.query('delete from inbox where event_id = any($1::uuid[])', [events.map((e: any) => e.payload.id)]);
  expect((await pointsOf(users)).metrics).toEqual({});

  const kafka = createKafka(uniqueName('dlq-replay-test'), kafkaBrokers());
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: `${Topics.wallet}.dlq`,
    messages: events.map((e: any) => ({
      key: e.payload.subject,
      value: JSON.stringify({ ...e.payload, data: { ...e.payload.data, wallet_id: null } }),
      // What the old build's inbox wrote; planted by this test, so the run's dead-letter check expects it.
      headers: { 'x-error': 'invalid wallet_update data: wallet_id must be uuid', 'x-original-topic': Topics.wallet, 'x-consumer': 'metrics-service', [TEST_POISON_HEADER]: 'dlq-replay' },
    })),
  });
  await producer.disconnect();

  const groupId = uniqueName('dlq-replay-progress');
  // Only this test's dead letters (other suites on the shared topics may dead-letter their own poison meanwhile).
  const filter = (m: { key: Buffer | null }) => users.includes(String(m.key));
  const first = await replayDeadLetters(kafka, { topic: Topics.wallet, consumer: 'metrics-service', groupId, filter });
  expect(first.replayed).toBe(users.length);
  const replayed = await waitFor(async () => {
    const p = await pointsOf(users);
    return Object.keys(p.metrics).length === users.length ? p : null;
  }, 'the replayed earns in the metrics', 30_000);
  expect(replayed.metrics).toEqual(replayed.ledger);

  // Run again: nothing new to replay; and the same dead letters replayed by a fresh group are no-ops.
  expect((await replayDeadLetters(kafka, { topic: Topics.wallet, consumer: 'metrics-service', groupId, filter })).replayed).toBe(0);
  const duplicatesBefore = inbox.stats.duplicates;
  expect((await replayDeadLetters(kafka, { topic: Topics.wallet, consumer: 'metrics-service', groupId: uniqueName('dlq-replay-again'), filter })).replayed).toBe(users.length);
  await waitFor(() => inbox.stats.duplicates - duplicatesBefore >= users.length, 'the second replay turned into no-ops', 30_000);
  expect((await pointsOf(users)).metrics).toEqual(replayed.ledger);

  // A replay meant for another consumer is skipped by this one.
  const other = { ...events[0].payload, id: uuidv7() };
  expect(await inbox.handleMessage({ topic: Topics.wallet, partition: 0, message: { key: null, value: Buffer.from(JSON.stringify(other)), offset: '0', timestamp: '0', attributes: 0, headers: { 'x-replay-for': 'webhook-dispatcher' } } })).toBeNull();
}, 120_000);

it("a whole replay of the wallet's events, through Kafka again and then to an inbox that lost them, changes no figure and no rank", async () => {
  const users = [uuidv7(), uuidv7(), uuidv7()];
  // Collected on a day of its own (in 2020: the medium tests keep off it), so its week, month
  // and year hold only these users and their ranks can't move for another reason.
  const collectedAt = new Date(Date.UTC(2020, Math.floor(Math.random() * 5), 1 + Math.floor(Math.random() * 28), 10));
  const day = collectedAt.toISOString().slice(0, 10);
  for (const [i, user] of users.entries()) {
    expect((await post('/v1/collections', { user_id: user, collected_at: collectedAt.toISOString(), materials: [{ material: 'PET', kg: String(3 - i) }, { material: 'GLASS', kg: '1.5' }] })).status).toBe(201);
    expect((await post(`/v1/users/${user}/points/earn`, { points: 10 * (i + 1), amount: 100, reason: 'replay' })).status).toBe(201);
    expect((await post(`/v1/users/${user}/points/spend`, { points: 5, reason: 'replay' })).status).toBe(201);
  }
  const events: any[] = (await walletDb.query(`select payload from outbox where key = any($1::text[]) and type in ('wallet_update', 'collection_recorded') order by seq`, [users])).map((r: any) => r.payload);
  expect(events).toHaveLength(users.length * 4);
  const ids = events.map((e) => e.id);
  const factCount = async () => Number((await metricsDb.query('select count(*)::int as n from metric_facts where event_id = any($1::uuid[])', [ids]))[0].n);
  await waitFor(async () => (await factCount()) === events.length, 'every event of the users in the metrics', 30_000);

  const base = `http://127.0.0.1:${(metrics.getHttpServer().address() as { port: number }).port}`;
  // As the gateway calls: a service token, with the signed-in user inside it when there is one.
  const json = async (path: string, user?: string) =>
    fetch(`${base}${path}`, { headers: await serviceAuthHeaders('metrics-service', 'api-gateway', user ? { type: 'user', userId: user, role: 'resident' } : null) }).then((r) => r.json() as Promise<any>);
  const snapshot = async () => {
    const out: Record<string, unknown> = {};
    for (const u of users) {
      out[u] = (await json(`/v1/users/${u}/metrics`)).days;
      for (const period of ['week', 'month', 'year']) {
        for (const metric of ['kg', 'co2']) out[`${u} ${period} ${metric}`] = (await json(`/v1/metrics/leaderboard?period=${period}&metric=${metric}&date=${day}`, u)).me;
      }
      // Points are earned today, among everyone's: their values, not their ranks.
      out[`${u} all points`] = (await json('/v1/metrics/leaderboard?period=all&metric=points', u)).me.value;
    }
    out.system = (await json(`/v1/metrics/system?from=${day}&to=${day}`)).days;
    return out;
  };
  const before = await snapshot();
  // The collection counts on the day it was collected; its credit, like every wallet movement, on the day it was made.
  expect((before[users[0]!] as any[]).find((r) => r.date === day)).toMatchObject({ collections: 1, grams_collected: 4500, money_earned: 0 });
  expect((before[users[0]!] as any[]).reduce((sum, r) => sum + r.money_earned, 0)).toBe(100 + 180); // PET's money goes to the fund
  expect(before[`${users[0]} all points`]).toBe(10 + 45);
  expect([0, 1, 2].map((i) => (before[`${users[i]} week kg`] as any).rank)).toEqual([1, 2, 3]);
  expect(before.system).toEqual([expect.objectContaining({ date: day, collections: 3, active_users: 3, new_users: 3, grams_collected: 4500 + 3500 + 2500 })]);

  const kafka = createKafka(uniqueName('metrics-replay-test'), kafkaBrokers());
  const producer = kafka.producer();
  await producer.connect();
  // Only the metrics-service applies these (the header): the other consumers of the topic skip them.
  const republish = () => producer.send({ topic: Topics.wallet, messages: events.map((e) => ({ key: e.subject, value: JSON.stringify(e), headers: { [REPLAY_FOR_HEADER]: 'metrics-service' } })) });
  try {
    // The same events again, through the consumer: the inbox turns each into a no-op.
    const duplicates = inbox.stats.duplicates;
    await republish();
    await waitFor(() => inbox.stats.duplicates - duplicates >= events.length, 'the replay turned into no-ops', 30_000);
    expect(await snapshot()).toEqual(before);

    // Again, to an inbox that no longer remembers them (a new consumer): the facts are recomputed, not added.
    await metricsDb.query('delete from inbox where event_id = any($1::uuid[])', [ids]);
    const handled = inbox.stats.handled;
    await republish();
    await waitFor(() => inbox.stats.handled - handled >= events.length, 'the replay applied again', 30_000);
    expect(await snapshot()).toEqual(before);
    expect(await factCount()).toBe(events.length);
  } finally {
    await producer.disconnect();
  }
}, 120_000);
