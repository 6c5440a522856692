import { randomUUID } from 'node:crypto';
import { databaseName, dropDatabase, migrateDatabase } from '@wozamali/database';
import { openTestDataSource, serverUrl, uniqueName, waitFor } from '@wozamali/testing';
import type { DataSource } from 'typeorm';
import { migrations } from '../../src/migrations';
import { ADMIN_HEADERS, ADMIN_KEY, allPages, call, startGateway, StubBackend, userToken, withKey, type RunningGateway } from './gateway-harness';

describe('API keys (real PostgreSQL and Redis; a node:http stub stands in for the wallet-service)', () => {
  let gw: RunningGateway;
  let wallet: StubBackend;
  let ds: DataSource;

  beforeAll(async () => {
    wallet = await new StubBackend().start();
    wallet.respond = () => ({ status: 200, body: { balance: 0 } });
    gw = await startGateway({ WALLET_SERVICE_URL: wallet.url, REDIS_KEY_PREFIX: uniqueName('gwkeys') });
    ds = await openTestDataSource('api-gateway', 2);
  });
  afterAll(async () => {
    await gw.close();
    await wallet.stop();
    await ds.destroy();
  });

  async function createKey(body: Record<string, unknown>, headers: Record<string, string> = ADMIN_HEADERS) {
    return call(gw.url, 'POST', '/v1/api-keys', withKey(headers), { name: 'test key', service_id: 'notify', permissions: { wallets: ['read'] }, ...body });
  }
  const asKey = (key: string, service = 'notify') => ({ authorization: `Bearer ${key}`, 'x-service-id': service });
  const walletPath = () => `/v1/wallets/${randomUUID()}`;

  it('the bootstrap admin key from ADMIN_API_KEY exists at boot, is the only live bootstrap key and cannot be revoked through the API', async () => {
    const rows: { public_id: string }[] = await ds.query('select public_id from api_keys where bootstrap and revoked_at is null');
    expect(rows).toEqual([{ public_id: 'testadmin' }]);
    const boot = (await allPages<{ id: string; bootstrap: boolean }>(gw.url, '/v1/api-keys', ADMIN_HEADERS)).find((k) => k.bootstrap)!;
    const revoke = await call(gw.url, 'POST', `/v1/api-keys/${boot.id}/revoke`, withKey(ADMIN_HEADERS));
    expect(revoke.status).toBe(409);
    expect(revoke.json).toMatchObject({ code: 'bootstrap_key_immutable' });
  });

  it('a created key is shown once, stored only as a hash, and works with its own X-Service-ID', async () => {
    const created = await createKey({});
    expect(created.status).toBe(201);
    const key = created.json!.key as string;
    expect(key).toMatch(/^wm_live_[a-z0-9]{12}_[0-9a-f]{64}$/);
    const secret = key.split('_').pop()!;
    const stored = JSON.stringify(await ds.query('select * from api_keys where id = $1', [created.json!.id]));
    expect(stored).not.toContain(secret);
    const list = await call(gw.url, 'GET', '/v1/api-keys', ADMIN_HEADERS);
    expect(list.text).not.toContain(secret);
    expect(list.text).not.toContain('secret_hash');
    expect((await call(gw.url, 'GET', walletPath(), asKey(key))).status).toBe(200);
  });

  it('a key without X-Service-ID, with another service id, or with a wrong secret is 401 problem+json', async () => {
    const key = (await createKey({})).json!.key as string;
    const missing = await call(gw.url, 'GET', walletPath(), { authorization: `Bearer ${key}` });
    expect([missing.status, missing.json!.code]).toEqual([401, 'service_id_required']);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    const other = await call(gw.url, 'GET', walletPath(), asKey(key, 'payments'));
    expect([other.status, other.json!.code]).toEqual([401, 'service_id_mismatch']);
    const wrong = await call(gw.url, 'GET', walletPath(), asKey(key.slice(0, -4) + (key.endsWith('aaaa') ? 'bbbb' : 'aaaa')));
    expect([wrong.status, wrong.json!.code]).toEqual([401, 'invalid_credentials']);
    const unknown = await call(gw.url, 'GET', walletPath(), asKey(`wm_live_zzzzzzzzzzzz_${'0'.repeat(64)}`));
    expect([unknown.status, unknown.json!.code]).toEqual([401, 'invalid_credentials']);
    const none = await call(gw.url, 'GET', walletPath());
    expect([none.status, none.json!.code, none.headers.get('www-authenticate')]).toEqual([401, 'missing_credentials', 'Bearer']);
  });

  it('a revoked key is refused at once (401 api_key_revoked) and revoking again is idempotent', async () => {
    const created = await createKey({});
    const key = created.json!.key as string;
    expect((await call(gw.url, 'GET', walletPath(), asKey(key))).status).toBe(200);
    const revoked = await call(gw.url, 'POST', `/v1/api-keys/${created.json!.id}/revoke`, withKey(ADMIN_HEADERS));
    expect(revoked.json).toMatchObject({ status: 'revoked' });
    const after = await call(gw.url, 'GET', walletPath(), asKey(key));
    expect([after.status, after.json!.code]).toEqual([401, 'api_key_revoked']);
    const again = await call(gw.url, 'POST', `/v1/api-keys/${created.json!.id}/revoke`, withKey(ADMIN_HEADERS));
    expect(again.json!.revoked_at).toBe(revoked.json!.revoked_at);
  });

  it('an expired key is refused with 401 api_key_expired, and a past expiry is rejected at creation', async () => {
    const created = await createKey({ expires_at: new Date(Date.now() + 1500).toISOString() });
    const key = created.json!.key as string;
    expect((await call(gw.url, 'GET', walletPath(), asKey(key))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    const after = await call(gw.url, 'GET', walletPath(), asKey(key));
    expect([after.status, after.json!.code]).toEqual([401, 'api_key_expired']);
    const past = await createKey({ expires_at: new Date(Date.now() - 1000).toISOString() });
    expect([past.status, past.json!.code]).toEqual([400, 'validation_failed']);
  });

  it('rotation issues a working key with the same grants and revokes the old one (or lets it live out a grace period)', async () => {
    const created = await createKey({ permissions: { wallets: ['read'], points: ['read'] } });
    const rotated = await call(gw.url, 'POST', `/v1/api-keys/${created.json!.id}/rotate`, withKey(ADMIN_HEADERS), {});
    expect(rotated.status).toBe(201);
    expect(rotated.json).toMatchObject({ rotated_from: created.json!.id, permissions: { wallets: ['read'], points: ['read'] }, service_id: 'notify' });
    expect((await call(gw.url, 'GET', walletPath(), asKey(rotated.json!.key as string))).status).toBe(200);
    expect((await call(gw.url, 'GET', walletPath(), asKey(created.json!.key as string))).json!.code).toBe('api_key_revoked');
    const again = await call(gw.url, 'POST', `/v1/api-keys/${created.json!.id}/rotate`, withKey(ADMIN_HEADERS), {});
    expect([again.status, again.json!.code]).toEqual([409, 'api_key_not_active']);

    const graceful = await createKey({});
    const next = await call(gw.url, 'POST', `/v1/api-keys/${graceful.json!.id}/rotate`, withKey(ADMIN_HEADERS), { grace_period_seconds: 3600 });
    expect((await call(gw.url, 'GET', walletPath(), asKey(graceful.json!.key as string))).status).toBe(200);
    expect((await call(gw.url, 'GET', walletPath(), asKey(next.json!.key as string))).status).toBe(200);
  });

  it('only api_keys:manage or an admin may manage keys, and a key can only grant what it holds', async () => {
    const reader = (await createKey({})).json!.key as string;
    const denied = await call(gw.url, 'GET', '/v1/api-keys', asKey(reader));
    expect([denied.status, denied.json!.code]).toEqual([403, 'forbidden']);
    const resident = userToken('resident');
    expect((await call(gw.url, 'GET', '/v1/api-keys', resident.headers)).status).toBe(403);
    const manager = (await createKey({ service_id: 'ops', permissions: { api_keys: ['manage'], wallets: ['read'] } })).json!.key as string;
    const ok = await createKey({ permissions: { wallets: ['read'] } }, asKey(manager, 'ops'));
    expect(ok.status).toBe(201);
    const escalate = await createKey({ permissions: { collections: ['create'] } }, asKey(manager, 'ops'));
    expect([escalate.status, escalate.json!.code]).toEqual([403, 'forbidden']);
    const everything = await createKey({ permissions: { '*': ['*'] } }, asKey(manager, 'ops'));
    expect(everything.status).toBe(403);
    const admin = userToken('admin');
    expect((await createKey({ permissions: { collections: ['create'] } }, admin.headers)).status).toBe(201);
  });

  it('unknown resources, unknown actions, unknown fields and bad ids are 400/404 and create nothing', async () => {
    // A name of this test's own: other suites create keys in the same database meanwhile.
    const name = `refused ${randomUUID()}`;
    expect((await createKey({ name, permissions: { wallet: ['read'] } })).json).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((await createKey({ name, permissions: { wallets: ['delete'] } })).status).toBe(400);
    expect((await createKey({ name, permissions: { wallets: ['read'] }, admin: true })).status).toBe(400);
    expect((await createKey({ name, service_id: 'bad id!' })).status).toBe(400);
    expect((await ds.query('select count(*)::int as n from api_keys where name = $1', [name]))[0].n).toBe(0);
    expect((await createKey({ name })).status).toBe(201); // the same name with good input is created: the check can see it
    expect((await ds.query('select count(*)::int as n from api_keys where name = $1', [name]))[0].n).toBe(1);
    expect((await call(gw.url, 'POST', `/v1/api-keys/${randomUUID()}/revoke`, withKey(ADMIN_HEADERS))).json).toMatchObject({ status: 404, code: 'not_found' });
    expect((await call(gw.url, 'POST', '/v1/api-keys/not-a-uuid/revoke', withKey(ADMIN_HEADERS))).status).toBe(404);
  });

  it('last use is recorded (in batches, not per request)', async () => {
    const created = await createKey({});
    expect(created.json!.last_used_at).toBeNull();
    await call(gw.url, 'GET', walletPath(), asKey(created.json!.key as string));
    const used = await waitFor(async () => {
      const rows: { last_used_at: Date | null }[] = await ds.query('select last_used_at from api_keys where id = $1', [created.json!.id]);
      return rows[0].last_used_at;
    }, 'last_used_at to be written', 5000);
    expect(Math.abs(used.getTime() - Date.now())).toBeLessThan(5000);
  });

  it('a new ADMIN_API_KEY revokes the previous bootstrap key at boot', async () => {
    // A database of its own: replacing the bootstrap key must not disturb suites running beside this one.
    const prefix = `${process.env.DB_PREFIX || 'wozamali_test'}_boot`;
    await dropDatabase(serverUrl(), databaseName(prefix, 'api-gateway'));
    await migrateDatabase({ serverUrl: serverUrl(), database: databaseName(prefix, 'api-gateway'), migrations });
    const first = await startGateway({ DB_PREFIX: prefix, REDIS_KEY_PREFIX: uniqueName('gwboot') });
    await first.close();
    const replacement = `wm_live_testadmin2_${'Z9y8X7w6'.repeat(5)}`;
    const second = await startGateway({ DB_PREFIX: prefix, ADMIN_API_KEY: replacement, REDIS_KEY_PREFIX: uniqueName('gwboot') });
    try {
      const old = await call(second.url, 'GET', '/v1/api-keys', { authorization: `Bearer ${ADMIN_KEY}`, 'x-service-id': 'admin' });
      expect([old.status, old.json!.code]).toEqual([401, 'api_key_revoked']);
      const now = await allPages<{ bootstrap: boolean; status: string }>(second.url, '/v1/api-keys', { authorization: `Bearer ${replacement}`, 'x-service-id': 'admin' });
      expect(now.filter((k) => k.bootstrap).map((k) => k.status).sort()).toEqual(['active', 'revoked']);
    } finally {
      await second.close();
    }
  });
  it('pages the key list newest first with ?limit=&cursor= → { data, next_cursor }, each key once; a foreign cursor is 400', async () => {
    const made: string[] = [];
    for (let n = 0; n < 3; n += 1) {
      const res = await call(gw.url, 'POST', '/v1/api-keys', withKey(ADMIN_HEADERS), { name: `page ${n}`, service_id: `pager${n}`, permissions: { wallets: ['read'] } });
      made.push(res.json!.id as string);
    }
    const first = await call(gw.url, 'GET', '/v1/api-keys?limit=2', ADMIN_HEADERS);
    expect(first.status).toBe(200);
    expect(first.json!.data as unknown[]).toHaveLength(2);
    expect(typeof first.json!.next_cursor).toBe('string');
    let all: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(gw.url, 'GET', `/v1/api-keys?limit=1${cursor ? `&cursor=${cursor}` : ''}`, ADMIN_HEADERS);
      all = all.concat((page.json!.data as { id: string }[]).map((k) => k.id));
      cursor = page.json!.next_cursor as string | null;
    } while (cursor);
    expect(new Set(all).size).toBe(all.length);
    // Other test files make keys meanwhile: ours appear once each, newest first.
    expect(made.map((id) => all.indexOf(id))).toEqual([...made.map((id) => all.indexOf(id))].sort((a, b) => b - a));
    expect(made.every((id) => all.includes(id))).toBe(true);
    for (const bad of ['zzz', Buffer.from('["2026-01-01T00:00:00Z","nope"]').toString('base64url'), 'a%00b']) {
      const res = await call(gw.url, 'GET', `/v1/api-keys?cursor=${bad}`, ADMIN_HEADERS);
      expect([bad, res.status, res.json!.code]).toEqual([bad, 400, 'validation_failed']);
    }
  });
});
