import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { parseServicePublicKeys, ServiceTokenVerifier } from '@wozamali/auth';
import { testServiceKeys, uniqueName } from '@wozamali/testing';
import { ADMIN_HEADERS, call, closedPort, JWT_SECRET, startGateway, StubBackend, userToken, withKey, type RunningGateway } from './gateway-harness';

describe('routing and end-user isolation (node:http stubs stand in for the wallet-service and webhook-dispatcher)', () => {
  let gw: RunningGateway;
  let wallet: StubBackend;
  let webhooks: StubBackend;
  let slow: StubBackend;
  let downPort: number;
  let readKey: string;

  beforeAll(async () => {
    wallet = await new StubBackend().start();
    webhooks = await new StubBackend().start();
    slow = await new StubBackend().start();
    slow.respond = () => ({ status: 200, body: { late: true }, delayMs: 1500 });
    downPort = await closedPort();
    gw = await startGateway({
      WALLET_SERVICE_URL: wallet.url,
      WEBHOOKS_SERVICE_URL: webhooks.url,
      METRICS_SERVICE_URL: slow.url,
      REWARDS_SERVICE_URL: `http://127.0.0.1:${downPort}`,
      BACKEND_TIMEOUT_MS: '300',
      REDIS_KEY_PREFIX: uniqueName('gwroute'),
    });
    const created = await call(gw.url, 'POST', '/v1/api-keys', withKey(ADMIN_HEADERS), { name: 'notify', service_id: 'notify', permissions: { wallets: ['read'], webhooks: ['read'] } });
    readKey = created.json!.key as string;
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([wallet.stop(), webhooks.stop(), slow.stop()]);
  });
  beforeEach(() => {
    wallet.received.length = 0;
    wallet.respond = () => ({ status: 200, body: { ok: true } });
  });
  const asKey = (key: string, service = 'notify') => ({ authorization: `Bearer ${key}`, 'x-service-id': service });

  /** What the wallet-service would make of a forwarded request's service token. */
  const asWallet = (authorization: unknown) => new ServiceTokenVerifier({ audience: 'wallet-service', keys: parseServicePublicKeys(testServiceKeys().publicKeys) })
    .verify(typeof authorization === 'string' ? authorization.replace(/^Bearer /, '') : undefined);

  it('forwards method, path, query, body bytes, Idempotency-Key, X-Request-ID and the principal (inside the signed service token); drops credentials and forged principal headers', async () => {
    const collector = userToken('collector');
    const body = `{"user_id":"${randomUUID()}","materials":[{"material":"plastic","kg":"5.000"}],  "note":"keep   spacing"}`;
    wallet.respond = () => ({ status: 201, body: { collection_id: 'c1' }, headers: { location: '/v1/collections/c1', 'idempotent-replayed': 'false' } });
    const res = await call(gw.url, 'POST', '/v1/collections?dry=0', {
      ...collector.headers, 'idempotency-key': 'idem-1', 'x-request-id': 'req-abc-123', 'x-principal-role': 'admin', 'x-principal-id': 'forged', cookie: 'a=b',
    }, body);
    expect(res.status).toBe(201);
    expect(res.json).toEqual({ collection_id: 'c1' });
    expect(res.headers.get('location')).toBe('/v1/collections/c1');
    expect(res.headers.get('x-request-id')).toBe('req-abc-123');
    const got = wallet.received[0];
    expect([got.method, got.url, got.body]).toEqual(['POST', '/v1/collections?dry=0', body]);
    expect(got.headers).toMatchObject({ 'idempotency-key': 'idem-1', 'x-request-id': 'req-abc-123' });
    await expect(asWallet(got.headers.authorization)).resolves.toEqual({ service: 'api-gateway', principal: { type: 'user', userId: collector.sub, role: 'collector' } });
    // The user's own credential stays at the gateway; forged principal headers reach no one.
    expect(got.headers.authorization).not.toContain(collector.headers.authorization.slice(7));
    expect(Object.keys(got.headers).filter((h) => h.startsWith('x-principal') || h === 'x-service-id' || h === 'x-api-key-id')).toEqual([]);
    expect(got.headers.cookie).toBeUndefined();
  });

  it('generates a request id when none is sent and passes the same one to the service', async () => {
    const me = userToken('resident');
    const res = await call(gw.url, 'GET', `/v1/wallets/${me.sub}`, me.headers);
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(wallet.received[0].headers['x-request-id']).toBe(id);
  });

  it('passes a service problem through unchanged (status, problem+json body)', async () => {
    const me = userToken('resident');
    const problem = { type: 'https://docs.wozamali.co.za/problems/insufficient-points', title: 'Insufficient points', status: 422, code: 'insufficient_points', correlation_id: 'x' };
    wallet.respond = () => ({ status: 422, body: problem, headers: { 'content-type': 'application/problem+json' } });
    const res = await call(gw.url, 'POST', `/v1/users/${me.sub}/points/spend`, me.headers, { points: 10, reason: 'voucher' });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json).toEqual(problem);
  });

  it("a resident's token reads their own wallet but another resident's wallet is 404 not_found, and the service is never asked", async () => {
    const me = userToken('resident');
    const other = randomUUID();
    expect((await call(gw.url, 'GET', `/v1/wallets/${me.sub}`, me.headers)).status).toBe(200);
    wallet.received.length = 0;
    for (const path of [`/v1/wallets/${other}`, `/v1/wallets/${other}/transactions`, `/v1/users/${other}/points/history`]) {
      const res = await call(gw.url, 'GET', path, me.headers);
      expect([res.status, res.json!.code]).toEqual([404, 'not_found']);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    const unknownPath = await call(gw.url, 'GET', '/v1/nothing-here', me.headers);
    expect(unknownPath.json).toMatchObject({ status: 404, code: 'not_found', detail: (await call(gw.url, 'GET', `/v1/wallets/${other}`, me.headers)).json!.detail });
    expect(wallet.received).toEqual([]);
  });

  it('a collector may record a collection; a resident may not (403), nor earn points for themselves', async () => {
    const resident = userToken('resident');
    const collector = userToken('collector');
    const body = { user_id: resident.sub, materials: [{ material: 'plastic', kg: '5' }] };
    expect((await call(gw.url, 'POST', '/v1/collections', collector.headers, body)).status).toBe(200);
    expect((await call(gw.url, 'POST', '/v1/collections', resident.headers, body)).json).toMatchObject({ status: 403, code: 'forbidden' });
    expect((await call(gw.url, 'POST', `/v1/users/${resident.sub}/points/earn`, resident.headers, { points: 1000, reason: 'me' })).json).toMatchObject({ status: 403, code: 'forbidden' });
    expect(wallet.received).toHaveLength(1);
  });

  it("a service's read-only key reads wallets but cannot record a collection (403)", async () => {
    expect((await call(gw.url, 'GET', `/v1/wallets/${randomUUID()}`, asKey(readKey))).status).toBe(200);
    const res = await call(gw.url, 'POST', '/v1/collections', asKey(readKey), { user_id: randomUUID(), materials: [] });
    expect(res.json).toMatchObject({ status: 403, code: 'forbidden', required_permission: 'collections:create' });
  });

  it("serves the seed's /v1/external/{service_id}/{resource} form only for the key's own service", async () => {
    const user = randomUUID();
    const ok = await call(gw.url, 'GET', `/v1/external/notify/wallets/${user}?x=1`, asKey(readKey));
    expect(ok.status).toBe(200);
    expect(wallet.received[0].url).toBe(`/v1/wallets/${user}?x=1`);
    const other = await call(gw.url, 'GET', `/v1/external/payments/wallets/${user}`, asKey(readKey));
    expect([other.status, other.json!.code]).toEqual([403, 'service_mismatch']);
  });

  it('JWTs: expired → 401 token_expired, forged or unsigned → 401 invalid_token', async () => {
    const sub = randomUUID();
    const expired = jwt.sign({ sub, role: 'resident', exp: Math.floor(Date.now() / 1000) - 30 }, JWT_SECRET, { algorithm: 'HS256' });
    expect((await call(gw.url, 'GET', `/v1/wallets/${sub}`, { authorization: `Bearer ${expired}` })).json).toMatchObject({ status: 401, code: 'token_expired' });
    const forged = jwt.sign({ sub, role: 'admin' }, 'some-other-secret-that-is-long-enough!!', { algorithm: 'HS256', expiresIn: 60 });
    expect((await call(gw.url, 'GET', `/v1/wallets/${sub}`, { authorization: `Bearer ${forged}` })).json).toMatchObject({ status: 401, code: 'invalid_token' });
    expect((await call(gw.url, 'GET', `/v1/wallets/${sub}`, { authorization: 'Basic abc' })).json).toMatchObject({ status: 401, code: 'invalid_credentials' });
    expect(wallet.received).toEqual([]);
  });

  it('an unreachable service is a 503 problem+json at once, and the breaker opens', async () => {
    const admin = userToken('admin');
    const started = Date.now();
    const first = await call(gw.url, 'GET', '/v1/rewards', admin.headers);
    expect([first.status, first.json!.code]).toEqual([503, 'service_unavailable']);
    expect(first.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(first.headers.get('retry-after'))).toBeGreaterThan(0);
    for (let i = 0; i < 6; i += 1) await call(gw.url, 'GET', '/v1/rewards', admin.headers);
    const open = await call(gw.url, 'GET', '/v1/rewards', admin.headers);
    expect(open.json!.detail).toContain('circuit open');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a service that does not answer within the timeout is 504 upstream_timeout, not a hang', async () => {
    const admin = userToken('admin');
    const started = Date.now();
    const res = await call(gw.url, 'GET', '/v1/metrics', admin.headers);
    expect([res.status, res.json!.code]).toEqual([504, 'upstream_timeout']);
    expect(Date.now() - started).toBeLessThan(1200);
  });

  it('only the health probes are public (metrics are on an internal port); every /v1 path, known or not, needs credentials first', async () => {
    expect((await call(gw.url, 'GET', '/health/live')).status).toBe(200);
    expect((await call(gw.url, 'GET', '/metrics')).status).toBe(404);
    for (const [method, path] of [['GET', '/v1/api-keys'], ['POST', '/v1/api-keys/x/revoke'], ['GET', '/v1/no-such-thing'], ['GET', `/v1/wallets/${randomUUID()}`]]) {
      const res = await call(gw.url, method, path);
      expect([method, path, res.status, res.json!.code]).toEqual([method, path, 401, 'missing_credentials']);
    }
    expect(wallet.received).toEqual([]);
  });

  it('the webhook and external-service routes go to the webhook-dispatcher', async () => {
    webhooks.received.length = 0;
    webhooks.respond = () => ({ status: 200, body: { data: [] } });
    expect((await call(gw.url, 'GET', '/v1/webhooks/endpoints', asKey(readKey))).status).toBe(200);
    expect((await call(gw.url, 'POST', '/v1/webhooks/endpoints', asKey(readKey), { url: 'http://x' })).status).toBe(403);
    expect((await call(gw.url, 'POST', '/v1/external/services', ADMIN_HEADERS, { name: 'n' })).status).toBe(200);
    expect(webhooks.received.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /v1/webhooks/endpoints', 'POST /v1/external/services']);
  });
});
