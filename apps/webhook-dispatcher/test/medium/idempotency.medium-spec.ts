import { randomUUID } from 'node:crypto';
import { serviceAuthHeaders } from '@wozamali/testing';
import { uuidv7 } from '@wozamali/contracts';
import { DeliveryWorker } from '../../src/delivery/delivery-worker';
import { dispatcherEnv, dispatcherPrefix, migrateDispatcher, startDispatcher, type RunningDispatcher } from '../support/dispatcher';
import { api } from '../support/events';

// Every POST of the dispatcher is idempotent (the platform's one implementation): one key sent
// twice, or ten times at once, makes one thing; a replay answers 200 with the original body and
// `Idempotent-Replayed: true`; the same key with another body is 409 idempotency_key_reused.
const prefix = dispatcherPrefix('widem');
let d: RunningDispatcher;

beforeAll(async () => {
  await migrateDispatcher(prefix);
  d = await startDispatcher(dispatcherEnv(prefix, { KAFKA_CONSUMERS_ENABLED: 'false', HEALTH_PROBES_ENABLED: 'false' }));
  // Nothing may change the deliveries behind the test's back.
  await d.app.get(DeliveryWorker).stop();
});

afterAll(async () => {
  await d?.close();
});

const post = (path: string, body: unknown, key: string | null, headers: Record<string, string> = {}) =>
  api(d.url, 'POST', path, body, { 'idempotency-key': key ?? '', ...headers });

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const [row] = (await d.db.query(`select count(*)::int as n from (${sql}) x`, params)) as { n: number }[];
  return row!.n;
}

async function newEndpoint(): Promise<string> {
  const res = await post('/v1/webhooks/endpoints', { url: 'https://hooks.example.com/idem', events: ['wallet_update'] }, randomUUID());
  expect(res.status).toBe(201);
  return res.json.id as string;
}

async function newService(): Promise<string> {
  const res = await post('/v1/external/services', { name: `idem-${uuidv7()}`, type: 'payment', base_url: 'https://pay.example.com' }, randomUUID());
  expect(res.status).toBe(201);
  return res.json.id as string;
}

/** A delivery of a fresh message to `endpointId`, in `status`. */
async function newDelivery(endpointId: string, status: 'failed' | 'dead'): Promise<string> {
  const eventId = uuidv7();
  await d.db.query(`insert into webhook_messages (id, type, occurred_at, body) values ($1, 'wallet_update', now(), '{}')`, [eventId]);
  const [row] = (await d.db.query(
    `insert into webhook_deliveries (event_id, event_type, endpoint_id, priority, status, next_attempt_at, attempt_count)
     values ($1, 'wallet_update', $2, 1, $3, null, 5) returning id`,
    [eventId, endpointId, status],
  )) as { id: string }[];
  return row!.id;
}

interface Write {
  name: string;
  /** Prepares what the write acts on; returns the path, the body and how many things it made so far. */
  setup(): Promise<{ path: string; body: unknown; otherBody: unknown; made: () => Promise<number>; reset?: () => Promise<void> }>;
}

// `made` counts the write's effect; `reset` undoes the effect's visible state where a second run
// would otherwise change nothing (so a replay that ran the write again would be seen).
const writes: Write[] = [
  {
    name: 'POST /v1/webhooks/endpoints',
    async setup() {
      const description = `idem ${uuidv7()}`;
      return {
        path: '/v1/webhooks/endpoints',
        body: { url: 'https://hooks.example.com/a', events: ['wallet_update'], description },
        otherBody: { url: 'https://hooks.example.com/b', events: ['wallet_update'], description },
        made: () => count('select 1 from webhook_endpoints where description = $1', [description]),
      };
    },
  },
  {
    name: 'POST /v1/webhooks/endpoints/:id/rotate-secret',
    async setup() {
      const id = await newEndpoint();
      return {
        path: `/v1/webhooks/endpoints/${id}/rotate-secret`,
        body: undefined,
        otherBody: {},
        made: async () => (await count('select 1 from webhook_endpoint_secrets where endpoint_id = $1', [id])) - 1,
      };
    },
  },
  {
    name: 'POST /v1/webhooks/endpoints/:id/recover',
    async setup() {
      const id = await newEndpoint();
      const delivery = await newDelivery(id, 'dead');
      return {
        path: `/v1/webhooks/endpoints/${id}/recover`,
        body: { since: new Date(Date.now() - 3600_000).toISOString() },
        otherBody: { since: new Date(Date.now() - 7200_000).toISOString() },
        made: () => count(`select 1 from webhook_deliveries where id = $1 and status = 'pending'`, [delivery]),
        reset: async () => { await d.db.query(`update webhook_deliveries set status = 'dead', next_attempt_at = null where id = $1`, [delivery]); },
      };
    },
  },
  {
    name: 'POST /v1/webhooks/deliveries/:id/retry',
    async setup() {
      const delivery = await newDelivery(await newEndpoint(), 'dead');
      return {
        path: `/v1/webhooks/deliveries/${delivery}/retry`,
        body: undefined,
        otherBody: { again: true },
        made: () => count(`select 1 from webhook_deliveries where id = $1 and status = 'pending'`, [delivery]),
        reset: async () => { await d.db.query(`update webhook_deliveries set status = 'dead', next_attempt_at = null where id = $1`, [delivery]); },
      };
    },
  },
  {
    name: 'POST /v1/external/services',
    async setup() {
      const url = `https://pay-${uuidv7()}.example.com`;
      return {
        path: '/v1/external/services',
        body: { name: `svc-${uuidv7()}`, type: 'payment', base_url: url },
        otherBody: { name: `svc-${uuidv7()}`, type: 'payment', base_url: url },
        made: () => count('select 1 from external_services where base_url = $1', [url]),
      };
    },
  },
  {
    name: 'POST /v1/external/services/:id/heartbeat',
    async setup() {
      const id = await newService();
      return {
        path: `/v1/external/services/${id}/heartbeat`,
        body: undefined,
        otherBody: {},
        made: () => count('select 1 from external_services where id = $1 and last_heartbeat_at is not null', [id]),
        reset: async () => { await d.db.query('update external_services set last_heartbeat_at = null where id = $1', [id]); },
      };
    },
  },
];

describe.each(writes.map((w) => [w.name, w] as const))('%s', (_name, write) => {
  it('one key sent twice makes one thing; the replay is 200 with the original body and Idempotent-Replayed: true', async () => {
    const s = await write.setup();
    const key = randomUUID();
    const first = await post(s.path, s.body, key);
    expect(first.status).toBeGreaterThanOrEqual(200);
    expect(first.status).toBeLessThan(300);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(await s.made()).toBe(1);
    await s.reset?.();
    const again = await post(s.path, s.body, key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.json).toEqual(first.json);
    expect(await s.made()).toBe(s.reset ? 0 : 1);
  });

  it('one key sent 10 times at once makes one thing; every answer has the same body', async () => {
    const s = await write.setup();
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(s.path, s.body, key)));
    const fresh = answers.filter((a) => a.headers.get('idempotent-replayed') !== 'true');
    expect(fresh).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200 && a.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
    for (const a of answers) expect(a.json).toEqual(fresh[0]!.json);
    expect(await s.made()).toBe(1);
  });

  it('the same key with another body is 409 idempotency_key_reused and makes nothing more', async () => {
    const s = await write.setup();
    const key = randomUUID();
    expect((await post(s.path, s.body, key)).status).toBeLessThan(300);
    await s.reset?.();
    const reused = await post(s.path, s.otherBody, key);
    expect([reused.status, reused.json.code]).toEqual([409, 'idempotency_key_reused']);
    expect(reused.type).toContain('application/problem+json');
    expect(await s.made()).toBe(s.reset ? 0 : 1);
  });

  it('without an Idempotency-Key it is 400 idempotency_key_required and makes nothing', async () => {
    const s = await write.setup();
    const res = await post(s.path, s.body, null);
    expect([res.status, res.json.code]).toEqual([400, 'idempotency_key_required']);
    expect(res.type).toContain('application/problem+json');
    await s.reset?.();
    expect(await s.made()).toBe(0);
  });
});

describe('what a key answers', () => {
  it('a business refusal (409) is the key\'s answer: replayed with its status even once the cause is gone', async () => {
    const name = `taken-${uuidv7()}`;
    const taken = await post('/v1/external/services', { name, type: 'payment', base_url: 'https://a.example.com' }, randomUUID());
    expect(taken.status).toBe(201);
    const key = randomUUID();
    const body = { name, type: 'payment', base_url: 'https://b.example.com' };
    const refused = await post('/v1/external/services', body, key);
    expect([refused.status, refused.json.code]).toEqual([409, 'service_name_taken']);
    expect(refused.headers.get('idempotent-replayed')).toBeNull();
    expect((await api(d.url, 'DELETE', `/v1/external/services/${taken.json.id as string}`)).status).toBe(204);
    const replay = await post('/v1/external/services', body, key);
    expect([replay.status, replay.json.code, replay.json.detail]).toEqual([409, 'service_name_taken', refused.json.detail]);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.type).toContain('application/problem+json');
    expect(await count('select 1 from external_services where lower(name) = lower($1)', [name])).toBe(0);
  });

  it('a business refusal (422) is stored too', async () => {
    const key = randomUUID();
    const body = { url: 'http://169.254.169.254/latest', events: ['wallet_update'] };
    const refused = await post('/v1/webhooks/endpoints', body, key);
    expect([refused.status, refused.json.code]).toEqual([422, 'url_not_allowed']);
    const replay = await post('/v1/webhooks/endpoints', body, key);
    expect([replay.status, replay.json.code, replay.headers.get('idempotent-replayed')]).toEqual([422, 'url_not_allowed', 'true']);
  });

  it('a 400 for malformed input is not stored: the key can then be used with a valid body', async () => {
    const key = randomUUID();
    const description = `after-400 ${uuidv7()}`;
    const malformed = await post('/v1/webhooks/endpoints', { url: 'not a url', events: ['wallet_update'], description }, key);
    expect([malformed.status, malformed.json.code]).toEqual([400, 'validation_failed']);
    const valid = await post('/v1/webhooks/endpoints', { url: 'https://hooks.example.com/ok', events: ['wallet_update'], description }, key);
    expect(valid.status).toBe(201);
    expect(await count('select 1 from webhook_endpoints where description = $1', [description])).toBe(1);
  });

  it('a 404 is not stored: the key answers again once the thing exists', async () => {
    const key = randomUUID();
    const missing = await post(`/v1/external/services/${uuidv7()}/heartbeat`, undefined, key);
    expect([missing.status, missing.json.code]).toEqual([404, 'service_not_found']);
    expect(await count(`select 1 from idempotency_keys where key_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex')`, [key])).toBe(0);
  });

  it('keys are scoped per caller (the principal in the verified service token): two services may send the same key and each gets its own endpoint; a forged header changes nothing', async () => {
    const key = randomUUID();
    const description = `scoped ${uuidv7()}`;
    const body = { url: 'https://hooks.example.com/scoped', events: ['wallet_update'], description };
    const as = (serviceId: string) => serviceAuthHeaders('webhook-dispatcher', 'api-gateway', { type: 'service', serviceId, keyId: uuidv7(), permissions: {} });
    const a = await post('/v1/webhooks/endpoints', body, key, await as('svc-a'));
    const b = await post('/v1/webhooks/endpoints', body, key, await as('svc-b'));
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.json.id).not.toBe(b.json.id);
    const forged = await post('/v1/webhooks/endpoints', body, key, { ...(await as('svc-a')), 'x-service-id': 'svc-c', 'x-principal-id': 'svc-c' });
    expect([forged.status, forged.json.id]).toEqual([200, a.json.id]);
    expect(await count('select 1 from webhook_endpoints where description = $1', [description])).toBe(2);
  });

  it('the answer is stored sealed: an endpoint\'s signing secret is not readable in idempotency_keys', async () => {
    const key = randomUUID();
    const created = await post('/v1/webhooks/endpoints', { url: 'https://hooks.example.com/sealed', events: ['wallet_update'] }, key);
    expect(created.status).toBe(201);
    const secret = created.json.secret as string;
    const rows = (await d.db.query('select key_hash, encode(response, \'escape\') as response from idempotency_keys')) as { key_hash: string; response: string }[];
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.response).not.toContain(secret);
      expect(r.key_hash).not.toBe(key);
    }
  });

  it('the same body in another key order is the same request', async () => {
    const key = randomUUID();
    const description = `order ${uuidv7()}`;
    const first = await api(d.url, 'POST', '/v1/webhooks/endpoints', `{"url":"https://hooks.example.com/o","events":["wallet_update"],"description":"${description}"}`, { 'idempotency-key': key });
    const second = await api(d.url, 'POST', '/v1/webhooks/endpoints', `{"description":"${description}","events":["wallet_update"],"url":"https://hooks.example.com/o"}`, { 'idempotency-key': key });
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.json).toEqual(first.json);
  });
});
