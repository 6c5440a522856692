import { openTestDataSource, stringFields, uniqueName, UNSTORABLE_SAMPLES, withText } from '@wozamali/testing';
import type { DataSource } from 'typeorm';
import { ADMIN_HEADERS, call, startGateway, StubBackend, withKey, type RunningGateway } from './gateway-harness';

// Text PostgreSQL cannot store (a NUL, a lone UTF-16 surrogate) in any field of the gateway's own
// writes is a 400 validation_failed naming the field, never a 500, and creates or changes no key.
describe('API keys: text PostgreSQL cannot store is refused', () => {
  let gw: RunningGateway;
  let backend: StubBackend;
  let ds: DataSource;
  let keyId: string;

  beforeAll(async () => {
    backend = await new StubBackend().start();
    gw = await startGateway({ WALLET_SERVICE_URL: backend.url, REDIS_KEY_PREFIX: uniqueName('gwtext') });
    ds = await openTestDataSource('api-gateway', 2);
    const created = await call(gw.url, 'POST', '/v1/api-keys', withKey(ADMIN_HEADERS), { name: uniqueName('text-target'), service_id: 'notify', permissions: { wallets: ['read'] } });
    keyId = created.json!.id as string;
  });
  afterAll(async () => {
    await gw?.close();
    await backend?.stop();
    await ds?.destroy();
  });

  const keysNamed = async (name: string) => ((await ds.query('select count(*)::int as n from api_keys where name like $1', [`${name}%`])) as { n: number }[])[0]!.n;
  const target = async () => ds.query('select revoked_at, expires_at from api_keys where id = $1 or rotated_from = $1 order by created_at', [keyId]);

  const name = uniqueName('text');
  const createBody = { name, service_id: 'notify', permissions: { wallets: ['read'], points: ['read'] }, expires_at: '2030-01-01T00:00:00Z' };
  const cases = stringFields(createBody).flatMap((field) => UNSTORABLE_SAMPLES.map((s) => [field, s.name, s.text] as const));

  it.each(cases)('POST /v1/api-keys: %s with %s is 400 validation_failed naming the field', async (field, _kind, text) => {
    const res = await call(gw.url, 'POST', '/v1/api-keys', withKey(ADMIN_HEADERS), withText(createBody, field, text));
    expect([res.status, res.json!.code]).toEqual([400, 'validation_failed']);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.json!.errors).toEqual([{ field, messages: [expect.stringContaining('NUL')] }]);
    expect(await keysNamed(name)).toBe(0);
  });

  it.each(UNSTORABLE_SAMPLES.map((s) => [s.name, s.text] as const))('POST /v1/api-keys: a permission resource named with %s is 400 validation_failed', async (_kind, text) => {
    const res = await call(gw.url, 'POST', '/v1/api-keys', withKey(ADMIN_HEADERS), { ...createBody, permissions: { [text]: ['read'] } });
    expect([res.status, res.json!.code]).toEqual([400, 'validation_failed']);
    expect((res.json!.errors as { field: string }[])[0]!.field).toMatch(/^permissions\./);
    expect(await keysNamed(name)).toBe(0);
  });

  it.each(UNSTORABLE_SAMPLES.map((s) => [s.name, s.text] as const))('POST /v1/api-keys/:id/rotate: %s in grace_period_seconds is 400 validation_failed and rotates nothing', async (_kind, text) => {
    const before = await target();
    const res = await call(gw.url, 'POST', `/v1/api-keys/${keyId}/rotate`, withKey(ADMIN_HEADERS), { grace_period_seconds: text });
    expect([res.status, res.json!.code]).toEqual([400, 'validation_failed']);
    expect(res.json!.errors).toEqual([{ field: 'grace_period_seconds', messages: [expect.stringContaining('NUL')] }]);
    expect(await target()).toEqual(before);
  });

  // The route table refuses an unsafe path segment (%00 among them) before any handler runs: 404.
  it('POST /v1/api-keys/:id/revoke and /rotate: a NUL in the id is refused (400 validation_failed, problem+json) and changes nothing', async () => {
    const before = await target();
    for (const action of ['revoke', 'rotate']) {
      const res = await call(gw.url, 'POST', `/v1/api-keys/${keyId}%00/${action}`, withKey(ADMIN_HEADERS), action === 'rotate' ? {} : undefined);
      expect([action, res.status, res.json!.code]).toEqual([action, 400, 'validation_failed']);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await target()).toEqual(before);
  });
});
