import { uuidv7, type EventEnvelope } from '@wozamali/contracts';
import { metricsUpdateData, waitFor, WebhookReceiver } from '@wozamali/testing';
import { Webhook } from 'standardwebhooks';
import { EventFanoutConsumer } from '../../src/consumers/event-fanout.consumer';
import { DeliveryWorker } from '../../src/delivery/delivery-worker';
import { DeliveryRepository } from '../../src/repositories/delivery.repository';
import { dispatcherEnv, dispatcherPrefix, migrateDispatcher, startDispatcher, type RunningDispatcher } from '../support/dispatcher';
import { api, walletUpdate } from '../support/events';

// Delivery behaviour against the real PostgreSQL and real receivers, without Kafka: events enter
// through the consumer's handler in a transaction, as the inbox would call it. Own database.
const prefix = dispatcherPrefix('wmedium');
let dispatcher: RunningDispatcher;
const receivers: WebhookReceiver[] = [];

function envelope(type: 'wallet_update' | 'metrics_update' = 'wallet_update'): EventEnvelope {
  const user = uuidv7();
  return {
    id: uuidv7(), type, version: 1, source: 'wallet-service', occurred_at: new Date().toISOString(), subject: user, correlation_id: null,
    data: type === 'wallet_update' ? walletUpdate(user, 500) : metricsUpdateData('2026-11-25'),
  } as EventEnvelope;
}

async function publish(app: RunningDispatcher, ...events: EventEnvelope[]): Promise<string[]> {
  const consumer = app.app.get(EventFanoutConsumer);
  for (const e of events) await app.db.transaction((manager) => consumer.fanOut({ envelope: e, manager }));
  return events.map((e) => e.id);
}

async function endpointFor(app: RunningDispatcher, receiver: WebhookReceiver, events = ['wallet_update']): Promise<{ id: string; secret: string }> {
  const url = await receiver.start();
  receivers.push(receiver);
  const created = await api(app.url, 'POST', '/v1/webhooks/endpoints', { url, events });
  receiver.useSecrets(created.json.secret);
  return created.json;
}

async function statusesOf(endpointId: string): Promise<Record<string, number>> {
  const rows = await dispatcher.db.query('select status, count(*)::int as n from webhook_deliveries where endpoint_id = $1 group by status', [endpointId]);
  return Object.fromEntries(rows.map((r: { status: string; n: number }) => [r.status, r.n]));
}

beforeAll(async () => {
  await migrateDispatcher(prefix);
  dispatcher = await startDispatcher(dispatcherEnv(prefix, { KAFKA_CONSUMERS_ENABLED: 'false' }));
  await dispatcher.db.query('delete from webhook_endpoints');
});

afterEach(async () => {
  await dispatcher.db.query('delete from webhook_endpoints');
});

afterAll(async () => {
  await dispatcher?.close();
  await Promise.all(receivers.map((r) => r.stop()));
});

describe('delivery workers', () => {
  it('a 410 disables the endpoint and parks what it has waiting; recover re-enables it and sends everything', async () => {
    const receiver = new WebhookReceiver(() => ({ status: 410 }));
    const endpoint = await endpointFor(dispatcher, receiver);
    const since = new Date(Date.now() - 1000).toISOString();
    const [first] = await publish(dispatcher, envelope());
    await waitFor(async () => !(await api(dispatcher.url, 'GET', `/v1/webhooks/endpoints/${endpoint.id}`)).json.enabled, 'the endpoint disabled');
    expect((await api(dispatcher.url, 'GET', `/v1/webhooks/endpoints/${endpoint.id}`)).json).toMatchObject({ enabled: false, disabled_reason: 'gone' });
    // Events for a disabled endpoint are kept (parked), not sent and not dropped.
    const later = await publish(dispatcher, envelope(), envelope());
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.requests).toHaveLength(1);
    expect(await statusesOf(endpoint.id)).toEqual({ failed: 3 });
    expect((await api(dispatcher.url, 'POST', `/v1/webhooks/deliveries/${(await dispatcher.db.query('select id from webhook_deliveries where event_id = $1', [first]))[0].id}/retry`)).json.code).toBe('endpoint_disabled');
    const ops = await dispatcher.db.query(`select payload->'data'->>'reason' as reason from outbox where type = 'webhook_delivery_failed' and payload->'data'->>'endpoint_id' = $1`, [endpoint.id]);
    expect(ops).toEqual([{ reason: 'endpoint_disabled:gone' }]);

    receiver.behaviour = () => ({ status: 200 });
    const recovered = await api(dispatcher.url, 'POST', `/v1/webhooks/endpoints/${endpoint.id}/recover`, { since });
    expect(recovered.json.requeued).toBe(3);
    await waitFor(() => [first!, ...later].every((id) => receiver.accepted.has(id)), 'the parked deliveries sent after recover');
    expect((await api(dispatcher.url, 'GET', `/v1/webhooks/endpoints/${endpoint.id}`)).json.enabled).toBe(true);
  });

  it('a 429 with Retry-After is retried after the time the receiver asked for', async () => {
    const receiver = new WebhookReceiver(({ attempt }) => (attempt === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 }));
    const endpoint = await endpointFor(dispatcher, receiver);
    const [id] = await publish(dispatcher, envelope());
    await waitFor(() => receiver.accepted.get(id!), 'the retried delivery', 10_000);
    const detail = await waitFor(async () => {
      const rows = await dispatcher.db.query(
        `select a.attempt_no, a.status_code, a.attempted_at from webhook_attempts a join webhook_deliveries d on d.id = a.delivery_id where d.endpoint_id = $1 order by a.attempt_no`,
        [endpoint.id],
      );
      return rows.length === 2 ? rows : null;
    }, 'both attempts logged');
    expect(detail.map((a: { status_code: number }) => a.status_code)).toEqual([429, 200]);
    // The test schedule would have retried after ~100 ms; the receiver asked for 2 s.
    expect(detail[1].attempted_at.getTime() - detail[0].attempted_at.getTime()).toBeGreaterThanOrEqual(1900);
  });

  it('after rotate-secret both secrets sign until the grace period ends: receivers holding either verify', async () => {
    const onOld = new WebhookReceiver();
    const endpoint = await endpointFor(dispatcher, onOld);
    const rotated = await api(dispatcher.url, 'POST', `/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.json.secret).toMatch(/^whsec_/);
    expect(rotated.json.secret).not.toBe(endpoint.secret);
    expect(Date.parse(rotated.json.previous_secret_expires_at) - Date.now()).toBeGreaterThan(23 * 3600_000);
    expect((await api(dispatcher.url, 'GET', `/v1/webhooks/endpoints/${endpoint.id}/secret`)).json.secret).toBe(rotated.json.secret);

    const [id] = await publish(dispatcher, envelope());
    const got = await waitFor(() => onOld.accepted.get(id!), 'the event signed with both secrets');
    const signatures = String(got.headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    // A receiver that already moved to the new secret verifies the same request.
    const body = JSON.stringify(got.body);
    expect(() => new Webhook(rotated.json.secret).verify(body, got.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(endpoint.secret).verify(body, got.headers as Record<string, string>)).not.toThrow();

    // Once the grace period is over only the new secret signs.
    await dispatcher.db.query(`update webhook_endpoint_secrets set expires_at = now() - interval '1 second' where endpoint_id = $1 and expires_at is not null`, [endpoint.id]);
    await dispatcher.db.query('update webhook_endpoints set secrets_version = secrets_version + 1 where id = $1', [endpoint.id]);
    onOld.useSecrets(rotated.json.secret);
    const [next] = await publish(dispatcher, envelope());
    const after = await waitFor(() => onOld.accepted.get(next!), 'the event signed with the new secret only');
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
  });

  it('secrets are stored encrypted, never in the clear', async () => {
    const endpoint = await endpointFor(dispatcher, new WebhookReceiver());
    const [row] = await dispatcher.db.query('select ciphertext from webhook_endpoint_secrets where endpoint_id = $1', [endpoint.id]);
    expect(row.ciphertext.toString('latin1')).not.toContain(endpoint.secret.slice(6, 26));
    expect(row.ciphertext.toString('base64')).not.toContain(endpoint.secret.slice(6, 26));
  });

  it('an endpoint failing with no success for longer than allowed (5 days) is disabled and an operational event says so', async () => {
    const receiver = new WebhookReceiver(() => ({ status: 500 }));
    const endpoint = await endpointFor(dispatcher, receiver);
    const [id] = await publish(dispatcher, envelope());
    await waitFor(async () => (await dispatcher.db.query('select failing_since from webhook_endpoints where id = $1', [endpoint.id]))[0].failing_since, 'failing_since set');
    await dispatcher.db.query(`update webhook_endpoints set failing_since = now() - interval '5 days 1 minute' where id = $1`, [endpoint.id]);
    await waitFor(async () => !(await api(dispatcher.url, 'GET', `/v1/webhooks/endpoints/${endpoint.id}`)).json.enabled, 'the endpoint disabled');
    expect((await api(dispatcher.url, 'GET', `/v1/webhooks/endpoints/${endpoint.id}`)).json.disabled_reason).toBe('failing');
    const ops = await dispatcher.db.query(`select payload->'data' as data from outbox where type = 'webhook_delivery_failed' and payload->'data'->>'endpoint_id' = $1`, [endpoint.id]);
    expect(ops).toEqual([{ data: expect.objectContaining({ event_id: id, reason: 'endpoint_disabled:failing' }) }]);
    expect(receiver.accepted.size).toBe(0);
  });

  it('two workers on one database never send the same delivery twice (for update skip locked)', async () => {
    const second = await startDispatcher(dispatcherEnv(prefix, { KAFKA_CONSUMERS_ENABLED: 'false', WEBHOOK_CLAIM_BATCH: '7' }));
    try {
      const receiver = new WebhookReceiver();
      await endpointFor(dispatcher, receiver, ['wallet_update', 'metrics_update']);
      const events = Array.from({ length: 150 }, (_, i) => envelope(i % 3 === 0 ? 'metrics_update' : 'wallet_update'));
      const consumer = dispatcher.app.get(EventFanoutConsumer);
      await dispatcher.db.transaction(async (manager) => {
        for (const e of events) await consumer.fanOut({ envelope: e, manager });
      });
      await waitFor(() => receiver.accepted.size === 150, 'all 150 delivered', 20_000);
      expect(receiver.duplicates).toBe(0);
      expect(receiver.requests).toHaveLength(150);
    } finally {
      await second.close();
    }
  });

  it('money events are claimed before metrics events that were due at the same time, and released claims are sent at once', async () => {
    const worker = dispatcher.app.get(DeliveryWorker);
    await worker.stop();
    try {
      const receiver = new WebhookReceiver();
      await endpointFor(dispatcher, receiver, ['wallet_update', 'metrics_update']);
      const events = Array.from({ length: 30 }, (_, i) => envelope(i % 2 === 0 ? 'metrics_update' : 'wallet_update'));
      const consumer = dispatcher.app.get(EventFanoutConsumer);
      await dispatcher.db.transaction(async (manager) => {
        for (const e of events) await consumer.fanOut({ envelope: e, manager });
      });
      const repo = dispatcher.app.get(DeliveryRepository);
      const claimed = await repo.claimDue(15, 60_000, []);
      expect(claimed.map((c) => c.event_type)).toEqual(Array(15).fill('wallet_update'));
      // Claimed (leased for a minute) rows are not claimed again...
      const rest = await repo.claimDue(100, 60_000, []);
      expect(rest.map((c) => c.event_type)).toEqual(Array(15).fill('metrics_update'));
      // ...until they are released.
      await repo.release([...claimed, ...rest].map((c) => c.claim_id));
      worker.start();
      await waitFor(() => receiver.accepted.size === 30, 'all 30 sent after the release');
    } finally {
      worker.start();
    }
  });

  it('while an endpoint is down its circuit breaker makes deliveries wait without spending attempts: none dies, all arrive', async () => {
    await dispatcher.app.get(DeliveryWorker).stop();
    // Three attempts within ~0.4 s: without the breaker's wait, a 1.5 s outage would kill them all.
    const guarded = await startDispatcher(dispatcherEnv(prefix, {
      KAFKA_CONSUMERS_ENABLED: 'false', WEBHOOK_RETRY_SCHEDULE: '200ms,200ms', WEBHOOK_RETRY_JITTER: '0',
      WEBHOOK_BREAKER_VOLUME_THRESHOLD: '5', WEBHOOK_BREAKER_RESET_MS: '1000',
    }));
    try {
      const downUntil = Date.now() + 1500;
      const receiver = new WebhookReceiver(() => ({ status: Date.now() < downUntil ? 503 : 200 }));
      const endpoint = await endpointFor(guarded, receiver);
      const ids = await publish(guarded, ...Array.from({ length: 10 }, () => envelope()));
      await waitFor(async () => (await statusesOf(endpoint.id)).delivered === 10, 'all ten delivered', 20_000);
      expect(ids.every((id) => receiver.accepted.has(id))).toBe(true);
      const attempts = await guarded.db.query('select attempt_count from webhook_deliveries where endpoint_id = $1', [endpoint.id]);
      expect(attempts.every((a: { attempt_count: number }) => a.attempt_count <= 3)).toBe(true);
    } finally {
      await guarded.close();
      dispatcher.app.get(DeliveryWorker).start();
    }
  });

  it('a slow endpoint cannot take every delivery slot: a fast endpoint is served meanwhile', async () => {
    await dispatcher.app.get(DeliveryWorker).stop();
    const small = await startDispatcher(dispatcherEnv(prefix, { KAFKA_CONSUMERS_ENABLED: 'false', WEBHOOK_CONCURRENCY: '8', WEBHOOK_MAX_SOCKETS_PER_HOST: '2' }));
    try {
      const slow = new WebhookReceiver(() => ({ status: 200, delayMs: 3000 }));
      const fast = new WebhookReceiver();
      await endpointFor(small, slow);
      await endpointFor(small, fast);
      const ids = await publish(small, ...Array.from({ length: 24 }, () => envelope()));
      const started = Date.now();
      await waitFor(() => ids.every((id) => fast.accepted.has(id)), 'the fast endpoint served', 20_000);
      // At most 2 of the 8 slots go to the slow endpoint, so the fast one is not stuck behind it.
      expect(Date.now() - started).toBeLessThan(2500);
      expect(slow.accepted.size).toBeLessThan(24);
    } finally {
      await small.close();
      dispatcher.app.get(DeliveryWorker).start();
    }
  });
});
