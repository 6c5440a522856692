import { randomUUID } from 'node:crypto';
import { EventDefinitions, fieldProblems } from '@wozamali/contracts';
import { waitFor, WebhookReceiver } from '@wozamali/testing';
import { dispatcherEnv, dispatcherPrefix, migrateDispatcher, startDispatcher, type RunningDispatcher } from '../support/dispatcher';
import { api } from '../support/events';

// As Svix users expect: the catalogue of event types with the JSON Schema of each one's data, and a
// test send of an example event to one endpoint, signed and delivered like any other.
const prefix = dispatcherPrefix('wtest');
let d: RunningDispatcher;
const receiver = new WebhookReceiver();
const other = new WebhookReceiver();

beforeAll(async () => {
  await migrateDispatcher(prefix);
  d = await startDispatcher(dispatcherEnv(prefix, { KAFKA_CONSUMERS_ENABLED: 'false' }));
});
afterAll(async () => {
  await d?.close();
  await Promise.all([receiver.stop(), other.stop()]);
});

const post = (path: string, body: unknown) => api(d.url, 'POST', path, body, { 'idempotency-key': randomUUID() });

it('lists every event type of libs/contracts with its version and the JSON Schema of its data', async () => {
  const res = await api(d.url, 'GET', '/v1/webhooks/event-types');
  expect(res.status).toBe(200);
  expect(res.json.next_cursor).toBeNull();
  const types = res.json.data as { type: string; version: number; schema: { required: string[]; properties: Record<string, { type: unknown }> } }[];
  expect(types.map((t) => t.type).sort()).toEqual(Object.keys(EventDefinitions).sort());
  const wallet = types.find((t) => t.type === 'wallet_update')!;
  expect(wallet.version).toBe(1);
  expect(wallet.schema.required).toEqual(expect.arrayContaining(['user_id', 'balance_change', 'new_balance']));
  expect(wallet.schema.properties.balance_change).toEqual({ type: 'integer' });
});

it('sends an example event to the one endpoint asked, signed, with data valid against its type; not to other subscribers', async () => {
  const url = await receiver.start();
  const created = await post('/v1/webhooks/endpoints', { url, events: ['points_update', 'wallet_update'] });
  receiver.useSecrets(created.json.secret);
  const bystander = await post('/v1/webhooks/endpoints', { url: await other.start(), events: ['wallet_update'] });
  other.useSecrets(bystander.json.secret);

  const sent = await post(`/v1/webhooks/endpoints/${created.json.id}/test`, { event_type: 'wallet_update' });
  expect(sent.status).toBe(202);
  expect(sent.json).toMatchObject({ event_type: 'wallet_update', event_id: expect.any(String), delivery_id: expect.any(String) });
  await waitFor(() => receiver.accepted.has(sent.json.event_id), 'the test event delivered', 30_000);
  const got = receiver.accepted.get(sent.json.event_id)!;
  expect(got.body.type).toBe('wallet_update');
  expect(fieldProblems(EventDefinitions.wallet_update.fields, got.body.data)).toEqual([]);
  // The default is the endpoint's first type.
  const byDefault = await post(`/v1/webhooks/endpoints/${created.json.id}/test`, {});
  expect(byDefault.json.event_type).toBe('points_update');
  await waitFor(() => receiver.accepted.has(byDefault.json.event_id), 'the default test event delivered', 30_000);
  expect(other.accepted.size).toBe(0);
  // The worker records the outcome just after the receiver answered.
  const delivery = await waitFor(async () => {
    const res = await api(d.url, 'GET', `/v1/webhooks/deliveries/${sent.json.delivery_id}`);
    return res.json.status === 'delivered' ? res.json : null;
  }, 'the test delivery recorded as delivered', 30_000);
  expect(delivery).toMatchObject({ endpoint_id: created.json.id, status: 'delivered' });
});

it('refuses a type the endpoint does not subscribe to (422), an unknown type (400), a disabled endpoint (409) and an unknown one (404)', async () => {
  const created = await post('/v1/webhooks/endpoints', { url: 'https://hooks.example.com/t', events: ['wallet_update'] });
  expect((await post(`/v1/webhooks/endpoints/${created.json.id}/test`, { event_type: 'tier_update' })).json).toMatchObject({ status: 422, code: 'event_type_not_subscribed' });
  expect((await post(`/v1/webhooks/endpoints/${created.json.id}/test`, { event_type: 'nope' })).json).toMatchObject({ status: 400, code: 'validation_failed' });
  await api(d.url, 'PATCH', `/v1/webhooks/endpoints/${created.json.id}`, { enabled: false });
  const disabled = await post(`/v1/webhooks/endpoints/${created.json.id}/test`, {});
  expect([disabled.status, disabled.json.code]).toEqual([409, 'endpoint_disabled']);
  expect((await post(`/v1/webhooks/endpoints/${randomUUID()}/test`, {})).status).toBe(404);
  expect(Number((await d.db.query('select count(*)::int as n from webhook_deliveries where endpoint_id = $1', [created.json.id]))[0].n)).toBe(0);
});
