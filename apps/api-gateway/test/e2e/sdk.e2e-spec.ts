import { execFile, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  apiKeysCreate, apiKeysList, collectionsRecord, createWozaMaliClient, externalServicesHealth, externalServicesHeartbeat, externalServicesList, externalServicesRegister,
  ledgerVerify, materialsGetRateCard, pointsEarn, pointsHistory, pointsSpend, tiersList, verifyWebhook, walletsGet, walletsTransactions, webhooksCreate, webhooksEndpointsGet,
  webhooksEventTypesList, webhooksList, webhooksRemove, webhooksUpdate, WebhookVerificationError, type WebhookEvent,
} from '@wozamali/sdk';
import { DisposableBroker, ROOT, serverUrl, uniqueName, waitFor } from '@wozamali/testing';
import { ADMIN_KEY, startGateway, type RunningGateway, startBuiltService } from '../medium/gateway-harness';

const exec = promisify(execFile);

// The SDK (libs/sdk) against the running platform: the built wallet-service and webhook-dispatcher
// behind the real gateway, on a broker and databases of this file's own.
const prefix = `${process.env.DB_PREFIX || 'wozamali_test'}_gwsdk`;
// A broker of its own, on a port of its own: jest runs two files at once, and four gateway e2e files start one.
const broker = new DisposableBroker(Number(process.env.GATEWAY_E2E_KAFKA_PORT || 19472) + 30);
const children: ChildProcess[] = [];

const startService = (name: string, env: Record<string, string>): Promise<string> => startBuiltService(name, env, { prefix, brokers: broker.brokers, children });

/** A proxy to the gateway that can break answers: `plan` decides per request (forward, cut the connection after forwarding, or answer 503 itself). */
class FlakyProxy {
  readonly seen: { method: string; url: string; key: string | undefined; outcome: string }[] = [];
  plan: (n: number, req: http.IncomingMessage) => 'forward' | 'cut-after-forward' | '503' = () => 'forward';
  private server: http.Server | null = null;
  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const outcome = this.plan(this.seen.length, req);
        this.seen.push({ method: req.method ?? '', url: req.url ?? '', key: req.headers['idempotency-key'] as string | undefined, outcome });
        if (outcome === '503') {
          res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '1' }).end(JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, code: 'service_unavailable' }));
          return;
        }
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k))) as Record<string, string>;
        fetch(`${this.target}${req.url ?? '/'}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined })
          .then(async (upstream) => {
            const body = Buffer.from(await upstream.arrayBuffer());
            if (outcome === 'cut-after-forward') { req.socket.destroy(); return; }
            const out: Record<string, string> = {};
            upstream.headers.forEach((v, k) => { if (!['content-length', 'transfer-encoding', 'connection', 'content-encoding'].includes(k)) out[k] = v; });
            res.writeHead(upstream.status, out).end(body);
          })
          .catch(() => { req.socket.destroy(); });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

describe('@wozamali/sdk against the running platform', () => {
  let gw: RunningGateway;
  let proxy: FlakyProxy;
  let proxyUrl = '';
  const receiver: { raw: string; headers: http.IncomingHttpHeaders }[] = [];
  let receiverServer: http.Server;
  let receiverUrl = '';

  beforeAll(async () => {
    await broker.start();
    const env = { ...process.env, DB_PREFIX: prefix, KAFKA_BROKERS: broker.brokers, DATABASE_URL: serverUrl() };
    await exec(process.execPath, [path.join(ROOT, 'scripts/kafka-topics.js')], { env });
    await exec(process.execPath, [path.join(ROOT, 'scripts/migrate.js'), '--reset', 'wallet-service', 'webhook-dispatcher'], { env });
    const [walletUrl, webhooksUrl] = await Promise.all([
      startService('wallet-service', {}),
      startService('webhook-dispatcher', { WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_RETRY_SCHEDULE: '100ms,200ms,300ms', WEBHOOK_POLL_INTERVAL_MS: '50', HEALTH_PROBES_ENABLED: 'false' }),
    ]);
    gw = await startGateway({ WALLET_SERVICE_URL: walletUrl, WEBHOOKS_SERVICE_URL: webhooksUrl, REDIS_KEY_PREFIX: uniqueName('gwsdk') });
    proxy = new FlakyProxy(gw.url);
    proxyUrl = await proxy.start();
    receiverServer = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => { receiver.push({ raw: Buffer.concat(chunks).toString('utf8'), headers: req.headers }); res.writeHead(204).end(); });
    });
    await new Promise<void>((resolve) => receiverServer.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiverServer.address() as AddressInfo).port}/hooks`;
  }, 150_000);

  afterAll(async () => {
    await proxy?.stop();
    receiverServer?.closeAllConnections();
    await new Promise((resolve) => receiverServer?.close(resolve));
    await gw?.close();
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
    await broker.stop();
  }, 60_000);

  it('drives the wallet, points, collections, catalogue, ledger, api-keys, webhooks and external-services resources with typed requests and answers', async () => {
    const admin = createWozaMaliClient({ baseUrl: gw.url, apiKey: ADMIN_KEY, serviceId: 'admin' });
    const user = randomUUID();
    const earned = await pointsEarn({ client: admin, path: { user_id: user }, body: { points: 120, reason: 'sdk test' }, throwOnError: true });
    expect(earned.data).toMatchObject({ kind: expect.any(String), points: 120, wallet: { points: 120 } });
    const spent = await pointsSpend({ client: admin, path: { user_id: user }, body: { points: 20, reason: 'sdk spend' }, throwOnError: true });
    expect(spent.data.wallet.points).toBe(100);
    const tooMuch = await pointsSpend({ client: admin, path: { user_id: user }, body: { points: 10_000, reason: 'too much' } });
    expect([tooMuch.response?.status, tooMuch.error?.code]).toEqual([422, 'insufficient_points']);
    const collected = await collectionsRecord({ client: admin, body: { user_id: user, materials: [{ material: 'PET', kg: '2' }] }, throwOnError: true });
    expect(collected.data.transfer_id).toEqual(expect.any(String));
    const wallet = await walletsGet({ client: admin, path: { user_id: user }, throwOnError: true });
    expect(wallet.data).toMatchObject({ user_id: user, currency: 'ZAR' });
    expect((await walletsTransactions({ client: admin, path: { user_id: user }, query: { limit: '2' }, throwOnError: true })).data.data).toHaveLength(2);
    expect((await pointsHistory({ client: admin, path: { user_id: user }, throwOnError: true })).data.data.length).toBeGreaterThanOrEqual(2);
    expect((await materialsGetRateCard({ client: admin, throwOnError: true })).response?.status).toBe(200);
    expect((await tiersList({ client: admin, throwOnError: true })).response?.status).toBe(200);
    expect((await ledgerVerify({ client: admin, throwOnError: true })).data.ok).toBe(true);

    const key = await apiKeysCreate({ client: admin, body: { name: 'sdk partner', service_id: 'sdkpartner', permissions: { wallets: ['read'], external_services: ['register', 'heartbeat', 'read'] } }, throwOnError: true });
    expect(key.data.key).toMatch(/^wm_live_/);
    expect((await apiKeysList({ client: admin, throwOnError: true })).data.data.length).toBeGreaterThanOrEqual(1);
    const partner = createWozaMaliClient({ baseUrl: gw.url, apiKey: key.data.key, serviceId: 'sdkpartner' });
    const registered = await externalServicesRegister({ client: partner, body: { name: uniqueName('sdkpartner'), type: 'notification', base_url: 'https://partner.example.org' }, throwOnError: true });
    const serviceId = (registered.data as { id: string }).id;
    expect((await externalServicesHeartbeat({ client: partner, path: { service_ref: serviceId } })).response?.status).toBe(200);
    expect((await externalServicesList({ client: partner, throwOnError: true })).response?.status).toBe(200);
    expect((await externalServicesHealth({ client: partner, throwOnError: true })).response?.status).toBe(200);
    const denied = await pointsEarn({ client: partner, path: { user_id: user }, body: { points: 1, reason: 'not allowed' } });
    expect([denied.response?.status, denied.error?.code]).toEqual([403, 'forbidden']);

    expect((await webhooksEventTypesList({ client: admin, throwOnError: true })).response?.status).toBe(200);
    const endpoint = await webhooksCreate({ client: admin, body: { url: 'https://partner.example.org/hooks', events: ['wallet_update'] }, throwOnError: true });
    const endpointId = (endpoint.data as { id: string }).id;
    expect((await webhooksEndpointsGet({ client: admin, path: { id: endpointId } })).response?.status).toBe(200);
    expect((await webhooksUpdate({ client: admin, path: { id: endpointId }, body: { description: 'sdk' } })).response?.status).toBe(200);
    expect((await webhooksList({ client: admin, throwOnError: true })).response?.status).toBe(200);
    expect((await webhooksRemove({ client: admin, path: { id: endpointId } })).response?.status).toBe(204);
  }, 120_000);

  it('a write whose answer is lost is retried with the same Idempotency-Key and applied once', async () => {
    const retries: string[] = [];
    const admin = createWozaMaliClient({ baseUrl: proxyUrl, apiKey: ADMIN_KEY, serviceId: 'admin', retry: { baseDelayMs: 50, onRetry: (i) => retries.push(i.reason) } });
    const user = randomUUID();
    const first = proxy.seen.length;
    // The first attempt reaches the platform and is applied, then the connection is cut before the answer.
    proxy.plan = (n) => (n === first ? 'cut-after-forward' : 'forward');
    const res = await pointsEarn({ client: admin, path: { user_id: user }, body: { points: 40, reason: 'lost answer' }, throwOnError: true });
    const attempts = proxy.seen.slice(first);
    expect(attempts.map((a) => a.outcome)).toEqual(['cut-after-forward', 'forward']);
    expect(attempts[0].key).toEqual(expect.any(String));
    expect(attempts[1].key).toBe(attempts[0].key);
    expect(retries).toEqual([expect.stringMatching(/^network error/)]);
    expect(res.response.headers.get('idempotent-replayed')).toBe('true');
    const wallet = await walletsGet({ client: admin, path: { user_id: user }, throwOnError: true });
    expect(wallet.data.points).toBe(40);
    expect((await pointsHistory({ client: admin, path: { user_id: user }, throwOnError: true })).data.data).toHaveLength(1);
  }, 60_000);

  it('a 503 with Retry-After is retried after the time it gives, with the same key; the write applies once', async () => {
    const admin = createWozaMaliClient({ baseUrl: proxyUrl, apiKey: ADMIN_KEY, serviceId: 'admin' });
    const user = randomUUID();
    const first = proxy.seen.length;
    proxy.plan = (n) => (n === first ? '503' : 'forward');
    const started = Date.now();
    const res = await pointsEarn({ client: admin, path: { user_id: user }, body: { points: 9, reason: 'after 503' }, headers: { 'Idempotency-Key': `sdk-${randomUUID()}` }, throwOnError: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const attempts = proxy.seen.slice(first);
    expect(attempts.map((a) => a.outcome)).toEqual(['503', 'forward']);
    expect(attempts[1].key).toBe(attempts[0].key);
    expect(attempts[0].key).toMatch(/^sdk-/);
    expect(res.response.status).toBe(201);
    expect((await walletsGet({ client: admin, path: { user_id: user }, throwOnError: true })).data.points).toBe(9);
    proxy.plan = () => 'forward';
  }, 60_000);

  it('verifyWebhook() verifies a real delivery and types it; a tampered body or a wrong secret is refused', async () => {
    const admin = createWozaMaliClient({ baseUrl: gw.url, apiKey: ADMIN_KEY, serviceId: 'admin' });
    const endpoint = await webhooksCreate({ client: admin, body: { url: receiverUrl, events: ['wallet_update'] }, throwOnError: true });
    const { id: endpointId, secret } = endpoint.data as { id: string; secret: string };
    const user = randomUUID();
    await pointsEarn({ client: admin, path: { user_id: user }, body: { points: 5, reason: 'webhook' }, throwOnError: true });
    const delivery = await waitFor(() => receiver.find((r) => r.raw.includes(user)), 'a wallet_update delivery', 90_000, 200);
    const event: WebhookEvent<'wallet_update'> = verifyWebhook<'wallet_update'>(delivery.raw, delivery.headers, secret);
    expect(event.type).toBe('wallet_update');
    expect(JSON.stringify(event.data)).toContain(user);
    expect(() => verifyWebhook(delivery.raw.replace(user, randomUUID()), delivery.headers, secret)).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(delivery.raw, delivery.headers, `whsec_${Buffer.from(randomUUID()).toString('base64')}`)).toThrow(WebhookVerificationError);
    await webhooksRemove({ client: admin, path: { id: endpointId } });
  }, 120_000);
});
