import { randomUUID } from 'node:crypto';
import { uuidv7 } from '@wozamali/contracts';
import { dispatcherEnv, dispatcherPrefix, migrateDispatcher, startDispatcher, type RunningDispatcher } from '../support/dispatcher';
import { api } from '../support/events';

// Every list answers `{ data, next_cursor }` for `?limit=&cursor=`, newest first; a cursor that is
// not one the API gave is 400 validation_failed.
const prefix = dispatcherPrefix('wpage');
let d: RunningDispatcher;

beforeAll(async () => {
  await migrateDispatcher(prefix);
  d = await startDispatcher(dispatcherEnv(prefix, { KAFKA_CONSUMERS_ENABLED: 'false', HEALTH_PROBES_ENABLED: 'false' }));
});
afterAll(async () => { await d?.close(); });

const post = (path: string, body: unknown) => api(d.url, 'POST', path, body, { 'idempotency-key': randomUUID() });

/** Every item of a list, page by page, and the page sizes seen. */
async function walk(path: string, limit: number): Promise<{ ids: string[]; sizes: number[] }> {
  const ids: string[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  do {
    const res = await api(d.url, 'GET', `${path}${path.includes('?') ? '&' : '?'}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(['data', 'next_cursor']);
    ids.push(...(res.json.data as { id: string }[]).map((x) => x.id));
    sizes.push(res.json.data.length);
    cursor = res.json.next_cursor;
  } while (cursor && sizes.length < 50);
  return { ids, sizes };
}

it('pages external services, their health and one service\'s endpoints newest first, each item once', async () => {
  const service = (await post('/v1/external/services', { name: `page-${uuidv7()}`, type: 'notification', base_url: 'https://n.example.com' })).json.id as string;
  const made: string[] = [];
  for (let i = 0; i < 5; i += 1) made.push((await post('/v1/webhooks/endpoints', { url: `https://hooks.example.com/p${i}`, events: ['wallet_update'], service_id: service })).json.id as string);
  const endpoints = await walk(`/v1/webhooks/endpoints?service_id=${service}`, 2);
  expect(endpoints.ids).toEqual([...made].reverse());
  expect(endpoints.sizes).toEqual([2, 2, 1]);
  const services = await walk('/v1/external/services', 3);
  expect(new Set(services.ids).size).toBe(services.ids.length);
  expect(services.ids[0]).toBe(service);
  expect((await walk('/v1/external/services/health', 3)).ids).toEqual(services.ids);
});

it('refuses a cursor it did not give, and a limit out of range, with 400 validation_failed', async () => {
  for (const q of ['cursor=abc', `cursor=${Buffer.from('["not-a-uuid"]').toString('base64url')}`, 'cursor=%22', 'limit=0', 'limit=101']) {
    const res = await api(d.url, 'GET', `/v1/external/services?${q}`);
    expect([q, res.status, res.json.code]).toEqual([q, 400, 'validation_failed']);
  }
  const endpoint = (await post('/v1/webhooks/endpoints', { url: 'https://hooks.example.com/x', events: ['wallet_update'] })).json.id as string;
  expect((await api(d.url, 'GET', `/v1/webhooks/endpoints/${endpoint}/deliveries?cursor=${Buffer.from('["1","2"]').toString('base64url')}`)).status).toBe(400);
});
