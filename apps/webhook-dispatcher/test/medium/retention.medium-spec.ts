import { uuidv7 } from '@wozamali/contracts';
import { DeliveryWorker } from '../../src/delivery/delivery-worker';
import { RetentionJob } from '../../src/delivery/retention-job';
import { dispatcherConsumer, WebhookDispatcherEnv } from '../../src/config/env';
import { dispatcherEnv, dispatcherPrefix, migrateDispatcher, startDispatcher, type RunningDispatcher } from '../support/dispatcher';
import { api } from '../support/events';

// Retention (WEBHOOK_RETENTION_DAYS, 30 by default): finished deliveries, their attempts and their
// message go once old; anything still owed to a receiver stays, however old.
const prefix = dispatcherPrefix('wretention');
let dispatcher: RunningDispatcher;
let endpoints: string[];

async function message(daysOld: number, statuses: ('pending' | 'failed' | 'delivered' | 'dead')[]): Promise<string> {
  const id = uuidv7();
  await dispatcher.db.query(
    `insert into webhook_messages (id, type, occurred_at, body, created_at) values ($1, 'wallet_update', now() - $2 * interval '1 day', '{}', now() - $2 * interval '1 day')`,
    [id, daysOld],
  );
  for (const [i, status] of statuses.entries()) {
    const [delivery] = (await dispatcher.db.query(
      `insert into webhook_deliveries (event_id, event_type, endpoint_id, priority, status, next_attempt_at, attempt_count, created_at)
       values ($1, 'wallet_update', $2, 0, $3, case when $3 in ('pending', 'failed') then now() + interval '1 hour' end, 2, now() - $4 * interval '1 day')
       returning id`,
      [id, endpoints[i], status, daysOld],
    )) as { id: string }[];
    await dispatcher.db.query(
      `insert into webhook_attempts (delivery_id, attempt_no, attempted_at, status_code, duration_ms)
       select $1, n, now() - $2 * interval '1 day', 500, 10 from generate_series(1, 2) n`,
      [delivery!.id, daysOld],
    );
  }
  return id;
}

async function left(id: string): Promise<{ message: number; deliveries: number; attempts: number }> {
  const [row] = (await dispatcher.db.query(
    `select (select count(*)::int from webhook_messages where id = $1) as message,
            (select count(*)::int from webhook_deliveries where event_id = $1) as deliveries,
            (select count(*)::int from webhook_attempts a join webhook_deliveries d on d.id = a.delivery_id where d.event_id = $1) as attempts`,
    [id],
  )) as { message: number; deliveries: number; attempts: number }[];
  return row!;
}

beforeAll(async () => {
  await migrateDispatcher(prefix);
  // No workers: a delivery an earlier run left pending falls due an hour later and would be sent,
  // fail and go dead, and so become deletable under this run's counts.
  dispatcher = await startDispatcher(dispatcherEnv(prefix, { KAFKA_CONSUMERS_ENABLED: 'false', WEBHOOK_WORKERS_ENABLED: 'false', WEBHOOK_RETENTION_DAYS: '30' }));
  await dispatcher.app.get(DeliveryWorker).stop();
  // This file's own database, kept between runs: start from empty tables.
  await dispatcher.db.query('delete from webhook_messages');
  await dispatcher.db.query('delete from webhook_endpoints');
  await dispatcher.db.query('delete from inbox');
  endpoints = [];
  for (let i = 0; i < 2; i += 1) {
    // Nothing listens there: the workers are stopped and nothing is sent.
    const created = await api(dispatcher.url, 'POST', '/v1/webhooks/endpoints', { url: `http://127.0.0.1:9/hooks/${i}`, events: ['wallet_update'] });
    expect(created.status).toBe(201);
    endpoints.push(created.json.id as string);
  }
});

afterAll(async () => {
  await dispatcher?.close();
});

it('deletes finished deliveries, their attempts and their message past retention, and keeps whatever is still owed or recent', async () => {
  const delivered = await message(40, ['delivered', 'delivered']);
  const dead = await message(31, ['dead']);
  const noEndpoint = await message(45, []);
  const partlyPending = await message(40, ['delivered', 'pending']);
  const failing = await message(60, ['failed']);
  const recent = await message(29, ['delivered', 'dead']);

  const run = await dispatcher.app.get(RetentionJob).runOnce();

  expect(await left(delivered)).toEqual({ message: 0, deliveries: 0, attempts: 0 });
  expect(await left(dead)).toEqual({ message: 0, deliveries: 0, attempts: 0 });
  expect(await left(noEndpoint)).toEqual({ message: 0, deliveries: 0, attempts: 0 });
  expect(await left(partlyPending)).toEqual({ message: 1, deliveries: 2, attempts: 4 });
  expect(await left(failing)).toEqual({ message: 1, deliveries: 1, attempts: 2 });
  expect(await left(recent)).toEqual({ message: 1, deliveries: 2, attempts: 4 });
  expect(run).toEqual({ deliveries: 3, messages: 3 });
  const metrics = await (await fetch(`${dispatcher.url}/metrics`)).text();
  expect(metrics).toMatch(/^webhook_retention_deleted_messages\{[^}]*\} 3$/m);
  expect(metrics).toMatch(/^webhook_retention_deleted_deliveries\{[^}]*\} 3$/m);

  // What was deleted is gone from the API too; what was kept still answers.
  const [kept] = (await dispatcher.db.query('select id from webhook_deliveries where event_id = $1 limit 1', [recent])) as { id: string }[];
  expect((await api(dispatcher.url, 'GET', `/v1/webhooks/deliveries/${kept!.id}`)).status).toBe(200);

  // Once the failing delivery is finished (here: dead), it goes on the next run.
  await dispatcher.db.query(`update webhook_deliveries set status = 'dead', next_attempt_at = null where event_id = $1`, [failing]);
  expect(await dispatcher.app.get(RetentionJob).runOnce()).toEqual({ deliveries: 1, messages: 1 });
  expect(await left(failing)).toEqual({ message: 0, deliveries: 0, attempts: 0 });
  expect(await left(partlyPending)).toEqual({ message: 1, deliveries: 2, attempts: 4 });

  // Its sync status: consumed past retention, the event answers 410 event_expired, not "no endpoints".
  await dispatcher.db.query(`insert into inbox (consumer, event_id, event_type, processed_at) values ($1, $2, 'wallet_update', now() - interval '40 days')`, [dispatcherConsumer(dispatcher.app.get(WebhookDispatcherEnv)), delivered]);
  const expired = await api(dispatcher.url, 'GET', `/v1/webhooks/events/${delivered}`);
  expect([expired.status, expired.type.split(';')[0], expired.json.code]).toEqual([410, 'application/problem+json', 'event_expired']);
  const kept2 = await api(dispatcher.url, 'GET', `/v1/webhooks/events/${partlyPending}`);
  expect([kept2.status, kept2.json.status]).toEqual([200, 'pending']);
});
