import { Topics, uuidv7, type EventEnvelope } from '@wozamali/contracts';
import { createKafka } from '@wozamali/messaging';
import { validateEnv } from '@wozamali/config';
import { buildService } from '@wozamali/platform';
import {
  freePort, kafkaBrokers, openTestDataSource, serviceAuthHeaders, serviceKeyEnv, spawnService, uniqueName, waitFor, type SpawnedService,
} from '@wozamali/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DataSource } from 'typeorm';
import { MetricsServiceEnv } from '../../src/config/env';
import { METRICS_SERVICE } from '../../src/main';
import { ownMetricsDatabase } from './own-database';
import { donationCreate, rewardIssue, topicOf, withdrawalUpdate } from '../factories/events';

// A mixed run on the real wallet-service (its process, its database made by its migrations):
// collections, earns, spends, redemptions, donations and a withdrawal in the ledger; their events
// (the wallet's own, and the other domains' as their services publish them) through Kafka into the
// metrics; then the metrics reconciled with the ledger's transfers of the day.
let wallet: SpawnedService;
let app: NestFastifyApplication;
let url: string;
let walletDb: DataSource;
let metricsDb: DataSource;
const kafka = createKafka(uniqueName('metrics-recon-e2e'), kafkaBrokers());

beforeAll(async () => {
  wallet = await spawnService('wallet-service', await freePort());
  // A metrics database of its own (a deployment of its own): the other files' apps never apply these events first.
  const own = await ownMetricsDatabase('mxrecon');
  metricsDb = own.db;
  const env = validateEnv(MetricsServiceEnv, {
    ...process.env, ...own.env, KAFKA_BROKERS: kafkaBrokers(), LOG_LEVEL: 'warn', ...serviceKeyEnv('metrics-service'),
    // The wallet's side of a day: its report route, on the real wallet process.
    WALLET_SERVICE_URL: wallet.url, METRICS_JOBS_ENABLED: 'false',
  });
  // A group of its own, from the topics' ends: only what happens from here on.
  const groupId = uniqueName(`${env.DB_PREFIX}.metrics-recon`);
  const admin = kafka.admin();
  await admin.connect();
  for (const topic of [Topics.wallet, Topics.rewards, Topics.donations, Topics.withdrawals]) {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
  }
  await admin.disconnect();
  const inbox = METRICS_SERVICE.inbox as (ctx: { app: NestFastifyApplication; env: MetricsServiceEnv }) => object;
  const built = await buildService({ ...METRICS_SERVICE, inbox: (ctx) => ({ ...inbox(ctx), groupId }) }, env);
  app = built.app;
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  walletDb = await openTestDataSource('wallet-service', 2);
}, 120_000);

afterAll(async () => {
  await app?.close();
  await wallet?.stop();
  await walletDb?.destroy();
  await metricsDb?.destroy();
});

const post = async (path: string, body: unknown, caller = 'api-gateway') => {
  const res = await fetch(`${wallet.url}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': uuidv7(), ...(await serviceAuthHeaders('wallet-service', caller)) }, body: JSON.stringify(body),
  });
  const json = (await res.json()) as any;
  if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
};

async function publish(events: EventEnvelope[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (const e of events) await producer.send({ topic: topicOf(e), messages: [{ key: e.subject, value: JSON.stringify(e) }] });
  } finally {
    await producer.disconnect();
  }
}

/** A donation as the donations-service makes it: one multi-leg transfer (money, points, bonus) and its event. */
async function donate(user: string, o: { amount: number; points: number; bonus: number; eventAmount?: number; campaign?: string }): Promise<EventEnvelope> {
  const campaign = o.campaign ?? uuidv7();
  const t = await post('/internal/v1/transfers', {
    kind: 'donate', user_id: user, description: 'donation', legs: [
      { from: { type: 'user', id: user }, to: { type: 'campaign', id: campaign }, asset: 'ZAR', amount: o.amount },
      { from: { type: 'user', id: user }, to: { type: 'campaign', id: campaign }, asset: 'POINTS', amount: o.points },
      { from: { type: 'platform' }, to: { type: 'user', id: user }, asset: 'POINTS', amount: o.bonus },
    ],
  }, 'donations-service');
  const e = donationCreate(user, { at: new Date(t.created_at), amount: o.eventAmount ?? o.amount, points: o.points, campaignId: campaign });
  return { ...e, data: { ...(e.data as object), transfer_id: t.transfer_id, bonus_points: o.bonus } };
}

it('after a mixed run every total equals the ledger\'s, and a day the metrics got wrong is listed, figure by figure', async () => {
  const [a, b] = [uuidv7(), uuidv7()];
  await post('/v1/collections', { user_id: a, materials: [{ material: 'GLASS', kg: '2.5' }, { material: 'PET', kg: '1' }] });
  await post(`/v1/users/${a}/points/earn`, { points: 40, amount: 120, reason: 'recon' });
  await post(`/v1/users/${a}/points/spend`, { points: 5, reason: 'recon' });
  const redeemed = await post('/internal/v1/transfers', { kind: 'redeem', from: { type: 'user', id: a }, to: { type: 'reward_sink', id: 'rewards' }, asset: 'POINTS', amount: 20, description: 'reward' }, 'rewards-service');
  const events: EventEnvelope[] = [rewardIssue(a, { at: new Date(redeemed.created_at), points: 20 })];
  // Not the Green Scholar Fund: the donations tests check its raised money against their own donations.
  events.push(await donate(a, { amount: 100, points: 10, bonus: 1, campaign: uuidv7() }));
  const hold = await post('/internal/v1/holds', { user_id: a, amount: 150, description: 'withdrawal' }, 'withdrawals-service');
  const posted = await post(`/internal/v1/holds/${hold.hold_id}/post`, {}, 'withdrawals-service');
  events.push(withdrawalUpdate(a, { at: new Date(posted.created_at ?? Date.now()), amount: 150, from: 'processing', to: 'completed' }));
  // b's donation event says 250 cents where the ledger moved 200: the metrics are wrong for b.
  await post(`/v1/users/${b}/points/earn`, { points: 30, amount: 500, reason: 'recon' });
  events.push(await donate(b, { amount: 200, points: 0 + 1, bonus: 2, eventAmount: 250 }));
  await publish(events);

  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Johannesburg' }).format(new Date());
  const recon = async () => {
    const res = await fetch(`${url}/v1/metrics/reconciliation?date=${today}`, { headers: await serviceAuthHeaders('metrics-service') });
    const body = (await res.json()) as any;
    if (res.status !== 200) throw new Error(JSON.stringify(body));
    return { ...body, differences: body.differences.filter((d: any) => d.user_id === a || d.user_id === b) };
  };
  const report = await waitFor(async () => {
    const r = await recon();
    return r.differences.every((d: any) => d.user_id === b) && r.differences.length === 1 ? r : null;
  }, 'the metrics of the run to match the ledger (but b\'s donation)', 60_000, 500);
  expect(report).toMatchObject({ date: today, source: 'wallet-api', time_zone: 'Africa/Johannesburg' });
  expect(report.differences).toEqual([{ user_id: b, asset: 'ZAR', figure: 'donated', metrics: 250, ledger: 200 }]);
  // Not vacuous: a's figures are there, on both sides.
  const [row] = await metricsDb.query(
    'select money_earned, points_earned, points_spent, donated_money, donated_points, withdrawn_money, rewards_redeemed, collections from user_metrics where user_id = $1 and date = $2',
    [a, today],
  );
  expect(row).toMatchObject({ donated_money: 100, donated_points: 10, withdrawn_money: 150, rewards_redeemed: 1, collections: 1 });
  expect(Number(row.points_earned)).toBeGreaterThan(40);

  // The last day's differences are a gauge on /metrics.
  const prom = await fetch(`${url}/metrics`).then((r) => r.text());
  expect(prom).toMatch(/^metrics_reconciliation_differences(\{[^}]*\})? \d+$/m);
}, 120_000);

it('a date that does not exist, or none, is 400 problem+json', async () => {
  const bad = await fetch(`${url}/v1/metrics/reconciliation?date=2026-02-30`, { headers: await serviceAuthHeaders('metrics-service') });
  expect([bad.status, bad.headers.get('content-type')?.split(';')[0]]).toEqual([400, 'application/problem+json']);
  const none = await fetch(`${url}/v1/metrics/reconciliation`, { headers: await serviceAuthHeaders('metrics-service') });
  expect(none.status).toBe(400);
});

it('the daily job reconciles yesterday once, and the result is kept', async () => {
  const { ReconciliationService } = await import('../../src/services/reconciliation.service');
  const service = app.get(ReconciliationService);
  const yesterday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Johannesburg' }).format(new Date(Date.now() - 86_400_000));
  const first = await service.runDaily();
  expect(first).toMatchObject({ date: yesterday, source: 'wallet-api' });
  expect(await service.runDaily()).toBeNull();
  expect(await metricsDb.query(`select status, differences from metrics_reconciliations where day = $1`, [yesterday])).toEqual([{ status: 'ok', differences: first!.differences.length }]);
});
