import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  apiKeysCreate, apiKeysList, auditLogList, campaignsCreate, campaignsDonationsList, campaignsGet, campaignsList, collectionsRecord, createWozaMaliClient, deadLettersList, disbursementsApprove,
  disbursementsCreate, disbursementsGet, disbursementsList, disbursementsReject, donationsGet, donationsList, donationsReceipt, externalServicesHealth,
  externalServicesHeartbeat, externalServicesList, externalServicesRegister, ledgerVerify, materialsGetRateCard, metricsImpactFactors, metricsLeaderboard,
  metricsSystem, pointsEarn, pointsHistory, pointsSpend, rewardCodesRollbackUse, rewardCodesUse, rewardCodesValidate, rewardsCreate, rewardsGet,
  rewardsGetSettings, rewardsList, rewardsStockMovements, rewardsUpdate, tiersList, userDonationsCreate, userDonationsGet, userDonationsList, userMetricsGet,
  userRewardsCancel, userRewardsGet, userRewardsIssue, userRewardsList, userRewardsRedeem, userWithdrawalsCancel, userWithdrawalsCreate, userWithdrawalsGet,
  userWithdrawalsList, verifyWebhook, walletsGet, walletsTransactions, webhooksCreate, webhooksEndpointsGet, webhooksEventTypesList, webhooksList, webhooksRemove,
  webhooksUpdate, WebhookVerificationError, withdrawalsApprove, withdrawalsGet, withdrawalsGetLimits, withdrawalsList, withdrawalsReconciliationsList, type WebhookEvent,
} from '@wozamali/sdk';
import { uniqueName, waitFor } from '@wozamali/testing';
import { ADMIN_KEY, userToken, type RunningGateway } from '../medium/gateway-harness';
import { BANK, startPlatform, type Platform } from './platform';

// The SDK (libs/sdk) against the running platform: every service built and behind the real gateway,
// on a broker and databases of this file's own (./platform.ts, as the contract test starts it).
// A broker of its own, on a port of its own: jest runs two files at once, and four gateway e2e files start one.
const BROKER_PORT = Number(process.env.GATEWAY_E2E_KAFKA_PORT || 19472) + 30;

/** The bearer token of an end user's headers (the SDK takes the token itself). */
const tokenOf = (u: { headers: Record<string, string> }): string => u.headers.authorization.replace(/^Bearer /, '');

/** Every operation the SDK called in this file (`METHOD /template`), as each client's request interceptor saw it. */
const calledOps = new Set<string>();
function sdkClient(options: Parameters<typeof createWozaMaliClient>[0]): ReturnType<typeof createWozaMaliClient> {
  const c = createWozaMaliClient(options);
  c.interceptors.request.use((req, opts) => { calledOps.add(`${(opts.method ?? req.method).toUpperCase()} ${opts.url}`); return req; });
  return c;
}

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

  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({
      name: 'gwsdk', brokerPort: BROKER_PORT,
      env: { 'webhook-dispatcher': { WEBHOOK_RETRY_SCHEDULE: '100ms,200ms,300ms', WEBHOOK_POLL_INTERVAL_MS: '50' } },
    });
    gw = platform.gw;
    proxy = new FlakyProxy(gw.url);
    proxyUrl = await proxy.start();
    receiverServer = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => { receiver.push({ raw: Buffer.concat(chunks).toString('utf8'), headers: req.headers }); res.writeHead(204).end(); });
    });
    await new Promise<void>((resolve) => receiverServer.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiverServer.address() as AddressInfo).port}/hooks`;
  }, 240_000);

  afterAll(async () => {
    await proxy?.stop();
    receiverServer?.closeAllConnections();
    await new Promise((resolve) => receiverServer?.close(resolve));
    await platform?.close();
  }, 60_000);

  it('drives the wallet, points, collections, catalogue, ledger, api-keys, webhooks and external-services resources with typed requests and answers', async () => {
    const admin = sdkClient({ baseUrl: gw.url, apiKey: ADMIN_KEY, serviceId: 'admin' });
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
    const partner = sdkClient({ baseUrl: gw.url, apiKey: key.data.key, serviceId: 'sdkpartner' });
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

  it('drives the rewards, user-rewards, reward-codes, campaigns, donations, disbursements, withdrawals and metrics resources with typed requests, answers and errors', async () => {
    const admin = sdkClient({ baseUrl: gw.url, apiKey: ADMIN_KEY, serviceId: 'admin' });
    const resident = randomUUID();
    const me = sdkClient({ baseUrl: gw.url, token: tokenOf(userToken('resident', resident)) });
    // A person with the admin role (approvals need a person, and not the one who asked).
    const adminPerson = sdkClient({ baseUrl: gw.url, token: tokenOf(userToken('admin')) });
    const suffix = randomUUID().replace(/-/g, '').slice(-10).toUpperCase();
    await pointsEarn({ client: admin, path: { user_id: resident }, body: { points: 1_000, amount: 200_000, reason: 'sdk funding' }, throwOnError: true });

    // Rewards: the catalogue (admin writes, a resident reads), a redemption, an admin's gift, a partner's code.
    const partnerId = `sdk-partner-${suffix.toLowerCase()}`;
    const reward = await rewardsCreate({ client: admin, body: { code: `SDK_${suffix}`, name: 'SDK voucher', type: 'discount', points_cost: 10, value: 500, stock: 10, stock_reason: 'initial', partner_service_id: partnerId, partner_reward_id: 'SDK1' }, throwOnError: true });
    const rewardId = reward.data.id;
    expect(reward.data).toMatchObject({ points_cost: 10, stock_remaining: 10, partner_service_id: partnerId });
    expect((await rewardsList({ client: me, query: { limit: 50 }, throwOnError: true })).data.data.map((r) => r.id)).toContain(rewardId);
    expect((await rewardsGet({ client: me, path: { reward_id: rewardId }, throwOnError: true })).data.eligibility).toEqual({ eligible: true, reason: null });
    const noReward = await rewardsGet({ client: admin, path: { reward_id: randomUUID() } });
    expect([noReward.response?.status, noReward.error?.code]).toEqual([404, 'reward_not_found']);
    expect((await rewardsUpdate({ client: admin, path: { reward_id: rewardId }, body: { description: 'changed through the SDK' }, throwOnError: true })).data.description).toBe('changed through the SDK');
    expect((await rewardsStockMovements({ client: admin, path: { reward_id: rewardId }, throwOnError: true })).data.data.length).toBeGreaterThanOrEqual(1);
    expect((await rewardsGetSettings({ client: admin, throwOnError: true })).data.use_rollback_hours).toEqual(expect.any(Number));
    const redeemed = await userRewardsRedeem({ client: me, path: { user_id: resident }, body: { reward_id: rewardId }, throwOnError: true });
    expect([[201, 202].includes(redeemed.response.status), redeemed.data.reward_id]).toEqual([true, rewardId]);
    const gift = await userRewardsIssue({ client: admin, path: { user_id: resident }, body: { reward_id: rewardId, reason: 'sdk gift' }, throwOnError: true });
    expect(gift.data).toMatchObject({ user_id: resident, reward_id: rewardId, status: 'issued' });
    expect((await userRewardsList({ client: me, path: { user_id: resident }, throwOnError: true })).data.data.map((r) => r.id)).toContain(gift.data.id);
    expect((await userRewardsGet({ client: me, path: { user_id: resident, user_reward_id: gift.data.id }, throwOnError: true })).data.code).toEqual(expect.any(String));
    const key = await apiKeysCreate({ client: admin, body: { name: 'sdk reward partner', service_id: partnerId, permissions: { rewards: ['use_codes'] } }, throwOnError: true });
    const partner = sdkClient({ baseUrl: gw.url, apiKey: key.data.key, serviceId: partnerId });
    const code = gift.data.code!;
    expect((await rewardCodesValidate({ client: partner, body: { code }, throwOnError: true })).data).toMatchObject({ usable: true, user_reward_id: gift.data.id });
    const used = await rewardCodesUse({ client: partner, body: { code }, throwOnError: true });
    const again = await rewardCodesUse({ client: partner, body: { code } });
    expect([again.response?.status, again.error?.code]).toEqual([409, 'already_used']);
    expect((await rewardCodesRollbackUse({ client: partner, path: { use_id: used.data.use_id }, body: { reason: 'till error' }, throwOnError: true })).data).toMatchObject({ rolled_back: true, status: 'issued' });
    expect((await userRewardsCancel({ client: admin, path: { user_id: resident, user_reward_id: gift.data.id }, body: { reason: 'sdk test' }, throwOnError: true })).data.status).toBe('cancelled');

    // Campaigns and donations: a resident gives, the public sees it, admins read it and its receipt.
    const campaign = await campaignsCreate({ client: admin, body: { name: `SDK ${suffix}`, beneficiary: 'School garden', status: 'active', target_amount: 1_000_000 }, throwOnError: true });
    const campaignId = campaign.data.id;
    expect((await campaignsList({ client: me, throwOnError: true })).data.data.map((c) => c.id)).toContain(campaignId);
    const donation = await userDonationsCreate({ client: me, path: { user_id: resident }, body: { campaign_id: campaignId, amount: 5_000, points: 5, visibility: 'public' }, throwOnError: true });
    const donationId = donation.data.id;
    const noCampaign = await userDonationsCreate({ client: me, path: { user_id: resident }, body: { campaign_id: randomUUID(), amount: 100 } });
    expect([noCampaign.response?.status, noCampaign.error?.code]).toEqual([404, 'campaign_not_found']);
    await waitFor(async () => (await donationsGet({ client: admin, path: { donation_id: donationId } })).data?.status === 'accepted', 'the donation accepted', 30_000, 200);
    expect((await userDonationsGet({ client: me, path: { user_id: resident, donation_id: donationId }, throwOnError: true })).data.amount).toBe(5_000);
    expect((await userDonationsList({ client: me, path: { user_id: resident }, throwOnError: true })).data.data.map((d) => d.id)).toContain(donationId);
    expect((await donationsList({ client: admin, throwOnError: true })).data.data.map((d) => d.id)).toContain(donationId);
    expect((await donationsReceipt({ client: admin, path: { donation_id: donationId }, throwOnError: true })).response.status).toBe(200);
    expect((await campaignsDonationsList({ client: me, path: { campaign_id: campaignId }, throwOnError: true })).data.data.length).toBe(1);
    expect((await campaignsGet({ client: me, path: { campaign_id: campaignId }, throwOnError: true })).data.id).toBe(campaignId);

    // Disbursements: an API-key admin asks, a person approves one and rejects another.
    const ask = () => disbursementsCreate({ client: admin, path: { campaign_id: campaignId }, body: { amount: 1_000, reference: 'sdk test', method: 'bank_transfer', destination: BANK }, throwOnError: true });
    const toApprove = await ask();
    const toReject = await ask();
    expect(toApprove.data.status).toBe('requested');
    expect((await disbursementsList({ client: admin, path: { campaign_id: campaignId }, throwOnError: true })).data.data).toHaveLength(2);
    expect((await disbursementsGet({ client: admin, path: { disbursement_id: toApprove.data.id }, throwOnError: true })).data.amount).toBe(1_000);
    const approved = await disbursementsApprove({ client: adminPerson, path: { disbursement_id: toApprove.data.id }, throwOnError: true });
    expect(['processing', 'approved']).toContain(approved.data.status);
    expect((await disbursementsReject({ client: admin, path: { disbursement_id: toReject.data.id }, body: { reason: 'sdk test' }, throwOnError: true })).data.status).toBe('rejected');

    // Withdrawals: the limits, a resident's request, an admin's approval.
    expect((await withdrawalsGetLimits({ client: admin, throwOnError: true })).data.min_amount).toEqual(expect.any(Number));
    const withdrawal = await userWithdrawalsCreate({ client: me, path: { user_id: resident }, body: { amount: 10_000, currency: 'ZAR', method: 'bank_transfer', destination: BANK }, throwOnError: true });
    const withdrawalId = withdrawal.data.id;
    expect((await userWithdrawalsList({ client: me, path: { user_id: resident }, throwOnError: true })).data.data.map((w) => w.id)).toContain(withdrawalId);
    expect((await userWithdrawalsGet({ client: me, path: { user_id: resident, withdrawal_id: withdrawalId }, throwOnError: true })).data.history.length).toBeGreaterThanOrEqual(1);
    expect((await withdrawalsList({ client: admin, throwOnError: true })).data.data.map((w) => w.id)).toContain(withdrawalId);
    expect((await withdrawalsGet({ client: admin, path: { withdrawal_id: withdrawalId }, throwOnError: true })).data.amount).toBe(10_000);
    const selfApproval = await withdrawalsApprove({ client: sdkClient({ baseUrl: gw.url, token: tokenOf(userToken('admin', resident)) }), path: { withdrawal_id: withdrawalId }, body: { note: 'mine' } });
    expect([selfApproval.response?.status, selfApproval.error?.code]).toEqual([403, 'self_approval']);
    expect((await withdrawalsApprove({ client: adminPerson, path: { withdrawal_id: withdrawalId }, body: { note: 'sdk test' }, throwOnError: true })).data.status).toEqual(expect.any(String));
    const cancelLate = await userWithdrawalsCancel({ client: me, path: { user_id: resident, withdrawal_id: randomUUID() } });
    expect([cancelLate.response?.status, cancelLate.error?.code]).toEqual([404, 'withdrawal_not_found']);
    expect((await withdrawalsReconciliationsList({ client: admin, throwOnError: true })).response.status).toBe(200);

    // Metrics: the programme's series, a resident's own, the leaderboard, the impact factors.
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect((await metricsSystem({ client: admin, query: { from: yesterday, to: today }, throwOnError: true })).response.status).toBe(200);
    expect((await userMetricsGet({ client: me, path: { user_id: resident }, query: { from: yesterday, to: today }, throwOnError: true })).response.status).toBe(200);
    expect((await metricsLeaderboard({ client: me, query: { period: 'week', metric: 'points' }, throwOnError: true })).response.status).toBe(200);
    expect((await metricsImpactFactors({ client: admin, throwOnError: true })).response.status).toBe(200);
    const badRange = await metricsSystem({ client: admin, query: { from: today, to: yesterday } });
    expect([badRange.response?.status, badRange.error?.code]).toEqual([400, 'invalid_range']);
  }, 180_000);

  it('a write whose answer is lost is retried with the same Idempotency-Key and applied once', async () => {
    const retries: string[] = [];
    const admin = sdkClient({ baseUrl: proxyUrl, apiKey: ADMIN_KEY, serviceId: 'admin', retry: { baseDelayMs: 50, onRetry: (i) => retries.push(i.reason) } });
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
    const admin = sdkClient({ baseUrl: proxyUrl, apiKey: ADMIN_KEY, serviceId: 'admin' });
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
    const admin = sdkClient({ baseUrl: gw.url, apiKey: ADMIN_KEY, serviceId: 'admin' });
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

  it("reads the operators' records through the SDK: the audit log names an admin's key change, the dead letters list their allowed actions", async () => {
    const admin = sdkClient({ baseUrl: gw.url, apiKey: ADMIN_KEY, serviceId: 'admin' });
    const made = await apiKeysCreate({ client: admin, body: { name: 'sdk audited', service_id: 'sdkaudit', permissions: { wallets: ['read'] } }, throwOnError: true });
    const keyId = (made.data as { id: string }).id;
    // Written after the answer: waited for.
    const entry = await waitFor(async () => {
      const page = await auditLogList({ client: admin, query: { action: 'POST /v1/api-keys' }, throwOnError: true });
      return (page.data.data as { route: string; status: number; targets: string[]; actor_kind: string }[]).find((e) => e.route === '/v1/api-keys' && e.status === 201);
    }, 'the audit entry of the key made', 30_000, 200);
    expect(entry.actor_kind).toBe('service');
    expect(keyId).toBeTruthy();
    const dead = await deadLettersList({ client: admin, throwOnError: true });
    for (const d of dead.data.data as { actions: string[] }[]) expect(Array.isArray(d.actions)).toBe(true);
  }, 90_000);

  it('called at least one operation of every resource (tag) of the published spec through the SDK', async () => {
    const doc = (await (await fetch(`${gw.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { tags: string[] }>> };
    const tags = new Map<string, string[]>();
    for (const [p, item] of Object.entries(doc.paths)) for (const [m, op] of Object.entries(item)) tags.set(op.tags[0], [...(tags.get(op.tags[0]) ?? []), `${m.toUpperCase()} ${p}`]);
    expect(tags.size).toBeGreaterThanOrEqual(14);
    expect([...tags].filter(([, ops]) => !ops.some((op) => calledOps.has(op))).map(([tag]) => tag)).toEqual([]);
  });
});
