import { uuidv7 } from '@wozamali/contracts';
import { stringFields, UNSTORABLE_SAMPLES, withText } from '@wozamali/testing';
import { DeliveryWorker } from '../../src/delivery/delivery-worker';
import { dispatcherEnv, dispatcherPrefix, migrateDispatcher, startDispatcher, type RunningDispatcher } from '../support/dispatcher';
import { api } from '../support/events';

// Text PostgreSQL cannot store (a NUL, a lone UTF-16 surrogate) in any string field of any write is
// a 400 validation_failed naming the field, never a 500, and changes nothing.
const prefix = dispatcherPrefix('wtext');
let d: RunningDispatcher;
let endpointId: string;
let serviceId: string;

beforeAll(async () => {
  await migrateDispatcher(prefix);
  d = await startDispatcher(dispatcherEnv(prefix, { KAFKA_CONSUMERS_ENABLED: 'false', HEALTH_PROBES_ENABLED: 'false' }));
  await d.app.get(DeliveryWorker).stop();
  serviceId = (await api(d.url, 'POST', '/v1/external/services', { name: `text-${uuidv7()}`, type: 'payment', base_url: 'https://pay.example.com' })).json.id as string;
  endpointId = (await api(d.url, 'POST', '/v1/webhooks/endpoints', { url: 'https://hooks.example.com/t', events: ['wallet_update'], service_id: serviceId })).json.id as string;
});

afterAll(async () => {
  await d?.close();
});

async function state(): Promise<unknown> {
  return d.db.query(`select
    (select coalesce(json_agg(e order by e.id), '[]') from (select id, url, event_types, description, enabled, updated_at from webhook_endpoints) e) as endpoints,
    (select coalesce(json_agg(s order by s.id), '[]') from (select id, name, type, base_url, health_url, updated_at from external_services) s) as services,
    (select count(*)::int from idempotency_keys) as keys`);
}

const writes: { name: string; method: 'POST' | 'PATCH'; path: () => string; body: () => Record<string, unknown> }[] = [
  {
    name: 'register an endpoint', method: 'POST', path: () => '/v1/webhooks/endpoints',
    body: () => ({ url: 'https://hooks.example.com/a', events: ['wallet_update'], description: 'text', service_id: serviceId }),
  },
  { name: 'change an endpoint', method: 'PATCH', path: () => `/v1/webhooks/endpoints/${endpointId}`, body: () => ({ url: 'https://hooks.example.com/b', events: ['points_update'], description: 'text' }) },
  { name: 'recover an endpoint', method: 'POST', path: () => `/v1/webhooks/endpoints/${endpointId}/recover`, body: () => ({ since: new Date().toISOString() }) },
  {
    name: 'register an external service', method: 'POST', path: () => '/v1/external/services',
    body: () => ({ name: `svc-${uuidv7()}`, type: 'payment', base_url: 'https://pay.example.com', health_url: 'https://pay.example.com/health' }),
  },
  {
    name: 'change an external service', method: 'PATCH', path: () => `/v1/external/services/${serviceId}`,
    body: () => ({ name: `svc-${uuidv7()}`, type: 'notification', base_url: 'https://notify.example.com', health_url: 'https://notify.example.com/h' }),
  },
];

const cases = writes.flatMap((w) => stringFields(w.body()).flatMap((field) => UNSTORABLE_SAMPLES.map((s) => [w.name, field, s.name, w, s.text] as const)));

it.each(cases)('%s: %s with %s is 400 validation_failed naming the field, and changes nothing', async (_name, field, _kind, write, text) => {
  const before = await state();
  const res = await api(d.url, write.method, write.path(), withText(write.body(), field, text));
  expect(res.status).toBe(400);
  expect(res.type).toContain('application/problem+json');
  expect(res.json.code).toBe('validation_failed');
  expect(res.json.errors).toEqual([{ field, messages: [expect.stringContaining('NUL')] }]);
  expect(await state()).toEqual(before);
});

it('an object key with a NUL is refused too', async () => {
  const res = await api(d.url, 'POST', '/v1/webhooks/endpoints', '{"url":"https://hooks.example.com/k","events":["wallet_update"],"a\\u0000b":1}');
  expect([res.status, res.json.code]).toEqual([400, 'validation_failed']);
  expect(res.json.errors[0].field).toBe('a\\u0000b');
});

it.each([
  ['a query string', () => '/v1/webhooks/endpoints?service_id=%00', 'service_id'],
  ['a query string (deliveries cursor)', () => `/v1/webhooks/endpoints/${endpointId}/deliveries?cursor=x%00`, 'cursor'],
  ['a path parameter', () => '/v1/webhooks/endpoints/ab%00cd', 'id'],
  ['a path parameter (deliveries)', () => '/v1/webhooks/deliveries/%00', 'id'],
])('a NUL in %s is 400 validation_failed naming it', async (_where, path, field) => {
  const res = await api(d.url, 'GET', path());
  expect([res.status, res.json.code]).toEqual([400, 'validation_failed']);
  expect(res.json.errors).toEqual([{ field, messages: [expect.stringContaining('NUL')] }]);
});
