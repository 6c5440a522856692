import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { uniqueName } from '@wozamali/testing';
import { startMetricsListener } from '../../src/gateway-app';
import { ADMIN_HEADERS, call, startGateway, StubBackend, userToken, type RunningGateway } from './gateway-harness';

describe('HTTP conventions integrators expect (405 with Allow, HEAD, CORS from an allow-list, /metrics off the public port)', () => {
  let gw: RunningGateway;
  let corsGw: RunningGateway;
  let wallet: StubBackend;
  let metricsServer: Server;
  let metricsUrl: string;

  beforeAll(async () => {
    wallet = await new StubBackend().start();
    wallet.respond = (r) => ({ status: 200, body: r.method === 'HEAD' ? undefined : { user_id: 'x', balance: 100 }, headers: { etag: '"w1"' } });
    gw = await startGateway({ WALLET_SERVICE_URL: wallet.url, REDIS_KEY_PREFIX: uniqueName('gwhttp'), GATEWAY_WALLET_CACHE_TTL_MS: '0' });
    corsGw = await startGateway({ WALLET_SERVICE_URL: wallet.url, REDIS_KEY_PREFIX: uniqueName('gwcors'), CORS_ALLOWED_ORIGINS: 'https://console.example.org,http://localhost:5173' });
    metricsServer = await startMetricsListener(gw.app, '127.0.0.1', 0);
    metricsUrl = `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => metricsServer.close(resolve));
    await Promise.all([gw.close(), corsGw.close()]);
    await wallet.stop();
  });
  beforeEach(() => { wallet.received.length = 0; });

  it('answers a known path asked with a wrong method 405 with Allow (HEAD beside GET), an unknown path 404, and forwards neither', async () => {
    const res = await call(gw.url, 'DELETE', `/v1/wallets/${randomUUID()}`, ADMIN_HEADERS);
    expect(res.status).toBe(405);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.json).toMatchObject({ status: 405, code: 'method_not_allowed' });
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    const post = await call(gw.url, 'PUT', '/v1/collections', ADMIN_HEADERS, {});
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'POST']);
    const unknown = await call(gw.url, 'DELETE', '/v1/no-such-thing', ADMIN_HEADERS);
    expect([unknown.status, unknown.json!.code, unknown.headers.get('allow')]).toEqual([404, 'not_found', null]);
    // Credentials come first: without them a wrong method is 401, as every /v1 path is.
    expect((await call(gw.url, 'DELETE', `/v1/wallets/${randomUUID()}`)).status).toBe(401);
    expect(wallet.received).toEqual([]);
  });

  it('serves HEAD wherever it serves GET, with the same authorization and no body', async () => {
    const resident = userToken('resident');
    const own = await fetch(`${gw.url}/v1/wallets/${resident.sub}`, { method: 'HEAD', headers: resident.headers });
    expect(own.status).toBe(200);
    expect(own.headers.get('etag')).toBe('"w1"');
    expect(await own.text()).toBe('');
    expect(wallet.received.map((r) => [r.method, r.url])).toEqual([['HEAD', `/v1/wallets/${resident.sub}`]]);
    // Someone else's wallet is as invisible to HEAD as to GET.
    const other = await fetch(`${gw.url}/v1/wallets/${randomUUID()}`, { method: 'HEAD', headers: resident.headers });
    expect(other.status).toBe(404);
    expect(wallet.received).toHaveLength(1);
  });

  it('answers CORS only for configured origins, and not at all by default', async () => {
    const preflight = (base: string, origin: string) => fetch(`${base}/v1/wallets/${randomUUID()}`, {
      method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    const allowed = await preflight(corsGw.url, 'https://console.example.org');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://console.example.org');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('idempotency-key');
    const stranger = await preflight(corsGw.url, 'https://evil.example.com');
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    const off = await preflight(gw.url, 'https://console.example.org');
    expect(off.headers.get('access-control-allow-origin')).toBeNull();
    // A real cross-origin read: the browser may read the answer and the request id.
    const resident = userToken('resident');
    const read = await fetch(`${corsGw.url}/v1/wallets/${resident.sub}`, { headers: { ...resident.headers, origin: 'http://localhost:5173' } });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(read.headers.get('access-control-expose-headers')).toContain('x-request-id');
  });

  it('keeps /metrics off the public port and labels proxied calls by their route template on the internal one', async () => {
    const pub = await call(gw.url, 'GET', '/metrics');
    expect([pub.status, pub.json!.code]).toEqual([404, 'not_found']);
    expect((await call(gw.url, 'GET', '/metrics?x=1')).status).toBe(404);
    const resident = userToken('resident');
    expect((await call(gw.url, 'GET', `/v1/wallets/${resident.sub}`, resident.headers)).status).toBe(200);
    const text = await (await fetch(`${metricsUrl}/metrics`)).text();
    expect(text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/v1\/wallets\/\{user_id\}"[^}]*\} [1-9]/);
    expect(text).not.toContain(resident.sub);
    expect((await fetch(`${metricsUrl}/v1/wallets/x`)).status).toBe(404);
  });
});
