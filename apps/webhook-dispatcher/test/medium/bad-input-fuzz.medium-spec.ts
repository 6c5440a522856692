import { uuidv7 } from '@wozamali/contracts';
import { breakage, broken } from '@wozamali/testing';
import fc from 'fast-check';
import { DeliveryWorker } from '../../src/delivery/delivery-worker';
import { dispatcherEnv, dispatcherPrefix, migrateDispatcher, startDispatcher, type RunningDispatcher } from '../support/dispatcher';
import { api } from '../support/events';

// Random bad input against the dispatcher's writes (fast-check), each request a valid body broken one
// way: never a 5xx; a refusal is problem+json with a stable code and leaves the tables as they were.
const prefix = dispatcherPrefix('wfuzz');
const RUNS = Number(process.env.FUZZ_RUNS || 100);
let dispatcher: RunningDispatcher;
let endpointId: string;
let serviceId: string;

interface Target {
  name: string;
  method: 'POST' | 'PATCH';
  path: () => string;
  body: () => Record<string, unknown>;
}

const targets: Target[] = [
  { name: 'register an endpoint', method: 'POST', path: () => '/v1/webhooks/endpoints', body: () => ({ url: 'https://hooks.example.com/a', events: ['wallet_update'], description: 'fuzz' }) },
  {
    name: 'change an endpoint', method: 'PATCH', path: () => `/v1/webhooks/endpoints/${endpointId}`,
    body: () => ({ url: 'https://hooks.example.com/b', events: ['wallet_update', 'points_update'], description: 'fuzz', enabled: true }),
  },
  { name: 'recover an endpoint', method: 'POST', path: () => `/v1/webhooks/endpoints/${endpointId}/recover`, body: () => ({ since: new Date(Date.now() - 60_000).toISOString() }) },
  {
    name: 'register an external service', method: 'POST', path: () => '/v1/external/services',
    body: () => ({ name: `svc-${uuidv7()}`, type: 'payment', base_url: 'https://pay.example.com', health_url: 'https://pay.example.com/health' }),
  },
  {
    name: 'change an external service', method: 'PATCH', path: () => `/v1/external/services/${serviceId}`,
    body: () => ({ name: `svc-${uuidv7()}`, type: 'notification', base_url: 'https://notify.example.com', health_url: null }),
  },
];

/** Everything a refused request must leave alone. */
async function state(): Promise<unknown> {
  return dispatcher.db.query(`select
    (select coalesce(json_agg(e order by e.id), '[]') from (select id, url, event_types, description, enabled, updated_at from webhook_endpoints) e) as endpoints,
    (select coalesce(json_agg(s order by s.id), '[]') from (select id, name, type, base_url, health_url, updated_at from external_services) s) as services,
    (select count(*)::int from webhook_deliveries) as deliveries`);
}

beforeAll(async () => {
  await migrateDispatcher(prefix);
  dispatcher = await startDispatcher(dispatcherEnv(prefix, { KAFKA_CONSUMERS_ENABLED: 'false', HEALTH_PROBES_ENABLED: 'false' }));
  await dispatcher.app.get(DeliveryWorker).stop();
  await dispatcher.db.query('delete from webhook_endpoints');
  await dispatcher.db.query('delete from external_services');
  endpointId = (await api(dispatcher.url, 'POST', '/v1/webhooks/endpoints', { url: 'https://hooks.example.com/x', events: ['wallet_update'] })).json.id as string;
  serviceId = (await api(dispatcher.url, 'POST', '/v1/external/services', { name: 'fuzz-target', type: 'payment', base_url: 'https://pay.example.com' })).json.id as string;
});

afterAll(async () => {
  await dispatcher?.close();
});

it.each(targets.map((target) => [target.name, target] as const))('%s: never a 5xx; a refusal is problem+json with a code and changes nothing', async (_name, target) => {
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(breakage, async (b) => {
      const body = broken(target.body(), b);
      const before = await state();
      const res = await api(dispatcher.url, target.method, target.path(), typeof body === 'string' ? body : JSON.stringify(body) ?? 'null');
      expect(res.status).toBeLessThan(500);
      if (res.status >= 400) {
        refused += 1;
        expect(res.type).toContain('application/problem+json');
        expect(res.json.code).toMatch(/^[a-z][a-z_]*$/);
        expect(await state()).toEqual(before);
      }
    }),
    { numRuns: RUNS },
  );
  expect(refused).toBeGreaterThan(RUNS / 2);
}, 120_000);
