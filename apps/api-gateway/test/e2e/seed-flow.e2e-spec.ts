import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { DisposableBroker, ROOT, serverUrl, serviceKeyEnv, uniqueName, waitFor, WebhookReceiver } from '@wozamali/testing';
import { ADMIN_HEADERS, call, closedPort, startGateway, userToken, withKey, type RunningGateway } from '../medium/gateway-harness';

const exec = promisify(execFile);

// The seed's recycling reward flow, through the gateway only, against the real wallet-service and
// webhook-dispatcher (built processes, as `npm start` runs them) on a Kafka broker and databases of
// this file's own, so no other suite's consumers or data interfere.
const prefix = `${process.env.DB_PREFIX || 'wozamali_test'}_gwe2e`;
// A broker of its own, on a port of its own: jest runs two files at once, and four gateway e2e files start one.
const broker = new DisposableBroker(Number(process.env.GATEWAY_E2E_KAFKA_PORT || 19472) + 20);
const children: ChildProcess[] = [];

/** The subscriber's deliveries as it verified them (WebhookReceiver answers 401 to what does not verify). */
const deliveries = (r: WebhookReceiver) => [...r.accepted.values()].map((w) => ({ id: w.id, type: w.body.type, body: w.body, verified: r.requests.some((q) => q.id === w.id && q.verified) }));

async function startService(name: string, env: Record<string, string>): Promise<string> {
  const port = await closedPort();
  const child = spawn(process.execPath, [path.join(ROOT, 'apps', name, 'dist', 'main.js')], {
    env: { ...process.env, ...serviceKeyEnv(name), ...env, PORT: String(port), DB_PREFIX: prefix, KAFKA_BROKERS: broker.brokers, LOG_LEVEL: 'warn', WOZAMALI_INFRA_READY: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => { stderr = (stderr + c.toString()).slice(-4000); });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${stderr}`);
    return (await fetch(`${url}/health/ready`)).ok;
  }, `${name} ready`, 60_000, 200);
  return url;
}

describe('the seed recycling reward flow end to end, through the gateway only', () => {
  let gw: RunningGateway;
  let walletUrl = '';
  let webhooksUrl = '';
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    await broker.start();
    const env = { ...process.env, DB_PREFIX: prefix, KAFKA_BROKERS: broker.brokers, DATABASE_URL: serverUrl() };
    await exec(process.execPath, [path.join(ROOT, 'scripts/kafka-topics.js')], { env });
    await exec(process.execPath, [path.join(ROOT, 'scripts/migrate.js'), '--reset', 'wallet-service', 'webhook-dispatcher'], { env });
    [walletUrl, webhooksUrl] = await Promise.all([
      startService('wallet-service', {}),
      startService('webhook-dispatcher', { WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_RETRY_SCHEDULE: '100ms,200ms,300ms', WEBHOOK_POLL_INTERVAL_MS: '50', HEALTH_PROBES_ENABLED: 'false' }),
    ]);
    gw = await startGateway({ WALLET_SERVICE_URL: walletUrl, WEBHOOKS_SERVICE_URL: webhooksUrl, REDIS_KEY_PREFIX: uniqueName('gwe2e') });
  }, 150_000);

  afterAll(async () => {
    await gw?.close();
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
    await receiver.stop();
    await broker.stop();
  }, 60_000);

  it('admin key → service key and webhook → registry and heartbeat → collection → resident sees balance, points and tier → signed webhook delivered → isolation holds', async () => {
    // 1. An admin creates a read-only key for the notification service and registers its webhook.
    const created = await call(gw.url, 'POST', '/v1/api-keys', withKey(ADMIN_HEADERS), {
      name: 'notification service', service_id: 'notify',
      permissions: { wallets: ['read'], points: ['read'], external_services: ['register', 'heartbeat', 'read'] },
    });
    expect(created.status).toBe(201);
    const service = { authorization: `Bearer ${created.json!.key as string}`, 'x-service-id': 'notify' };
    const endpoint = await call(gw.url, 'POST', '/v1/webhooks/endpoints', { ...ADMIN_HEADERS, 'idempotency-key': randomUUID() }, {
      url: await receiver.start(), events: ['wallet_update', 'points_update'], description: 'notification service',
    });
    expect(endpoint.status).toBe(201);
    receiver.useSecrets(endpoint.json!.secret as string);

    // 2. The service registers in the external services registry and sends a heartbeat.
    const registered = await call(gw.url, 'POST', '/v1/external/services', { ...service, 'idempotency-key': randomUUID() }, { name: 'notify', type: 'notification', base_url: 'https://notify.example.org' });
    expect(registered.status).toBe(201);
    const beat = await call(gw.url, 'POST', `/v1/external/services/${registered.json!.id as string}/heartbeat`, { ...service, 'idempotency-key': randomUUID() });
    expect(beat.status).toBe(200);
    const health = await call(gw.url, 'GET', '/v1/external/services/health', service);
    expect(JSON.stringify(health.json)).toContain('healthy');

    // 3. A collector records 5 kg of plastic for a resident.
    const resident = userToken('resident');
    const collector = userToken('collector');
    const collection = await call(gw.url, 'POST', '/v1/collections', { ...collector.headers, 'idempotency-key': randomUUID() }, {
      user_id: resident.sub, collector_id: collector.sub, materials: [{ material: 'HDPE', kg: '5' }],
    });
    expect(collection.status).toBe(201);
    expect(collection.json).toMatchObject({ points: 50, amount: 1000 });

    // 4. The resident sees the new balance, points and tier with their own token.
    const wallet = await call(gw.url, 'GET', `/v1/wallets/${resident.sub}`, resident.headers);
    expect(wallet.status).toBe(200);
    expect(wallet.json).toMatchObject({ user_id: resident.sub, balance: 1000, points: 50, tier: expect.any(String) });

    // 5. The webhook arrives signed, verifies with standardwebhooks, and the 2xx marks it delivered.
    const update = await waitFor(() => deliveries(receiver).find((d) => d.type === 'wallet_update' && JSON.stringify(d.body).includes(resident.sub)), 'the wallet_update webhook', 30_000);
    expect(update.verified).toBe(true);
    const status = await waitFor(async () => {
      const res = await call(gw.url, 'GET', `/v1/webhooks/events/${update.id}`, ADMIN_HEADERS);
      return res.json?.status === 'delivered' ? res : null;
    }, 'the sync status to read delivered', 20_000);
    expect(status.status).toBe(200);

    // 6. Isolation: another resident's wallet is 404; the read-only key cannot record a collection.
    const other = await call(gw.url, 'GET', `/v1/wallets/${resident.sub}`, userToken('resident').headers);
    expect([other.status, other.json!.code]).toEqual([404, 'not_found']);
    const denied = await call(gw.url, 'POST', '/v1/collections', { ...service, 'idempotency-key': randomUUID() }, { user_id: resident.sub, materials: [{ material: 'HDPE', kg: '1' }] });
    expect([denied.status, denied.json!.code]).toEqual([403, 'forbidden']);
  });

  it('points-only earns of new residents each reach a subscriber as a signed wallet_update, and no consumer dead-letters them', async () => {
    const subscriber = new WebhookReceiver();
    try {
      const endpoint = await call(gw.url, 'POST', '/v1/webhooks/endpoints', { ...ADMIN_HEADERS, 'idempotency-key': randomUUID() }, {
        url: await subscriber.start(), events: ['wallet_update'], description: 'points-only subscriber',
      });
      expect(endpoint.status).toBe(201);
      subscriber.useSecrets(endpoint.json!.secret as string);
      const residents = Array.from({ length: 10 }, () => randomUUID());
      for (const id of residents) {
        const earned = await call(gw.url, 'POST', `/v1/users/${id}/points/earn`, { ...ADMIN_HEADERS, 'idempotency-key': randomUUID() }, { points: 15, reason: 'points only' });
        expect(earned.status).toBe(201);
      }
      const updates = await waitFor(() => {
        const got = residents.map((id) => deliveries(subscriber).find((d) => d.type === 'wallet_update' && (d.body.data as { user_id: string }).user_id === id));
        return got.every(Boolean) ? got : null;
      }, 'a wallet_update for every points-only earn', 30_000);
      for (const u of updates) {
        expect(u!.verified).toBe(true);
        expect(u!.body.data).toMatchObject({ points_change: 15, balance_change: 0, wallet_id: expect.any(String) });
      }
      const prom = await fetch(`${webhooksUrl}/metrics`).then((r) => r.text());
      expect(prom).toMatch(/^inbox_dead_lettered_total\{[^}]*\} 0$/m);
    } finally {
      await subscriber.stop();
    }
  });

  it('balance reads are served from the gateway cache, and a write anywhere evicts them through Kafka before the TTL', async () => {
    // A second gateway instance with its wallet cache fed by the broker; its TTL is a minute, so
    // only an eviction can explain a fresh answer within seconds.
    const cached = await startGateway({
      WALLET_SERVICE_URL: walletUrl, REDIS_KEY_PREFIX: uniqueName('gwcache'), KAFKA_CONSUMERS_ENABLED: 'true', KAFKA_BROKERS: broker.brokers,
      GATEWAY_WALLET_CACHE_TTL_MS: '60000',
    });
    try {
      const resident = userToken('resident');
      const collector = userToken('collector');
      const collect = (via: RunningGateway, kg: string) => call(via.url, 'POST', '/v1/collections', { ...collector.headers, 'idempotency-key': randomUUID() }, { user_id: resident.sub, materials: [{ material: 'HDPE', kg }] });
      const read = (headers: Record<string, string> = {}) => call(cached.url, 'GET', `/v1/wallets/${resident.sub}`, { ...resident.headers, ...headers });
      expect((await collect(gw, '1')).status).toBe(201);

      // The feed joins the group first; until then every read goes to the wallet-service.
      const first = await waitFor(async () => {
        const res = await read();
        return res.headers.get('cache-status')?.includes('stored') ? res : null;
      }, 'a read stored in the cache', 30_000, 200);
      expect(first.json).toMatchObject({ balance: 200 });
      const hit = await read();
      expect([hit.status, hit.headers.get('cache-status'), hit.json!.balance]).toEqual([200, 'wozamali-gateway; hit', 200]);
      expect(hit.headers.get('content-type')).toContain('application/json');

      // Isolation is decided before the cache: another resident still gets 404 and no data.
      const other = await call(cached.url, 'GET', `/v1/wallets/${resident.sub}`, userToken('resident').headers);
      expect([other.status, other.json!.code, other.text.includes('"balance"')]).toEqual([404, 'not_found', false]);

      // A write through the other instance reaches this one's cache through wallet.events.
      const t0 = Date.now();
      expect((await collect(gw, '2')).status).toBe(201);
      const fresh = await waitFor(async () => {
        const res = await read();
        return res.json?.balance === 600 ? res : null;
      }, 'the new balance through the cached instance', 10_000, 20);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(fresh.headers.get('cache-status')).not.toBe('wozamali-gateway; hit');

      // A write through this instance is visible to its very next read.
      expect((await collect(cached, '1')).status).toBe(201);
      expect((await read()).json).toMatchObject({ balance: 800 });

      // Cache-Control: no-cache asks the wallet-service itself.
      const forced = await read({ 'cache-control': 'no-cache' });
      expect([forced.json!.balance, forced.headers.get('cache-status')]).toEqual([800, expect.stringContaining('fwd=request')]);
    } finally {
      await cached.close();
    }

    // With its feed unreachable, an instance serves every read from the wallet-service.
    const blind = await startGateway({
      WALLET_SERVICE_URL: walletUrl, REDIS_KEY_PREFIX: uniqueName('gwblind'), KAFKA_CONSUMERS_ENABLED: 'true', KAFKA_BROKERS: `127.0.0.1:${await closedPort()}`,
      GATEWAY_WALLET_CACHE_TTL_MS: '60000',
    });
    try {
      const resident = userToken('resident');
      for (let i = 0; i < 3; i += 1) {
        const res = await call(blind.url, 'GET', `/v1/wallets/${resident.sub}`, resident.headers);
        expect([res.status, res.headers.get('cache-status')]).toEqual([200, 'wozamali-gateway; fwd=miss']);
      }
    } finally {
      await blind.close();
    }
  }, 90_000);
});
