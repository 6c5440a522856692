import { randomUUID } from 'node:crypto';
import { uniqueName } from '@wozamali/testing';
import { ADMIN_HEADERS, call, closedPort, startGateway, StubBackend, withKey, type RunningGateway } from './gateway-harness';
import { RateLimiter } from '../../src/rate-limit/rate-limiter';

describe('rate limits (real Redis; a node:http stub stands in for the wallet-service)', () => {
  let wallet: StubBackend;
  const running: RunningGateway[] = [];

  async function gateway(overrides: Record<string, string> = {}): Promise<RunningGateway> {
    const gw = await startGateway({ WALLET_SERVICE_URL: wallet.url, ...overrides });
    running.push(gw);
    return gw;
  }
  async function keyWithLimit(gw: RunningGateway, limit: number): Promise<Record<string, string>> {
    const created = await call(gw.url, 'POST', '/v1/api-keys', withKey(ADMIN_HEADERS), { name: 'limited', service_id: 'notify', permissions: { wallets: ['read'] }, rate_limit_per_minute: limit });
    return { authorization: `Bearer ${created.json!.key as string}`, 'x-service-id': 'notify' };
  }
  const read = (gw: RunningGateway, headers: Record<string, string> = {}) => call(gw.url, 'GET', `/v1/wallets/${randomUUID()}`, headers);

  beforeAll(async () => { wallet = await new StubBackend().start(); });
  afterAll(async () => {
    await Promise.all(running.map((g) => g.close()));
    await wallet.stop();
  });

  it('a key over its limit gets 429 rate_limited with Retry-After and RateLimit-* headers, and the service is not called', async () => {
    const gw = await gateway({ REDIS_KEY_PREFIX: uniqueName('rl') });
    const key = await keyWithLimit(gw, 3);
    const ok = [await read(gw, key), await read(gw, key), await read(gw, key)];
    expect(ok.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(ok.map((r) => r.headers.get('ratelimit-remaining'))).toEqual(['2', '1', '0']);
    const calls = wallet.received.length;
    const limited = await read(gw, key);
    expect(limited.status).toBe(429);
    expect(limited.json).toMatchObject({ code: 'rate_limited', status: 429 });
    expect(limited.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(limited.headers.get('ratelimit-limit')).toBe('3');
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect(wallet.received.length).toBe(calls);
  });

  it('the limit is shared by every gateway instance (counted in Redis)', async () => {
    const prefix = uniqueName('rlshared');
    const a = await gateway({ REDIS_KEY_PREFIX: prefix });
    const b = await gateway({ REDIS_KEY_PREFIX: prefix });
    const key = await keyWithLimit(a, 4);
    expect([(await read(a, key)).status, (await read(b, key)).status, (await read(a, key)).status, (await read(b, key)).status]).toEqual([200, 200, 200, 200]);
    expect((await read(a, key)).status).toBe(429);
    expect((await read(b, key)).status).toBe(429);
  });

  it('requests that do not authenticate are limited per client IP', async () => {
    const gw = await gateway({ REDIS_KEY_PREFIX: uniqueName('rlip'), RATE_LIMIT_IP_PER_WINDOW: '3' });
    const bad = { authorization: `Bearer wm_live_zzzzzzzzzzzz_${'0'.repeat(64)}`, 'x-service-id': 'x' };
    expect([(await read(gw)).status, (await read(gw, bad)).status, (await read(gw)).status]).toEqual([401, 401, 401]);
    const limited = await read(gw, bad);
    expect([limited.status, limited.json!.code]).toEqual([429, 'rate_limited']);
  });

  it('with Redis down the gateway still answers quickly and still enforces the limits, per instance (documented fallback)', async () => {
    const gw = await gateway({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}`, REDIS_KEY_PREFIX: uniqueName('rldown') });
    const key = await keyWithLimit(gw, 2);
    const started = Date.now();
    const first = await read(gw, key);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-remaining')).toBe('1');
    expect((await read(gw, key)).status).toBe(200);
    const limited = await read(gw, key);
    expect([limited.status, limited.json!.code]).toEqual([429, 'rate_limited']);
    expect(limited.headers.get('retry-after')).not.toBeNull();
    expect(Date.now() - started).toBeLessThan(1500);
    // After a few failed calls the Redis breaker is open: requests no longer wait on Redis at all.
    for (let i = 0; i < 5; i += 1) await read(gw, key);
    expect(gw.app.get(RateLimiter).breakerState).toBe('open');
  });
});
