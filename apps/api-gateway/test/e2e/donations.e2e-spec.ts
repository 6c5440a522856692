import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, kafkaBrokers, ROOT, serverUrl, spawnService, uniqueName, waitFor, WebhookReceiver, type SpawnedService } from '@wozamali/testing';
import { ADMIN_HEADERS, call, startGateway, userToken, type RunningGateway } from '../medium/gateway-harness';

const exec = promisify(execFile);

// Donating through the gateway only, against the real wallet-service, donations-service and
// webhook-dispatcher (built processes) on the test broker. Databases of this file's own prefix, so
// the dispatcher's consumer group and the data are this file's alone.
const prefix = `${process.env.DB_PREFIX || 'wozamali_test'}_dne2e`;

jest.setTimeout(120_000);

describe('donations end to end, through the gateway only', () => {
  let gw: RunningGateway;
  const services: SpawnedService[] = [];
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    const env = { ...process.env, DB_PREFIX: prefix, KAFKA_BROKERS: kafkaBrokers(), DATABASE_URL: serverUrl() };
    await exec(process.execPath, [path.join(ROOT, 'scripts/migrate.js'), '--reset', 'wallet-service', 'donations-service', 'webhook-dispatcher'], { env });
    const own = { DB_PREFIX: prefix };
    const wallet = await spawnService('wallet-service', await freePort(), own);
    services.push(wallet);
    const [donations, webhooks] = await Promise.all([
      spawnService('donations-service', await freePort(), { ...own, WALLET_SERVICE_URL: wallet.url }),
      spawnService('webhook-dispatcher', await freePort(), { ...own, WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_RETRY_SCHEDULE: '100ms,200ms,300ms', WEBHOOK_POLL_INTERVAL_MS: '50', HEALTH_PROBES_ENABLED: 'false' }),
    ]);
    services.push(donations, webhooks);
    gw = await startGateway({ WALLET_SERVICE_URL: wallet.url, DONATIONS_SERVICE_URL: donations.url, WEBHOOKS_SERVICE_URL: webhooks.url, REDIS_KEY_PREFIX: uniqueName('dne2e') });
  }, 150_000);

  afterAll(async () => {
    await gw?.close();
    await Promise.all(services.map((s) => s.stop()));
    await receiver.stop();
  }, 60_000);

  it('campaign → anonymous and named donations → public list, receipt, webhooks without the anonymous donor → target met, completed once → refund', async () => {
    const admin = (extra: Record<string, string> = {}) => ({ ...ADMIN_HEADERS, ...extra });
    const endpoint = await call(gw.url, 'POST', '/v1/webhooks/endpoints', admin({ 'idempotency-key': randomUUID() }), {
      url: await receiver.start(), events: ['donation_create', 'donation_refunded', 'campaign_completed'], description: 'donations partner',
    });
    expect(endpoint.status).toBe(201);
    receiver.useSecrets(endpoint.json!.secret as string);

    const campaign = await call(gw.url, 'POST', '/v1/donations/campaigns', admin({ 'idempotency-key': randomUUID() }), {
      name: 'Library books', beneficiary: 'Khayelitsha Reading Trust', target_amount: 10_000, status: 'active', pbo_reference: '930099999',
    });
    expect(campaign.status).toBe(201);
    const id = campaign.json!.id as string;

    const anon = userToken('resident');
    const named = userToken('resident');
    for (const r of [anon, named]) {
      const earned = await call(gw.url, 'POST', `/v1/users/${r.sub}/points/earn`, admin({ 'idempotency-key': randomUUID() }), { points: 100, amount: 20_000, reason: 'seed' });
      expect(earned.status).toBe(201);
    }
    const given = await call(gw.url, 'POST', `/v1/users/${anon.sub}/donations`, { ...anon.headers, 'idempotency-key': randomUUID() }, { campaign_id: id, amount: 6_000, points: 20, visibility: 'anonymous' });
    expect(given.status).toBe(201);
    expect(given.json).toMatchObject({ status: 'accepted', bonus_points: 60, receipt_number: expect.stringMatching(/^WM-\d{4}-\d{6}$/) });
    // Someone else cannot donate in the donor's name, nor read their donations.
    expect((await call(gw.url, 'POST', `/v1/users/${anon.sub}/donations`, { ...named.headers, 'idempotency-key': randomUUID() }, { campaign_id: id, amount: 1 })).status).toBe(404);
    expect((await call(gw.url, 'GET', `/v1/users/${anon.sub}/donations`, named.headers)).status).toBe(404);
    // A resident cannot create campaigns or refund.
    expect((await call(gw.url, 'POST', '/v1/donations/campaigns', { ...named.headers, 'idempotency-key': randomUUID() }, { name: 'x', beneficiary: 'y' })).status).toBe(403);

    const list = await call(gw.url, 'GET', `/v1/donations/campaigns/${id}/donations`, named.headers);
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(anon.sub);
    const receipt = await call(gw.url, 'GET', `/v1/users/${anon.sub}/donations/${given.json!.id as string}/receipt?format=html`, anon.headers);
    expect(receipt.status).toBe(200);
    expect(receipt.headers.get('content-type')).toContain('text/html');
    expect(receipt.text).toContain('930099999');

    const second = await call(gw.url, 'POST', `/v1/users/${named.sub}/donations`, { ...named.headers, 'idempotency-key': randomUUID() }, { campaign_id: id, amount: 5_000 });
    expect(second.status).toBe(201);
    const shown = await call(gw.url, 'GET', `/v1/donations/campaigns/${id}`, named.headers);
    expect(shown.json).toMatchObject({ status: 'completed', progress: { source: 'ledger', raised_amount: 11_000, amount_percent: 100, donors: 2 } });
    const late = await call(gw.url, 'POST', `/v1/users/${named.sub}/donations`, { ...named.headers, 'idempotency-key': randomUUID() }, { campaign_id: id, amount: 100 });
    expect([late.status, late.json!.code]).toEqual([409, 'campaign_completed']);

    const refund = await call(gw.url, 'POST', `/v1/donations/${given.json!.id as string}/refund`, admin({ 'idempotency-key': randomUUID() }), { reason: 'asked by the donor' });
    expect(refund.status).toBe(200);
    expect((await call(gw.url, 'GET', `/v1/wallets/${anon.sub}`, anon.headers)).json).toMatchObject({ balance: 20_000, points: 100 });
    expect((await call(gw.url, 'GET', `/v1/donations/campaigns/${id}`, named.headers)).json).toMatchObject({ status: 'completed', progress: { raised_amount: 5_000 } });

    const webhooks = await waitFor(() => {
      const got = [...receiver.accepted.values()].map((w) => w.body).filter((b) => JSON.stringify(b).includes(id));
      return got.filter((b) => b.type === 'donation_create').length === 2 && got.some((b) => b.type === 'donation_refunded') && got.some((b) => b.type === 'campaign_completed') ? got : null;
    }, 'the donation webhooks', 60_000, 200);
    for (const w of webhooks) expect(JSON.stringify(w)).not.toContain(anon.sub);
    expect(webhooks.filter((b) => b.type === 'campaign_completed')).toHaveLength(1);
    const anonCreate = webhooks.find((b) => b.type === 'donation_create' && (b.data as { visibility: string }).visibility === 'anonymous')!;
    expect(anonCreate.data).toMatchObject({ user_id: null, donor_ref: given.json!.donor_ref, amount: 6_000 });
    expect(webhooks.find((b) => b.type === 'donation_create' && (b.data as { user_id: string }).user_id === named.sub)).toBeDefined();
  });
});
