import { randomUUID } from 'node:crypto';
import { breakage, broken, openTestDataSource, uniqueName } from '@wozamali/testing';
import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { ADMIN_HEADERS, call, startGateway, StubBackend, withKey, type RunningGateway } from './gateway-harness';

// Random bad input against the gateway's own writes, the API keys (fast-check; each request a valid
// body broken one way): never a 5xx; a refusal is problem+json with a stable code and creates no
// key. The api_keys table is shared with other suites running now, so each case looks for its own
// key name.
const RUNS = Number(process.env.FUZZ_RUNS || 100);
let gw: RunningGateway;
let backend: StubBackend;
let ds: DataSource;

beforeAll(async () => {
  backend = await new StubBackend().start();
  gw = await startGateway({ WALLET_SERVICE_URL: backend.url, REDIS_KEY_PREFIX: uniqueName('gwfuzz') });
  ds = await openTestDataSource('api-gateway', 2);
});

afterAll(async () => {
  await gw?.close();
  await backend?.stop();
  await ds?.destroy();
});

it('creating an API key: never a 5xx; a refusal is problem+json with a code and creates no key', async () => {
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(breakage, async (b) => {
      const name = `fuzz ${randomUUID()}`;
      const body = broken({ name, service_id: 'notify', permissions: { wallets: ['read'], points: ['earn'] }, rate_limit_per_minute: 100, expires_at: '2030-01-01T00:00:00Z' }, b);
      const res = await call(gw.url, 'POST', '/v1/api-keys', withKey(ADMIN_HEADERS), typeof body === 'string' ? body : JSON.stringify(body) ?? 'null');
      expect(res.status).toBeLessThan(500);
      expect(res.status).not.toBe(429); // a refusal must come from the input, not the rate limiter
      if (res.status >= 400) {
        refused += 1;
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.json?.code).toMatch(/^[a-z][a-z_]*$/);
        expect(await ds.query('select count(*)::int as n from api_keys where name = $1', [name])).toEqual([{ n: 0 }]);
      }
    }),
    { numRuns: RUNS },
  );
  expect(refused).toBeGreaterThan(RUNS / 2);
}, 120_000);

it('rotating an API key: never a 5xx; a refusal is problem+json with a code and leaves the key live', async () => {
  const created = await call(gw.url, 'POST', '/v1/api-keys', withKey(ADMIN_HEADERS), { name: uniqueName('fuzz-rotate'), service_id: 'notify', permissions: { wallets: ['read'] } });
  expect(created.status).toBe(201);
  let current = created.json!.id as string;
  await fc.assert(
    fc.asyncProperty(breakage, async (b) => {
      const body = broken({ grace_period_seconds: 60 }, b);
      const res = await call(gw.url, 'POST', `/v1/api-keys/${current}/rotate`, withKey(ADMIN_HEADERS), typeof body === 'string' ? body : JSON.stringify(body) ?? 'null');
      expect(res.status).toBeLessThan(500);
      expect(res.status).not.toBe(429); // a refusal must come from the input, not the rate limiter
      if (res.status >= 400) {
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.json?.code).toMatch(/^[a-z][a-z_]*$/);
        expect(await ds.query('select revoked_at from api_keys where id = $1', [current])).toEqual([{ revoked_at: null }]);
      } else {
        current = res.json!.id as string; // a body that stayed valid rotated it: go on from the new key
      }
    }),
    { numRuns: RUNS },
  );
}, 120_000);
