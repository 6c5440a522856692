import { GREEN_SCHOLAR_FUND_CAMPAIGN_ID, Topics, uuidv7, type EventEnvelope } from '@wozamali/contracts';
import { createKafka, type KafkaInboxServer } from '@wozamali/messaging';
import { validateEnv } from '@wozamali/config';
import { buildService } from '@wozamali/platform';
import { kafkaBrokers, serviceAuthHeaders, serviceKeyEnv, uniqueName, waitFor } from '@wozamali/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DataSource } from 'typeorm';
import { MetricsServiceEnv } from '../../src/config/env';
import { METRICS_SERVICE } from '../../src/main';
import { ownMetricsDatabase } from './own-database';
import { collectionRecorded, donationCreate, donationRefunded, rewardIssue, topicOf, walletUpdate, withdrawalUpdate } from '../factories/events';

// Every domain's events published to their real Kafka topics and consumed by the metrics-service;
// then the topics consumed again by new consumer groups, from where these events start: once with
// the inbox remembering them (no-ops), once with the inbox rows gone (recomputed from the facts).
const TOPICS = [Topics.wallet, Topics.rewards, Topics.donations, Topics.withdrawals];
let db: DataSource;
const kafka = createKafka(uniqueName('metrics-domains-e2e'), kafkaBrokers());
let env: MetricsServiceEnv;

type Offsets = Map<string, { partition: number; offset: string }[]>;

async function topicEnds(): Promise<Offsets> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const out: Offsets = new Map();
    for (const topic of TOPICS) out.set(topic, (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high })));
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** A metrics-service of its own consumer group, starting at `offsets` (a new group reading the topics again). */
async function startMetrics(offsets: Offsets): Promise<{ app: NestFastifyApplication; inbox: KafkaInboxServer; url: string }> {
  const groupId = uniqueName(`${env.DB_PREFIX}.metrics-replay`);
  const admin = kafka.admin();
  await admin.connect();
  for (const [topic, partitions] of offsets) await admin.setOffsets({ groupId, topic, partitions });
  await admin.disconnect();
  const inboxOptions = METRICS_SERVICE.inbox as (ctx: { app: NestFastifyApplication; env: MetricsServiceEnv }) => object;
  const built = await buildService({ ...METRICS_SERVICE, inbox: (ctx) => ({ ...inboxOptions(ctx), groupId }) }, env);
  await built.app.startAllMicroservices();
  await built.app.listen(0, '127.0.0.1');
  return { app: built.app, inbox: built.inbox!, url: `http://127.0.0.1:${(built.app.getHttpServer().address() as { port: number }).port}` };
}

beforeAll(async () => {
  // A database of its own (a deployment of its own): the other files' apps never apply these events first.
  const own = await ownMetricsDatabase('mxreplay');
  db = own.db;
  env = validateEnv(MetricsServiceEnv, { ...process.env, ...own.env, KAFKA_BROKERS: kafkaBrokers(), LOG_LEVEL: 'warn', METRICS_JOBS_ENABLED: 'false', ...serviceKeyEnv('metrics-service') });
}, 60_000);

afterAll(async () => {
  await db?.destroy();
});

it('consuming every domain topic again from the beginning (new consumer groups) changes no figure and no rank', async () => {
  const start = await topicEnds();
  const first = await startMetrics(start);
  const replays: { app: NestFastifyApplication }[] = [first];
  try {
    // A week of its own (2017), so ranks can move for no other reason.
    const day = new Date(Date.UTC(2017, Math.floor(Math.random() * 11), 1 + Math.floor(Math.random() * 27), 9));
    const d = day.toISOString().slice(0, 10);
    const at = (h: number) => new Date(day.getTime() + h * 3_600_000);
    const users = [uuidv7(), uuidv7(), uuidv7()];
    const events: EventEnvelope[] = users.flatMap((u, i) => [
      collectionRecorded(u, { collectedAt: at(0), lines: [{ material: 'PET', grams: 1000 * (3 - i) }], fund: 10 }),
      walletUpdate(u, { points: 10 * (3 - i), money: 100, kind: 'collection', at: at(0) }),
      rewardIssue(u, { at: at(1) }),
      walletUpdate(u, { points: -5, kind: 'redeem', at: at(1) }),
      donationCreate(u, { at: at(2), amount: 200 + i, points: 2, campaignId: i === 0 ? GREEN_SCHOLAR_FUND_CAMPAIGN_ID : uuidv7(), anonymous: i === 2 }),
      withdrawalUpdate(u, { at: at(3), amount: 5000, from: 'processing', to: 'completed' }),
    ]);
    events.push(donationRefunded(users[1]!, { at: at(4), amount: 201, points: 2 }));
    const producer = kafka.producer();
    await producer.connect();
    try {
      for (const topic of TOPICS) {
        const mine = events.filter((e) => topicOf(e) === topic);
        await producer.send({ topic, messages: mine.map((e) => ({ key: e.subject, value: JSON.stringify(e) })) });
      }
    } finally {
      await producer.disconnect();
    }
    const ids = events.map((e) => e.id);
    const factCount = async () => Number((await db.query('select count(*)::int as n from metric_facts where event_id = any($1::uuid[])', [ids]))[0].n);
    await waitFor(async () => (await factCount()) === events.length, 'every event of the users in the metrics', 60_000);

    const json = async (url: string, path: string, user?: string) =>
      fetch(`${url}${path}`, { headers: await serviceAuthHeaders('metrics-service', 'api-gateway', user ? { type: 'user', userId: user, role: 'resident' } : null) }).then((r) => r.json() as Promise<any>);
    const snapshot = async (url: string) => {
      const out: Record<string, unknown> = {};
      for (const u of users) {
        out[u] = (await json(url, `/v1/users/${u}/metrics?from=${d}&to=${d}`, u)).days;
        for (const metric of ['kg', 'points', 'co2']) out[`${u} ${metric}`] = (await json(url, `/v1/metrics/leaderboard?period=week&metric=${metric}&date=${d}`, u)).me;
      }
      out.system = (await json(url, `/v1/metrics/system?from=${d}&to=${d}`)).days;
      return out;
    };
    const before = await snapshot(first.url);
    expect(before.system).toEqual([expect.objectContaining({
      collections: 3, grams_collected: 6000, rewards_redeemed: 3, donated_money: 200 + 201 + 202 - 201, donated_points: 6 - 2,
      withdrawn_money: 15_000, fund_amount: 30 + 200, points_spent: 15, active_users: 3, new_users: 3,
    })]);
    expect(users.map((u) => (before[`${u} kg`] as any).rank)).toEqual([1, 2, 3]);
    expect(before[users[2]!]).toEqual([expect.objectContaining({ donated_money: 202, withdrawn_money: 5000, rewards_redeemed: 1 })]);

    // A new group reading the topics again while the inbox remembers the events: every one a no-op.
    const again = await startMetrics(start);
    replays.push(again);
    await waitFor(() => again.inbox.stats.duplicates >= events.length, 'the replay turned into no-ops', 60_000);
    expect(await snapshot(again.url)).toEqual(before);

    // Another new group, the inbox rows gone (a new deployment's inbox): recomputed from facts, not added.
    await db.query('delete from inbox where event_id = any($1::uuid[])', [ids]);
    const fresh = await startMetrics(start);
    replays.push(fresh);
    await waitFor(async () => Number((await db.query('select count(*)::int as n from inbox where event_id = any($1::uuid[])', [ids]))[0].n) === events.length, 'the replay applied again', 60_000);
    expect(await snapshot(fresh.url)).toEqual(before);
    expect(await factCount()).toBe(events.length);
  } finally {
    for (const r of replays) await r.app.close();
  }
}, 240_000);
