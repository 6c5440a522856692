import { randomUUID } from 'node:crypto';
import { openTestDataSource, uniqueName } from '@wozamali/testing';
import type { DataSource } from 'typeorm';
import { ADMIN_HEADERS, allPages, call, startGateway, StubBackend, userToken, withKey, type RunningGateway } from './gateway-harness';

// The gateway's own POSTs (API keys) are idempotent through the platform's one implementation,
// keys scoped per authenticated principal: one key sent twice, or ten times at once, mints one key.
describe('API key writes are idempotent (real PostgreSQL and Redis)', () => {
  let gw: RunningGateway;
  let backend: StubBackend;
  let ds: DataSource;

  beforeAll(async () => {
    backend = await new StubBackend().start();
    gw = await startGateway({ WALLET_SERVICE_URL: backend.url, REDIS_KEY_PREFIX: uniqueName('gwidem') });
    ds = await openTestDataSource('api-gateway', 2);
  });
  afterAll(async () => {
    await gw?.close();
    await backend?.stop();
    await ds?.destroy();
  });

  const keysNamed = async (name: string) => ((await ds.query('select count(*)::int as n from api_keys where name = $1', [name])) as { n: number }[])[0]!.n;
  const rotationsOf = async (id: string) => ((await ds.query('select count(*)::int as n from api_keys where rotated_from = $1', [id])) as { n: number }[])[0]!.n;
  const createBody = (name: string) => ({ name, service_id: 'notify', permissions: { wallets: ['read'] } });
  async function newKey(): Promise<{ id: string; key: string }> {
    const res = await call(gw.url, 'POST', '/v1/api-keys', withKey(ADMIN_HEADERS), createBody(uniqueName('idem')));
    expect(res.status).toBe(201);
    return { id: res.json!.id as string, key: res.json!.key as string };
  }

  it('POST /v1/api-keys: one key sent twice mints one live key; the replay is 200 with the same body, the key included', async () => {
    const name = uniqueName('twice');
    const headers = withKey(ADMIN_HEADERS);
    const first = await call(gw.url, 'POST', '/v1/api-keys', headers, createBody(name));
    const again = await call(gw.url, 'POST', '/v1/api-keys', headers, createBody(name));
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.json).toEqual(first.json);
    expect(await keysNamed(name)).toBe(1);
  });

  it('POST /v1/api-keys: one key sent 10 times at once mints one key, and every answer is that key', async () => {
    const name = uniqueName('at-once');
    const headers = withKey(ADMIN_HEADERS);
    const answers = await Promise.all(Array.from({ length: 10 }, () => call(gw.url, 'POST', '/v1/api-keys', headers, createBody(name))));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    for (const a of answers) expect(a.json).toEqual(answers.find((x) => x.status === 201)!.json);
    expect(await keysNamed(name)).toBe(1);
  });

  it('POST /v1/api-keys: the same key with another body is 409 idempotency_key_reused and mints nothing', async () => {
    const name = uniqueName('reused');
    const headers = withKey(ADMIN_HEADERS);
    expect((await call(gw.url, 'POST', '/v1/api-keys', headers, createBody(name))).status).toBe(201);
    const reused = await call(gw.url, 'POST', '/v1/api-keys', headers, createBody(`${name}-other`));
    expect([reused.status, reused.json!.code]).toEqual([409, 'idempotency_key_reused']);
    expect(reused.headers.get('content-type')).toContain('application/problem+json');
    expect(await keysNamed(`${name}-other`)).toBe(0);
  });

  it('every POST without an Idempotency-Key is 400 idempotency_key_required and changes nothing', async () => {
    const { id } = await newKey();
    const name = uniqueName('no-key');
    for (const [path, body] of [['/v1/api-keys', createBody(name)], [`/v1/api-keys/${id}/rotate`, {}], [`/v1/api-keys/${id}/revoke`, undefined]] as const) {
      const res = await call(gw.url, 'POST', path, ADMIN_HEADERS, body);
      expect([path, res.status, res.json!.code]).toEqual([path, 400, 'idempotency_key_required']);
    }
    expect(await keysNamed(name)).toBe(0);
    expect(await rotationsOf(id)).toBe(0);
    expect(await ds.query('select revoked_at from api_keys where id = $1', [id])).toEqual([{ revoked_at: null }]);
  });

  it('POST /v1/api-keys/:id/rotate: one key sent twice, or 10 times at once, issues one replacement', async () => {
    const a = await newKey();
    const headers = withKey(ADMIN_HEADERS);
    const first = await call(gw.url, 'POST', `/v1/api-keys/${a.id}/rotate`, headers, { grace_period_seconds: 60 });
    const again = await call(gw.url, 'POST', `/v1/api-keys/${a.id}/rotate`, headers, { grace_period_seconds: 60 });
    expect([first.status, again.status, again.headers.get('idempotent-replayed')]).toEqual([201, 200, 'true']);
    expect(again.json).toEqual(first.json);
    expect(await rotationsOf(a.id)).toBe(1);

    const b = await newKey();
    const together = withKey(ADMIN_HEADERS);
    const answers = await Promise.all(Array.from({ length: 10 }, () => call(gw.url, 'POST', `/v1/api-keys/${b.id}/rotate`, together, {})));
    expect(answers.map((x) => x.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((x) => x.json!.id)).size).toBe(1);
    expect(await rotationsOf(b.id)).toBe(1);
  });

  it('POST /v1/api-keys/:id/revoke: one key sent twice, or 10 times at once, answers the same revocation', async () => {
    const a = await newKey();
    const headers = withKey(ADMIN_HEADERS);
    const answers = await Promise.all(Array.from({ length: 10 }, () => call(gw.url, 'POST', `/v1/api-keys/${a.id}/revoke`, headers)));
    expect(answers.map((x) => x.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 200]);
    expect(answers.filter((x) => x.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
    for (const x of answers) expect(x.json).toEqual(answers[0]!.json);
    const later = await call(gw.url, 'POST', `/v1/api-keys/${a.id}/revoke`, headers);
    expect([later.status, later.headers.get('idempotent-replayed'), later.json]).toEqual([200, 'true', answers[0]!.json]);
  });

  it('a business refusal (409) is the key\'s answer and is replayed with its status', async () => {
    const boot = (await allPages<{ id: string; bootstrap: boolean }>(gw.url, '/v1/api-keys', ADMIN_HEADERS)).find((k) => k.bootstrap)!;
    const headers = withKey(ADMIN_HEADERS);
    const refused = await call(gw.url, 'POST', `/v1/api-keys/${boot.id}/revoke`, headers);
    const replay = await call(gw.url, 'POST', `/v1/api-keys/${boot.id}/revoke`, headers);
    expect([refused.status, refused.json!.code, refused.headers.get('idempotent-replayed')]).toEqual([409, 'bootstrap_key_immutable', null]);
    expect([replay.status, replay.json!.code, replay.headers.get('idempotent-replayed')]).toEqual([409, 'bootstrap_key_immutable', 'true']);
  });

  it('a 400 for malformed input is not stored: the key then works with a valid body', async () => {
    const name = uniqueName('after-400');
    const headers = withKey(ADMIN_HEADERS);
    const bad = await call(gw.url, 'POST', '/v1/api-keys', headers, { ...createBody(name), permissions: 'all' });
    expect([bad.status, bad.json!.code]).toEqual([400, 'validation_failed']);
    expect((await call(gw.url, 'POST', '/v1/api-keys', headers, createBody(name))).status).toBe(201);
    expect(await keysNamed(name)).toBe(1);
  });

  it('keys are scoped per principal: an admin user and the admin key sending the same key each mint their own', async () => {
    const name = uniqueName('scoped');
    const key = randomUUID();
    const admin = userToken('admin');
    const byService = await call(gw.url, 'POST', '/v1/api-keys', withKey(ADMIN_HEADERS, key), createBody(name));
    const byUser = await call(gw.url, 'POST', '/v1/api-keys', withKey(admin.headers, key), createBody(name));
    expect([byService.status, byUser.status]).toEqual([201, 201]);
    expect(byService.json!.id).not.toBe(byUser.json!.id);
    expect(await keysNamed(name)).toBe(2);
  });

  it('the new key is not stored readable: idempotency_keys holds neither the Idempotency-Key nor the API key', async () => {
    const key = randomUUID();
    const created = await call(gw.url, 'POST', '/v1/api-keys', withKey(ADMIN_HEADERS, key), createBody(uniqueName('sealed')));
    const secret = (created.json!.key as string).split('_').pop()!;
    const rows = (await ds.query(`select key_hash, encode(response, 'escape') as response from idempotency_keys`)) as { key_hash: string; response: string }[];
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.response).not.toContain(secret);
      expect(r.key_hash).not.toBe(key);
    }
  });
});
