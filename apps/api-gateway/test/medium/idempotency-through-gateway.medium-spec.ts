import { freePort, openTestDataSource, spawnService, uniqueName, type SpawnedService } from '@wozamali/testing';
import type { DataSource } from 'typeorm';
import { ADMIN_HEADERS, call, startGateway, withKey, type RunningGateway } from './gateway-harness';

// The reported bug, as an integrator sees it: one Idempotency-Key sent twice (or ten times at once)
// to POST /v1/webhooks/endpoints through the gateway made two endpoints. The real dispatcher (its
// build, on its test database) stands behind a real gateway; keys are scoped per calling service.
describe('idempotent writes through the gateway (real webhook-dispatcher process)', () => {
  let dispatcher: SpawnedService;
  let gw: RunningGateway;
  let db: DataSource;

  beforeAll(async () => {
    dispatcher = await spawnService('webhook-dispatcher', await freePort(), { KAFKA_CONSUMERS_ENABLED: 'false', HEALTH_PROBES_ENABLED: 'false', OUTBOX_RELAY_ENABLED: 'false' });
    gw = await startGateway({ WEBHOOKS_SERVICE_URL: dispatcher.url, REDIS_KEY_PREFIX: uniqueName('gwidem-e2e') });
    db = await openTestDataSource('webhook-dispatcher', 2);
  }, 90_000);

  afterAll(async () => {
    await gw?.close();
    await dispatcher?.stop();
    await db?.destroy();
  });

  const count = async (sql: string, params: unknown[]) => ((await db.query(`select count(*)::int as n from (${sql}) x`, params)) as { n: number }[])[0]!.n;

  it('POST /v1/webhooks/endpoints: one key sent twice makes one endpoint; the replay is 200 with the same body and secret', async () => {
    const description = uniqueName('via-gateway');
    const headers = withKey(ADMIN_HEADERS);
    const body = { url: 'https://hooks.example.com/gw', events: ['wallet_update'], description };
    const first = await call(gw.url, 'POST', '/v1/webhooks/endpoints', headers, body);
    const again = await call(gw.url, 'POST', '/v1/webhooks/endpoints', headers, body);
    expect([first.status, again.status, again.headers.get('idempotent-replayed')]).toEqual([201, 200, 'true']);
    expect(again.json).toEqual(first.json);
    expect(await count('select 1 from webhook_endpoints where description = $1', [description])).toBe(1);
  });

  it('POST /v1/webhooks/endpoints: one key sent 10 times at once makes one endpoint', async () => {
    const description = uniqueName('via-gateway-at-once');
    const headers = withKey(ADMIN_HEADERS);
    const body = { url: 'https://hooks.example.com/gw', events: ['wallet_update'], description };
    const answers = await Promise.all(Array.from({ length: 10 }, () => call(gw.url, 'POST', '/v1/webhooks/endpoints', headers, body)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.json!.id)).size).toBe(1);
    expect(await count('select 1 from webhook_endpoints where description = $1', [description])).toBe(1);
  });

  it('the same key with another body is 409 idempotency_key_reused; no key is 400 idempotency_key_required', async () => {
    const description = uniqueName('via-gateway-reuse');
    const headers = withKey(ADMIN_HEADERS);
    expect((await call(gw.url, 'POST', '/v1/webhooks/endpoints', headers, { url: 'https://hooks.example.com/a', events: ['wallet_update'], description })).status).toBe(201);
    const reused = await call(gw.url, 'POST', '/v1/webhooks/endpoints', headers, { url: 'https://hooks.example.com/b', events: ['wallet_update'], description });
    expect([reused.status, reused.json!.code]).toEqual([409, 'idempotency_key_reused']);
    const none = await call(gw.url, 'POST', '/v1/webhooks/endpoints', ADMIN_HEADERS, { url: 'https://hooks.example.com/c', events: ['wallet_update'], description });
    expect([none.status, none.json!.code]).toEqual([400, 'idempotency_key_required']);
    expect(await count('select 1 from webhook_endpoints where description = $1', [description])).toBe(1);
  });

  it('a NUL in a proxied body is 400 validation_failed at the gateway, and the dispatcher writes nothing', async () => {
    const description = uniqueName('via-gateway-nul');
    const res = await call(gw.url, 'POST', '/v1/webhooks/endpoints', withKey(ADMIN_HEADERS), { url: 'https://hooks.example.com/n', events: ['wallet_update'], description: `${description}\u0000` });
    expect([res.status, res.json!.code]).toEqual([400, 'validation_failed']);
    expect(res.json!.errors).toEqual([{ field: 'description', messages: [expect.stringContaining('NUL')] }]);
    expect(await count('select 1 from webhook_endpoints where description like $1', [`${description}%`])).toBe(0);
  });
});
