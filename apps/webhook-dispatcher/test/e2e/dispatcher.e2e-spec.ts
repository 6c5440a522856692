import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { kafkaBrokers, metricsUpdateData, ROOT, serverUrl, serviceKeyEnv, waitFor, WebhookReceiver } from '@wozamali/testing';
import { Topics, uuidv7 } from '@wozamali/contracts';
import { dispatcherEnv, dispatcherPrefix, migrateDispatcher, openDispatcherDb, startDispatcher, TEST_ENV, type RunningDispatcher } from '../support/dispatcher';
import { api, WalletSide } from '../support/events';
import { DeliveryWorker } from '../../src/delivery/delivery-worker';

// The only test file that consumes Kafka: it runs the dispatcher under the real consumer group,
// against its own database, between the wallet's real outbox and real HTTP receivers.
const prefix = dispatcherPrefix('');
let wallet: WalletSide;
let dispatcher: RunningDispatcher;
const receivers: WebhookReceiver[] = [];

async function receiverFor(events: string[], receiver = new WebhookReceiver()): Promise<{ receiver: WebhookReceiver; endpoint: { id: string; secret: string } }> {
  const url = await receiver.start();
  receivers.push(receiver);
  const created = await api(dispatcher.url, 'POST', '/v1/webhooks/endpoints', { url, events, description: 'e2e receiver' });
  expect(created.status).toBe(201);
  receiver.useSecrets(created.json.secret);
  return { receiver, endpoint: created.json };
}

beforeAll(async () => {
  await migrateDispatcher(prefix);
  await cleanSlate();
  wallet = await WalletSide.start();
  dispatcher = await startDispatcher(dispatcherEnv(prefix));
  await wallet.untilConsumedBy(dispatcher.db);
});

// Each test starts with no endpoints (this file owns its database), so events of one test do not
// fan out to the receivers of another.
async function cleanSlate(): Promise<void> {
  const ds = await openDispatcherDb(prefix);
  await ds.query('delete from webhook_endpoints');
  await ds.query('delete from external_services');
  await ds.destroy();
}

afterEach(async () => {
  await dispatcher?.db.query('delete from webhook_endpoints');
});

afterAll(async () => {
  await dispatcher?.close();
  await wallet?.stop();
  await Promise.all(receivers.map((r) => r.stop()));
});

describe('webhook-dispatcher end to end', () => {
  it('a wallet credit committed through the outbox reaches a receiver that verifies it with standardwebhooks, and its sync status reads delivered', async () => {
    const { receiver, endpoint } = await receiverFor(['wallet_update']);
    const eventId = await wallet.credit(250);

    const got = await waitFor(() => receiver.accepted.get(eventId), 'the event at the receiver', 30_000);
    expect(got.headers['webhook-id']).toBe(eventId);
    expect(got.body).toMatchObject({ id: eventId, type: 'wallet_update', data: { balance_change: 250, currency: 'ZAR' } });
    expect(Object.keys(got.body)).toEqual(['id', 'type', 'timestamp', 'data']);
    expect(Math.abs(Number(got.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);

    const status = await waitFor(async () => {
      const res = await api(dispatcher.url, 'GET', `/v1/webhooks/events/${eventId}`);
      return res.json?.status === 'delivered' ? res : null;
    }, 'the sync status to read delivered');
    expect(status.json.deliveries).toEqual([expect.objectContaining({ endpoint_id: endpoint.id, status: 'delivered', attempt_count: 1 })]);
    const detail = await api(dispatcher.url, 'GET', `/v1/webhooks/deliveries/${status.json.deliveries[0].delivery_id}`);
    expect(detail.json.attempts).toEqual([expect.objectContaining({ attempt: 1, status_code: 200, response_snippet: 'ok', error: null })]);
    // Consumed from Kafka, it was claimed by the fan-out's own statement and sent on commit.
    expect(dispatcher.app.get(DeliveryWorker).stats.direct).toBeGreaterThanOrEqual(1);

    // The same event consumed again (a redelivery by Kafka) creates no second delivery.
    const raw = JSON.stringify((await wallet.db.query('select payload from outbox where id = $1', [eventId]))[0].payload);
    expect(await dispatcher.inbox!.handleMessage({ topic: Topics.wallet, partition: 0, message: { key: null, value: Buffer.from(raw), offset: '0', timestamp: '0', attributes: 0, headers: {} } })).toBe('duplicate');
    expect(await dispatcher.db.query('select count(*)::int as n from webhook_deliveries where event_id = $1', [eventId])).toEqual([{ n: 1 }]);
    expect(receiver.duplicates).toBe(0);

    // An event no endpoint subscribes to is consumed all the same; its sync status says so.
    const unwanted = { id: uuidv7(), type: 'metrics_update', version: 1, source: 'metrics-service', occurred_at: new Date().toISOString(), subject: null, correlation_id: null, data: metricsUpdateData('2026-11-25') };
    expect(await dispatcher.inbox!.handleMessage({ topic: Topics.metrics, partition: 0, message: { key: null, value: Buffer.from(JSON.stringify(unwanted)), offset: '0', timestamp: '0', attributes: 0, headers: {} } })).toBe('handled');
    const none = await api(dispatcher.url, 'GET', `/v1/webhooks/events/${unwanted.id}`);
    expect([none.status, none.json]).toEqual([200, expect.objectContaining({ event_id: unwanted.id, type: 'metrics_update', status: 'no_endpoints', deliveries: [] })]);
  });

  it('forwards an event whatever the data fields it does not read: an earlier build\'s wallet_update without a wallet id is delivered, not dead-lettered', async () => {
    const { receiver } = await receiverFor(['wallet_update']);
    const user = uuidv7();
    const old = {
      id: uuidv7(), type: 'wallet_update', version: 1, source: 'wallet-service', occurred_at: new Date().toISOString(), subject: user, correlation_id: null,
      data: { user_id: user, wallet_id: null, transfer_id: uuidv7(), kind: 'earn', currency: 'ZAR', balance_change: 0, points_change: 25, description: 'points only', new_balance: 0, new_points: 25, held: 0 },
    };
    const deadBefore = dispatcher.inbox!.stats.deadLettered;
    expect(await dispatcher.inbox!.handleMessage({ topic: Topics.wallet, partition: 0, message: { key: Buffer.from(user), value: Buffer.from(JSON.stringify(old)), offset: '0', timestamp: '0', attributes: 0, headers: {} } })).toBe('handled');
    const got = await waitFor(() => receiver.accepted.get(old.id), 'the old event at the receiver', 30_000);
    expect(got.body).toMatchObject({ id: old.id, type: 'wallet_update', data: { points_change: 25, wallet_id: null } });
    expect(dispatcher.inbox!.stats.deadLettered).toBe(deadBefore);
  });

  it('each event goes only to the endpoints subscribed to its type, with its priority (money 0, points 1)', async () => {
    const money = await receiverFor(['wallet_update']);
    const points = await receiverFor(['points_update', 'wallet_update']);
    const credit = await wallet.credit(100);
    const pts = await wallet.pointsUpdate(40);
    await waitFor(() => points.receiver.accepted.has(credit) && points.receiver.accepted.has(pts) && money.receiver.accepted.has(credit), 'both receivers served');
    expect(money.receiver.accepted.has(pts)).toBe(false);
    const rows = await dispatcher.db.query('select event_type, priority from webhook_deliveries where event_id = any($1::uuid[]) order by priority, event_type', [[credit, pts]]);
    expect(rows).toEqual([
      { event_type: 'wallet_update', priority: 0 }, { event_type: 'wallet_update', priority: 0 }, { event_type: 'points_update', priority: 1 },
    ]);
  });

  it('a receiver failing with 500 for a while then recovering gets every event exactly once after dedupe by webhook-id, every attempt logged', async () => {
    // Each event fails twice, then succeeds: three attempts, within the four the test schedule allows.
    const { receiver, endpoint } = await receiverFor(['wallet_update'], new WebhookReceiver(({ attempt }) => ({ status: attempt <= 2 ? 500 : 204 })));
    const ids: string[] = [];
    for (let i = 1; i <= 10; i += 1) ids.push(await wallet.credit(i * 10));

    // The wallet topic is shared with the other suites running meanwhile: their wallet_update events
    // reach this endpoint too, so only this test's own events are counted.
    await waitFor(() => ids.every((id) => receiver.accepted.has(id)), 'all ten events accepted', 40_000);
    expect(receiver.requests.filter((r) => r.status === 500 && ids.includes(r.id)).length).toBe(20);
    expect(receiver.requests.filter((r) => ids.includes(r.id)).length).toBe(30);

    const own = await waitFor(async () => {
      const res = await api(dispatcher.url, 'GET', `/v1/webhooks/endpoints/${endpoint.id}/deliveries?status=delivered&limit=250`);
      const mine = (res.json.data as { id: string; event_id: string }[]).filter((d) => ids.includes(d.event_id));
      return mine.length === 10 ? mine : null;
    }, 'ten deliveries delivered');
    for (const d of own) {
      const detail = await api(dispatcher.url, 'GET', `/v1/webhooks/deliveries/${d.id}`);
      expect(detail.json.attempts.map((a: { attempt: number; status_code: number }) => [a.attempt, a.status_code])).toEqual([[1, 500], [2, 500], [3, 204]]);
      expect(detail.json.attempts[0].response_snippet).toBe('failing with 500');
      expect(detail.json.attempts.every((a: { duration_ms: number }) => a.duration_ms >= 0)).toBe(true);
    }
  });

  it('with a shrunk schedule a permanently failing receiver ends dead, and recover delivers the backlog once it is back', async () => {
    const { receiver, endpoint } = await receiverFor(['wallet_update'], new WebhookReceiver(() => ({ status: 500 })));
    const since = new Date(Date.now() - 1000).toISOString();
    const ids = [await wallet.credit(1), await wallet.credit(2), await wallet.credit(3)];

    // Other suites' wallet_update events reach this endpoint too (a shared topic): only this test's
    // own three are counted.
    await waitFor(async () => {
      const res = await api(dispatcher.url, 'GET', `/v1/webhooks/endpoints/${endpoint.id}/deliveries?status=dead&limit=250`);
      return (res.json.data as { event_id: string }[]).filter((d) => ids.includes(d.event_id)).length === 3;
    }, 'three dead deliveries', 30_000);
    expect(receiver.accepted.size).toBe(0);
    const status = await api(dispatcher.url, 'GET', `/v1/webhooks/events/${ids[0]}`);
    expect(status.json).toMatchObject({ status: 'dead', deliveries: [expect.objectContaining({ status: 'dead', attempt_count: 4, next_attempt_at: null })] });
    // An operational event says so, through the dispatcher's own outbox.
    const ops = await dispatcher.db.query(
      `select count(*)::int as n from outbox where type = 'webhook_delivery_failed' and payload->'data'->>'endpoint_id' = $1 and payload->'data'->>'event_id' = any($2::text[])`,
      [endpoint.id, ids],
    );
    expect(ops).toEqual([{ n: 3 }]);

    receiver.behaviour = () => ({ status: 200 });
    const recovered = await api(dispatcher.url, 'POST', `/v1/webhooks/endpoints/${endpoint.id}/recover`, { since });
    expect(recovered.status).toBe(202);
    expect(recovered.json.requeued).toBeGreaterThanOrEqual(3); // this test's three, and any foreign event failing meanwhile
    await waitFor(() => ids.every((id) => receiver.accepted.has(id)), 'the backlog delivered after recover');
    for (const id of ids) {
      const after = await waitFor(async () => {
        const res = await api(dispatcher.url, 'GET', `/v1/webhooks/events/${id}`);
        return res.json.status === 'delivered' ? res : null;
      }, 'delivered after recover');
      expect(after.json.deliveries).toEqual([expect.objectContaining({ endpoint_id: endpoint.id, status: 'delivered', attempt_count: 5 })]);
    }
  });

  it('bad input is refused with problem+json and a stable code, and nothing is written', async () => {
    const count = async () => (await dispatcher.db.query('select (select count(*) from webhook_endpoints)::int as e, (select count(*) from external_services)::int as s'))[0];
    const before = await count();
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/v1/webhooks/endpoints', { url: 'not a url', events: ['wallet_update'] }, 400, 'validation_failed'],
      ['POST', '/v1/webhooks/endpoints', { url: 'https://hooks.example.com/x', events: ['no_such_event'] }, 400, 'validation_failed'],
      ['POST', '/v1/webhooks/endpoints', { url: 'https://hooks.example.com/x', events: [] }, 400, 'validation_failed'],
      ['POST', '/v1/webhooks/endpoints', { url: 'https://hooks.example.com/x', events: ['wallet_update'], admin: true }, 400, 'validation_failed'],
      ['POST', '/v1/webhooks/endpoints', { url: 'http://10.0.0.7/hook', events: ['wallet_update'] }, 422, 'url_not_allowed'],
      ['POST', '/v1/webhooks/endpoints', { url: 'http://169.254.169.254/latest', events: ['wallet_update'] }, 422, 'url_not_allowed'],
      ['POST', '/v1/webhooks/endpoints', { url: 'https://hooks.example.com/x', events: ['wallet_update'], service_id: '01936f4e-0000-7000-8000-000000000000' }, 404, 'service_not_found'],
      ['POST', '/v1/webhooks/endpoints', '{"url": ', 400, 'malformed_request'],
      ['GET', '/v1/webhooks/endpoints/not-a-uuid', undefined, 400, 'malformed_request'],
      ['GET', '/v1/webhooks/endpoints/01936f4e-0000-7000-8000-000000000000', undefined, 404, 'endpoint_not_found'],
      ['GET', '/v1/webhooks/deliveries/01936f4e-0000-7000-8000-000000000000', undefined, 404, 'delivery_not_found'],
      ['GET', '/v1/webhooks/events/01936f4e-0000-7000-8000-000000000000', undefined, 404, 'event_not_found'],
      ['POST', '/v1/webhooks/endpoints/01936f4e-0000-7000-8000-000000000000/recover', { since: 'yesterday' }, 400, 'validation_failed'],
      ['POST', '/v1/external/services', { type: 'payment', base_url: 'https://pay.example.com' }, 400, 'validation_failed'],
      ['POST', '/v1/external/services', { name: 'Pay', type: 'bank', base_url: 'https://pay.example.com' }, 400, 'validation_failed'],
      ['POST', '/v1/external/services/01936f4e-0000-7000-8000-000000000000/heartbeat', undefined, 404, 'service_not_found'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const res = await api(dispatcher.url, method, path, body);
      expect([method, path, res.status, res.json?.code]).toEqual([method, path, status, code]);
      expect(res.type).toContain('application/problem+json');
      expect(res.json).toMatchObject({ type: expect.any(String), title: expect.any(String), status });
    }
    // Bad input on an endpoint that exists.
    const { endpoint } = await receiverFor(['wallet_update']);
    const id = endpoint.id;
    expect((await api(dispatcher.url, 'GET', `/v1/webhooks/endpoints/${id}/deliveries?status=bogus`)).json.code).toBe('validation_failed');
    expect((await api(dispatcher.url, 'PATCH', `/v1/webhooks/endpoints/${id}`, { url: 'http://10.1.1.1/x' })).json.code).toBe('url_not_allowed');
    expect((await count()).s).toBe(before.s);
    expect((await count()).e).toBe(before.e + 1);
  });

  it('external services register, heartbeat and report health as the seed says; names are unique', async () => {
    const name = `Pay-${Date.now()}`;
    const created = await api(dispatcher.url, 'POST', '/v1/external/services', { name, type: 'payment', base_url: 'https://pay.example.com' });
    expect(created).toMatchObject({ status: 201, json: { name, health_status: 'unhealthy', last_heartbeat_at: null } });
    expect((await api(dispatcher.url, 'POST', '/v1/external/services', { name, type: 'payment', base_url: 'https://pay.example.com' })).json.code).toBe('service_name_taken');
    const beat = await api(dispatcher.url, 'POST', `/v1/external/services/${created.json.id}/heartbeat`);
    expect(beat).toMatchObject({ status: 200, json: { health_status: 'healthy' } });
    await dispatcher.db.query(`update external_services set last_heartbeat_at = now() - interval '30 minutes' where id = $1`, [created.json.id]);
    let health = await api(dispatcher.url, 'GET', '/v1/external/services/health');
    expect(health.json.data.find((s: { id: string }) => s.id === created.json.id).health_status).toBe('warning');
    await dispatcher.db.query(`update external_services set last_heartbeat_at = now() - interval '2 hours' where id = $1`, [created.json.id]);
    health = await api(dispatcher.url, 'GET', '/v1/external/services/health');
    expect(health.json.data.find((s: { id: string }) => s.id === created.json.id).health_status).toBe('unhealthy');

    // A service with a health_url is probed; a 2xx counts as a heartbeat.
    const probe = createServer((_req, res) => res.end('up'));
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const probeUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/health`;
    const probed = await api(dispatcher.url, 'POST', '/v1/external/services', { name: `${name}-probed`, type: 'analytics', base_url: 'https://analytics.example.com', health_url: probeUrl });
    await waitFor(async () => (await api(dispatcher.url, 'GET', `/v1/external/services/${probed.json.id}`)).json.health_status === 'healthy', 'the probe to record a heartbeat', 15_000);
    // PATCH without health_url keeps it; health_url: null stops the probing; a bad URL changes nothing.
    expect((await api(dispatcher.url, 'PATCH', `/v1/external/services/${probed.json.id}`, { type: 'payment' })).json).toMatchObject({ type: 'payment', health_url: probeUrl });
    expect((await api(dispatcher.url, 'PATCH', `/v1/external/services/${probed.json.id}`, { health_url: 'not a url' })).status).toBe(400);
    expect((await api(dispatcher.url, 'PATCH', `/v1/external/services/${probed.json.id}`, { health_url: null })).json).toMatchObject({ type: 'payment', health_url: null });
    expect((await api(dispatcher.url, 'DELETE', `/v1/external/services/${probed.json.id}`)).status).toBe(204);
    expect((await api(dispatcher.url, 'GET', `/v1/external/services/${probed.json.id}`)).status).toBe(404);
    probe.closeAllConnections();
    probe.close();
  });

  it('killing the dispatcher mid-delivery loses nothing: a new instance sends what the dead one had in flight', async () => {
    // The in-process instance steps aside; a real process (dist/main.js) takes over and is SIGKILLed.
    await dispatcher.close();
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const port = (free.address() as AddressInfo).port;
    await new Promise((resolve) => free.close(resolve));
    const child = spawn(process.execPath, [path.join(ROOT, 'apps/webhook-dispatcher/dist/main.js')], {
      // A short lease: the survivor takes over what the dead process held 3 s after it claimed it.
      env: { PATH: process.env.PATH, ...TEST_ENV, WEBHOOK_LEASE_MS: '3500', DATABASE_URL: serverUrl(), KAFKA_BROKERS: kafkaBrokers(), DB_PREFIX: prefix, PORT: String(port), ...serviceKeyEnv('webhook-dispatcher') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const childUrl = `http://127.0.0.1:${port}`;
    try {
      await waitFor(async () => (await fetch(`${childUrl}/health/live`)).ok, `the child dispatcher to serve (${stderr})`, 30_000, 200);
      const childDb = await openDispatcherDb(prefix);
      await wallet.untilConsumedBy(childDb).finally(() => childDb.destroy());
      // A slow receiver: every request stays in flight for 1.5 s, long enough to kill the sender mid-way.
      const receiver = new WebhookReceiver(() => ({ status: 200, delayMs: 1500 }));
      const url = await receiver.start();
      receivers.push(receiver);
      const created = await api(childUrl, 'POST', '/v1/webhooks/endpoints', { url, events: ['wallet_update'] });
      receiver.useSecrets(created.json.secret);
      const ids: string[] = [];
      for (let i = 1; i <= 20; i += 1) ids.push(await wallet.credit(i));
      // Counted by this test's own event ids: other suites' wallet events share the topic.
      const fannedOut = async () => ((await api(childUrl, 'GET', `/v1/webhooks/endpoints/${created.json.id}/deliveries?limit=250`)).json.data as { event_id: string }[])
        .filter((d) => ids.includes(d.event_id)).length;
      await waitFor(async () => (await fannedOut()) === 20, 'all twenty fanned out by the child', 30_000);
      await waitFor(() => receiver.inFlight >= 10, 'deliveries in flight at the receiver');
      const inFlightAtKill = receiver.inFlight;
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      expect(ids.filter((id) => receiver.accepted.has(id)).length).toBeLessThan(20);
      receiver.behaviour = () => ({ status: 200 });

      // A new instance (workers only: the dead member keeps its Kafka group seat until its session expires).
      dispatcher = await startDispatcher(dispatcherEnv(prefix, { KAFKA_CONSUMERS_ENABLED: 'false' }));
      await waitFor(() => ids.every((id) => receiver.accepted.has(id)), 'every event at the receiver after the restart', 30_000);
      await waitFor(async () => {
        const r = await dispatcher.db.query(
          `select count(*)::int as n from webhook_deliveries where endpoint_id = $1 and status = 'delivered' and event_id = any($2::uuid[])`,
          [created.json.id, ids],
        );
        return r[0].n === 20;
      }, 'twenty deliveries marked delivered');
      // Duplicates only within at-least-once: at most the ones that were in flight when it died.
      expect(receiver.duplicates).toBeLessThanOrEqual(inFlightAtKill);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
