import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { uniqueName, waitFor } from '@wozamali/testing';
import { ADMIN_HEADERS, call, userToken, withKey, type RunningGateway } from '../medium/gateway-harness';
import { ContractValidator, type OpenApiDoc } from '../support/contract';
import { BANK, PAYOUT_WEBHOOK_SECRET, startPlatform, taxYear, type Platform } from './platform';

// The contract test: every documented operation of every routed service (and the gateway's own
// key listing) is called on the running platform — built services as `npm start` runs them, the
// real gateway, PostgreSQL and Kafka (./platform.ts) — and each real answer, success and error, is
// validated with ajv against the published /openapi.json, problem codes included.
// A broker of its own, on a port of its own: jest runs two files at once, and four gateway e2e files start one.
const BROKER_PORT = Number(process.env.GATEWAY_E2E_KAFKA_PORT || 19472);

/** `expect`: the status, or the statuses the operation may answer with here (e.g. 201 or 202 while the wallet is slow). */
interface Case { method: string; template: string; path: string; headers?: Record<string, string>; body?: unknown; expect: number | number[] }

describe('the published OpenAPI against the running platform (drift fails CI)', () => {
  let gw: RunningGateway;
  let doc: OpenApiDoc;
  let contract: ContractValidator;
  const user = randomUUID();
  const admin = ADMIN_HEADERS;
  const post = (h: Record<string, string> = admin) => withKey(h);
  const called = new Set<string>();

  async function check(c: Case): Promise<{ status: number; json: Record<string, unknown> | null; text: string; contentType: string | null; problems: string[] }> {
    const res = await call(gw.url, c.method, c.path, c.headers ?? (c.method === 'POST' ? post() : admin), c.body);
    called.add(`${c.method} ${c.template} ${res.status < 400 ? 'ok' : 'error'}`);
    const expected = Array.isArray(c.expect) ? c.expect : [c.expect];
    const problems = expected.includes(res.status) ? [] : [`${c.method} ${c.path}: expected ${expected.join(' or ')}, got ${res.status} ${res.text.slice(0, 300)}`];
    problems.push(...contract.checkResponse(c.method, c.template, res.status, res.headers.get('content-type'), res.json ?? (res.text || null)));
    return { status: res.status, json: res.json, text: res.text, contentType: res.headers.get('content-type'), problems };
  }

  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({ name: 'gwcontract', brokerPort: BROKER_PORT });
    gw = platform.gw;
    doc = (await call(gw.url, 'GET', '/openapi.json')).json as unknown as OpenApiDoc;
    contract = new ContractValidator(doc);
  }, 240_000);

  afterAll(async () => {
    await platform?.close();
  }, 60_000);

  it('the request examples the spec publishes are valid against its own request schemas', () => {
    const problems: string[] = [];
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const example = (op.requestBody?.content['application/json'] as { example?: unknown } | undefined)?.example;
        if (example !== undefined) problems.push(...contract.checkRequest(method.toUpperCase(), p, example));
      }
    }
    expect(problems).toEqual([]);
  });

  it("every wallet operation's real answers, success and error, match the spec; and a sample of the webhooks' and the gateway's", async () => {
    const ex = (template: string, method = 'post') => (doc.paths[template][method].requestBody!.content['application/json'] as { example: Record<string, unknown> }).example;
    const collector = userToken('collector');
    const w = `/v1/wallets/${user}`;
    const u = `/v1/users/${user}`;
    const cases: Case[] = [
      { method: 'GET', template: '/v1/wallets/{user_id}', path: w, expect: 200 },
      { method: 'GET', template: '/v1/wallets/{user_id}', path: '/v1/wallets/not-a-uuid', expect: 400 },
      { method: 'POST', template: '/v1/users/{user_id}/points/earn', path: `${u}/points/earn`, body: ex('/v1/users/{user_id}/points/earn'), expect: 201 },
      { method: 'POST', template: '/v1/users/{user_id}/points/earn', path: `${u}/points/earn`, headers: admin, body: ex('/v1/users/{user_id}/points/earn'), expect: 400 },
      { method: 'POST', template: '/v1/users/{user_id}/points/spend', path: `${u}/points/spend`, body: ex('/v1/users/{user_id}/points/spend'), expect: 201 },
      { method: 'POST', template: '/v1/users/{user_id}/points/spend', path: `${u}/points/spend`, body: { points: 1_000_000, reason: 'too much' }, expect: 422 },
      { method: 'GET', template: '/v1/wallets/{user_id}/transactions', path: `${w}/transactions?limit=2`, expect: 200 },
      { method: 'GET', template: '/v1/wallets/{user_id}/transactions', path: `${w}/transactions?limit=0`, expect: 400 },
      { method: 'GET', template: '/v1/users/{user_id}/points/history', path: `${u}/points/history`, expect: 200 },
      { method: 'POST', template: '/v1/collections', path: '/v1/collections', body: { ...ex('/v1/collections'), user_id: user }, expect: 201 },
      { method: 'POST', template: '/v1/collections', path: '/v1/collections', headers: withKey(collector.headers), body: { user_id: user, collector_id: randomUUID(), materials: [{ material: 'PET', kg: '1' }] }, expect: 403 },
      { method: 'POST', template: '/v1/collections', path: '/v1/collections', body: { user_id: user, materials: [{ material: 'UNOBTAINIUM', kg: '1' }] }, expect: 422 },
      { method: 'GET', template: '/v1/materials', path: '/v1/materials', expect: 200 },
      { method: 'PUT', template: '/v1/materials/rate-card', path: '/v1/materials/rate-card', body: {}, expect: 400 },
      { method: 'GET', template: '/v1/tiers', path: '/v1/tiers', expect: 200 },
      { method: 'PUT', template: '/v1/tiers', path: '/v1/tiers', body: {}, expect: 400 },
      { method: 'GET', template: '/v1/admin/ledger/verify', path: '/v1/admin/ledger/verify', expect: 200 },
      { method: 'POST', template: '/v1/admin/adjustments', path: '/v1/admin/adjustments', body: { user_id: user, asset: 'POINTS', amount: 5, reason: 'contract test' }, expect: 201 },
      { method: 'POST', template: '/v1/admin/adjustments', path: '/v1/admin/adjustments', body: { user_id: user, asset: 'POINTS', amount: 0, reason: 'zero' }, expect: 400 },
      { method: 'POST', template: '/v1/admin/transfers/{transfer_id}/reverse', path: `/v1/admin/transfers/${randomUUID()}/reverse`, body: { reason: 'contract test' }, expect: 404 },
      { method: 'GET', template: '/v1/webhooks/event-types', path: '/v1/webhooks/event-types', expect: 200 },
      { method: 'GET', template: '/v1/webhooks/endpoints', path: '/v1/webhooks/endpoints?limit=5', expect: 200 },
      { method: 'POST', template: '/v1/webhooks/endpoints', path: '/v1/webhooks/endpoints', body: { url: 'not a url', events: ['wallet_update'] }, expect: 400 },
      { method: 'GET', template: '/v1/external/services', path: '/v1/external/services', expect: 200 },
      { method: 'GET', template: '/v1/api-keys', path: '/v1/api-keys?limit=2', expect: 200 },
      { method: 'GET', template: '/v1/api-keys', path: '/v1/api-keys', headers: {}, expect: 401 },
    ];
    const problems: string[] = [];
    for (const c of cases) problems.push(...(await check(c)).problems);
    // A successful reversal (needs a transfer id from a real write).
    const earned = await call(gw.url, 'POST', `${u}/points/earn`, post(), { points: 7, reason: 'to reverse' });
    problems.push(...(await check({ method: 'POST', template: '/v1/admin/transfers/{transfer_id}/reverse', path: `/v1/admin/transfers/${String(earned.json?.transfer_id)}/reverse`, body: { reason: 'contract test' }, expect: 201 })).problems);
    // Every webhooks and external-services operation, on an endpoint and a service made here.
    const ep = await check({ method: 'POST', template: '/v1/webhooks/endpoints', path: '/v1/webhooks/endpoints', body: ex('/v1/webhooks/endpoints'), expect: 201 });
    problems.push(...ep.problems);
    const epId = String(ep.json?.id);
    const missing = randomUUID();
    const svc = await check({ method: 'POST', template: '/v1/external/services', path: '/v1/external/services', body: { ...ex('/v1/external/services'), name: uniqueName('contract') }, expect: 201 });
    problems.push(...svc.problems);
    const svcId = String(svc.json?.id);
    const more: Case[] = [
      { method: 'GET', template: '/v1/webhooks/endpoints/{id}', path: `/v1/webhooks/endpoints/${epId}`, expect: 200 },
      { method: 'GET', template: '/v1/webhooks/endpoints/{id}', path: `/v1/webhooks/endpoints/${missing}`, expect: 404 },
      { method: 'PATCH', template: '/v1/webhooks/endpoints/{id}', path: `/v1/webhooks/endpoints/${epId}`, body: ex('/v1/webhooks/endpoints/{id}', 'patch'), expect: 200 },
      { method: 'PATCH', template: '/v1/webhooks/endpoints/{id}', path: `/v1/webhooks/endpoints/${epId}`, body: { events: [] }, expect: 400 },
      { method: 'GET', template: '/v1/webhooks/endpoints/{endpoint_id}/secret', path: `/v1/webhooks/endpoints/${epId}/secret`, expect: 200 },
      { method: 'POST', template: '/v1/webhooks/endpoints/{id}/rotate-secret', path: `/v1/webhooks/endpoints/${epId}/rotate-secret`, expect: 200 },
      { method: 'POST', template: '/v1/webhooks/endpoints/{id}/rotate-secret', path: `/v1/webhooks/endpoints/${missing}/rotate-secret`, expect: 404 },
      { method: 'POST', template: '/v1/webhooks/endpoints/{id}/test', path: `/v1/webhooks/endpoints/${epId}/test`, body: ex('/v1/webhooks/endpoints/{id}/test'), expect: 202 },
      { method: 'POST', template: '/v1/webhooks/endpoints/{id}/test', path: `/v1/webhooks/endpoints/${epId}/test`, body: { event_type: 'no_such_event' }, expect: 400 },
      { method: 'POST', template: '/v1/webhooks/endpoints/{id}/recover', path: `/v1/webhooks/endpoints/${epId}/recover`, body: { since: new Date(Date.now() - 60_000).toISOString() }, expect: 202 },
      { method: 'POST', template: '/v1/webhooks/endpoints/{id}/recover', path: `/v1/webhooks/endpoints/${epId}/recover`, body: { since: 'yesterday' }, expect: 400 },
      { method: 'GET', template: '/v1/webhooks/endpoints/{id}/deliveries', path: `/v1/webhooks/endpoints/${epId}/deliveries?limit=5`, expect: 200 },
      { method: 'GET', template: '/v1/webhooks/deliveries/{id}', path: `/v1/webhooks/deliveries/${missing}`, expect: 404 },
      { method: 'POST', template: '/v1/webhooks/deliveries/{id}/retry', path: `/v1/webhooks/deliveries/${missing}/retry`, expect: 404 },
      { method: 'GET', template: '/v1/webhooks/events/{eventId}', path: `/v1/webhooks/events/${missing}`, expect: 404 },
      { method: 'GET', template: '/v1/external/services/{service_ref}', path: `/v1/external/services/${svcId}`, expect: 200 },
      { method: 'GET', template: '/v1/external/services/{service_ref}', path: `/v1/external/services/${missing}`, expect: 404 },
      { method: 'PATCH', template: '/v1/external/services/{service_ref}', path: `/v1/external/services/${svcId}`, body: { base_url: 'https://notify2.example.org' }, expect: 200 },
      { method: 'POST', template: '/v1/external/services/{service_ref}/heartbeat', path: `/v1/external/services/${svcId}/heartbeat`, expect: 200 },
      { method: 'POST', template: '/v1/external/services/{service_ref}/heartbeat', path: `/v1/external/services/${missing}/heartbeat`, expect: 404 },
      { method: 'GET', template: '/v1/external/services/health', path: '/v1/external/services/health', expect: 200 },
      { method: 'DELETE', template: '/v1/external/services/{service_ref}', path: `/v1/external/services/${svcId}`, expect: 204 },
      { method: 'DELETE', template: '/v1/webhooks/endpoints/{id}', path: `/v1/webhooks/endpoints/${epId}`, expect: 204 },
      { method: 'DELETE', template: '/v1/webhooks/endpoints/{id}', path: `/v1/webhooks/endpoints/${epId}`, expect: 404 },
    ];
    for (const c of more) problems.push(...(await check(c)).problems);
    expect(problems).toEqual([]);
    // Coverage: every documented wallet and webhooks operation was called.
    const documented = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`));
    const covered = documented.filter((op) => /^\S+ \/v1\/(wallets|users\/\{user_id\}\/points|collections|materials|tiers|admin|webhooks|external\/services)/.test(op));
    expect(covered.length).toBeGreaterThanOrEqual(32);
    expect(covered.filter((op) => ![...called].some((c) => c.startsWith(`${op} `)))).toEqual([]);
  }, 120_000);

  it("every rewards, donations, withdrawals and metrics operation's real answers, success and error, match the spec", async () => {
    const problems: string[] = [];
    const run = async (c: Case) => { const r = await check(c); problems.push(...r.problems); return r; };
    const missing = randomUUID();
    const resident = randomUUID();
    const me = userToken('resident', resident).headers;
    const adminUser = userToken('admin').headers;
    const suffix = () => randomUUID().replace(/-/g, '').slice(-10).toUpperCase();
    const fund = async (who: string, points: number, amount: number) => {
      const r = await call(gw.url, 'POST', `/v1/users/${who}/points/earn`, post(), { points, amount, reason: 'contract test funding' });
      if (r.status !== 201) throw new Error(`funding: ${r.status} ${r.text}`);
    };
    await fund(resident, 1_000, 200_000);

    // Rewards: the catalogue, a redemption, a partner's code, an admin's gift, the settings.
    const partnerId = `contract-partner-${suffix().toLowerCase()}`;
    const reward = await run({ method: 'POST', template: '/v1/rewards', path: '/v1/rewards', body: { code: `CT_${suffix()}`, name: 'Contract voucher', type: 'discount', points_cost: 10, value: 500, stock: 10, stock_reason: 'initial', partner_service_id: partnerId, partner_reward_id: 'CT1' }, expect: 201 });
    const rewardId = String(reward.json?.id);
    const r = `/v1/rewards/${rewardId}`;
    await run({ method: 'POST', template: '/v1/rewards', path: '/v1/rewards', body: { code: 'lower case', name: 'x', type: 'discount', points_cost: 1 }, expect: 400 });
    await run({ method: 'GET', template: '/v1/rewards', path: '/v1/rewards?limit=5', headers: me, expect: 200 });
    await run({ method: 'GET', template: '/v1/rewards/{reward_id}', path: r, headers: me, expect: 200 });
    await run({ method: 'GET', template: '/v1/rewards/{reward_id}', path: `/v1/rewards/${missing}`, expect: 404 });
    await run({ method: 'PATCH', template: '/v1/rewards/{reward_id}', path: r, body: { description: 'changed by the contract test' }, expect: 200 });
    await run({ method: 'PATCH', template: '/v1/rewards/{reward_id}', path: r, body: { stock: 0 }, expect: 400 });
    await run({ method: 'GET', template: '/v1/rewards/{reward_id}/stock-movements', path: `${r}/stock-movements`, expect: 200 });
    const settings = await run({ method: 'GET', template: '/v1/rewards/settings', path: '/v1/rewards/settings', expect: 200 });
    await run({ method: 'PUT', template: '/v1/rewards/settings', path: '/v1/rewards/settings', body: settings.json, expect: 200 });
    await run({ method: 'PUT', template: '/v1/rewards/settings', path: '/v1/rewards/settings', body: { code_failures_per_minute: 0 }, expect: 400 });
    const redeemed = await run({ method: 'POST', template: '/v1/users/{user_id}/rewards', path: `/v1/users/${resident}/rewards`, headers: withKey(me), body: { reward_id: rewardId }, expect: [201, 202] });
    await run({ method: 'POST', template: '/v1/users/{user_id}/rewards', path: `/v1/users/${resident}/rewards`, headers: withKey(me), body: { reward_id: missing }, expect: 404 });
    await run({ method: 'GET', template: '/v1/users/{user_id}/rewards', path: `/v1/users/${resident}/rewards?limit=5`, headers: me, expect: 200 });
    const issued = await run({ method: 'POST', template: '/v1/users/{user_id}/rewards/issue', path: `/v1/users/${resident}/rewards/issue`, body: { reward_id: rewardId, reason: 'contract test gift' }, expect: 201 });
    await run({ method: 'GET', template: '/v1/users/{user_id}/rewards/{user_reward_id}', path: `/v1/users/${resident}/rewards/${String(issued.json?.id)}`, headers: me, expect: 200 });
    await run({ method: 'GET', template: '/v1/users/{user_id}/rewards/{user_reward_id}', path: `/v1/users/${resident}/rewards/${missing}`, headers: me, expect: 404 });
    const key = await call(gw.url, 'POST', '/v1/api-keys', post(), { name: 'contract partner', service_id: partnerId, permissions: { rewards: ['use_codes'] } });
    if (key.status !== 201) throw new Error(`partner key: ${key.status} ${key.text}`);
    const partner = { authorization: `Bearer ${String(key.json?.key)}`, 'x-service-id': partnerId };
    const code = String((issued.json as { code?: string } | null)?.code);
    await run({ method: 'POST', template: '/v1/reward-codes/validate', path: '/v1/reward-codes/validate', headers: withKey(partner), body: { code }, expect: 200 });
    await run({ method: 'POST', template: '/v1/reward-codes/validate', path: '/v1/reward-codes/validate', headers: withKey(partner), body: { code: 'NOPE-NOPE-NOPE' }, expect: 422 });
    const used = await run({ method: 'POST', template: '/v1/reward-codes/use', path: '/v1/reward-codes/use', headers: withKey(partner), body: { code }, expect: 200 });
    await run({ method: 'POST', template: '/v1/reward-codes/use', path: '/v1/reward-codes/use', headers: withKey(partner), body: { code }, expect: 409 });
    await run({ method: 'POST', template: '/v1/reward-codes/uses/{use_id}/rollback', path: `/v1/reward-codes/uses/${String(used.json?.use_id)}/rollback`, headers: withKey(partner), body: { reason: 'till error' }, expect: 200 });
    await run({ method: 'POST', template: '/v1/reward-codes/uses/{use_id}/rollback', path: `/v1/reward-codes/uses/${missing}/rollback`, headers: withKey(partner), body: { reason: 'none' }, expect: 404 });
    await run({ method: 'POST', template: '/v1/users/{user_id}/rewards/{user_reward_id}/cancel', path: `/v1/users/${resident}/rewards/${String(issued.json?.id)}/cancel`, body: { reason: 'contract test' }, expect: 200 });
    await run({ method: 'POST', template: '/v1/users/{user_id}/rewards/{user_reward_id}/cancel', path: `/v1/users/${resident}/rewards/${missing}/cancel`, body: { reason: 'contract test' }, expect: 404 });
    expect(redeemed.json).toMatchObject({ reward_id: rewardId });

    // Donations: a campaign, two donations, receipts, a refund, disbursements (one rejected, one approved by a second admin), a cancellation.
    const campaign = await run({ method: 'POST', template: '/v1/donations/campaigns', path: '/v1/donations/campaigns', body: { name: `Contract ${suffix()}`, beneficiary: 'School garden', status: 'active', target_amount: 1_000_000 }, expect: 201 });
    const campaignId = String(campaign.json?.id);
    const c = `/v1/donations/campaigns/${campaignId}`;
    await run({ method: 'POST', template: '/v1/donations/campaigns', path: '/v1/donations/campaigns', body: { beneficiary: 'no name' }, expect: 400 });
    await run({ method: 'GET', template: '/v1/donations/campaigns', path: '/v1/donations/campaigns', headers: me, expect: 200 });
    await run({ method: 'GET', template: '/v1/donations/campaigns/{campaign_id}', path: c, headers: me, expect: 200 });
    await run({ method: 'GET', template: '/v1/donations/campaigns/{campaign_id}', path: '/v1/donations/campaigns/not-a-uuid', expect: 400 });
    await run({ method: 'PATCH', template: '/v1/donations/campaigns/{campaign_id}', path: c, body: { description: 'changed by the contract test' }, expect: 200 });
    const donate = (amount: number) => run({ method: 'POST', template: '/v1/users/{user_id}/donations', path: `/v1/users/${resident}/donations`, headers: withKey(me), body: { campaign_id: campaignId, amount, points: 5, visibility: 'public' }, expect: [201, 202] });
    const kept = await donate(5_000);
    const toRefund = await donate(3_000);
    await run({ method: 'POST', template: '/v1/users/{user_id}/donations', path: `/v1/users/${resident}/donations`, headers: withKey(me), body: { campaign_id: missing, amount: 100 }, expect: 404 });
    const keptId = String(kept.json?.id);
    await waitFor(async () => (await call(gw.url, 'GET', `/v1/donations/${keptId}`, admin)).json?.status === 'accepted', 'the donation accepted', 30_000, 200);
    await waitFor(async () => (await call(gw.url, 'GET', `/v1/donations/${String(toRefund.json?.id)}`, admin)).json?.status === 'accepted', 'the donation accepted', 30_000, 200);
    await run({ method: 'GET', template: '/v1/users/{user_id}/donations', path: `/v1/users/${resident}/donations?limit=5`, headers: me, expect: 200 });
    await run({ method: 'GET', template: '/v1/users/{user_id}/donations/{donation_id}', path: `/v1/users/${resident}/donations/${keptId}`, headers: me, expect: 200 });
    await run({ method: 'GET', template: '/v1/users/{user_id}/donations/{donation_id}', path: `/v1/users/${resident}/donations/${missing}`, headers: me, expect: 404 });
    await run({ method: 'GET', template: '/v1/users/{user_id}/donations/{donation_id}/receipt', path: `/v1/users/${resident}/donations/${keptId}/receipt`, headers: me, expect: 200 });
    await run({ method: 'GET', template: '/v1/donations', path: `/v1/donations?campaign_id=${campaignId}&limit=5`, expect: 200 });
    await run({ method: 'GET', template: '/v1/donations', path: '/v1/donations?limit=0', expect: 400 });
    await run({ method: 'GET', template: '/v1/donations/{donation_id}', path: `/v1/donations/${keptId}`, expect: 200 });
    await run({ method: 'GET', template: '/v1/donations/{donation_id}/receipt', path: `/v1/donations/${keptId}/receipt`, expect: 200 });
    // The receipt's second media type: a printable page.
    const page = await run({ method: 'GET', template: '/v1/users/{user_id}/donations/{donation_id}/receipt', path: `/v1/users/${resident}/donations/${keptId}/receipt?format=html`, headers: me, expect: 200 });
    expect([page.contentType, page.text]).toEqual([expect.stringMatching(/^text\/html/), expect.stringMatching(/<html/i)]);
    await run({ method: 'GET', template: '/v1/donations/{donation_id}/receipt', path: `/v1/donations/${keptId}/receipt?format=html`, expect: 200 });
    await run({ method: 'GET', template: '/v1/donations/receipts/export', path: `/v1/donations/receipts/export?tax_year=${taxYear()}`, expect: 200 });
    await run({ method: 'GET', template: '/v1/donations/receipts/export', path: '/v1/donations/receipts/export?tax_year=1900', expect: 400 });
    await run({ method: 'GET', template: '/v1/donations/campaigns/{campaign_id}/donations', path: `${c}/donations?limit=5`, headers: me, expect: 200 });
    await run({ method: 'GET', template: '/v1/donations/campaigns/{campaign_id}/top-donors', path: `${c}/top-donors`, headers: me, expect: 200 });
    await run({ method: 'GET', template: '/v1/donations/campaigns/{campaign_id}/top-donors', path: `/v1/donations/campaigns/${missing}/top-donors`, headers: me, expect: 404 });
    const disburse = () => run({ method: 'POST', template: '/v1/donations/campaigns/{campaign_id}/disbursements', path: `${c}/disbursements`, body: { amount: 1_000, reference: 'contract test', method: 'bank_transfer', destination: BANK }, expect: 201 });
    const rejected = await disburse();
    const approved = await disburse();
    await run({ method: 'POST', template: '/v1/donations/campaigns/{campaign_id}/disbursements', path: `${c}/disbursements`, body: { amount: 0, method: 'bank_transfer', destination: BANK }, expect: 400 });
    await run({ method: 'GET', template: '/v1/donations/campaigns/{campaign_id}/disbursements', path: `${c}/disbursements`, expect: 200 });
    await run({ method: 'GET', template: '/v1/donations/disbursements/{disbursement_id}', path: `/v1/donations/disbursements/${String(rejected.json?.id)}`, expect: 200 });
    await run({ method: 'GET', template: '/v1/donations/disbursements/{disbursement_id}', path: `/v1/donations/disbursements/${missing}`, expect: 404 });
    await run({ method: 'POST', template: '/v1/donations/disbursements/{disbursement_id}/reject', path: `/v1/donations/disbursements/${String(rejected.json?.id)}/reject`, body: { reason: 'contract test' }, expect: 200 });
    await run({ method: 'POST', template: '/v1/donations/disbursements/{disbursement_id}/approve', path: `/v1/donations/disbursements/${String(approved.json?.id)}/approve`, headers: withKey(adminUser), expect: [200, 202] });
    await run({ method: 'POST', template: '/v1/donations/disbursements/{disbursement_id}/approve', path: `/v1/donations/disbursements/${String(rejected.json?.id)}/approve`, headers: withKey(adminUser), expect: 409 });
    // A payout retry is for a payout in needs_review only (24 h of doubt): a rejected disbursement's is refused, an unknown one is 404.
    await run({ method: 'POST', template: '/v1/donations/disbursements/{disbursement_id}/retry-payout', path: `/v1/donations/disbursements/${String(rejected.json?.id)}/retry-payout`, body: { note: 'contract test' }, expect: 409 });
    await run({ method: 'POST', template: '/v1/donations/disbursements/{disbursement_id}/retry-payout', path: `/v1/donations/disbursements/${missing}/retry-payout`, body: { note: 'contract test' }, expect: 404 });
    await run({ method: 'POST', template: '/v1/donations/{donation_id}/refund', path: `/v1/donations/${String(toRefund.json?.id)}/refund`, body: { reason: 'contract test' }, expect: [200, 202] });
    await run({ method: 'POST', template: '/v1/donations/{donation_id}/refund', path: `/v1/donations/${missing}/refund`, body: { reason: 'contract test' }, expect: 404 });
    const draft = await run({ method: 'POST', template: '/v1/donations/campaigns', path: '/v1/donations/campaigns', body: { name: `Contract draft ${suffix()}`, beneficiary: 'Nobody yet' }, expect: 201 });
    await run({ method: 'POST', template: '/v1/donations/campaigns/{campaign_id}/cancel', path: `/v1/donations/campaigns/${String(draft.json?.id)}/cancel`, body: { reason: 'contract test', disposition: 'refund' }, expect: [200, 202] });
    await run({ method: 'POST', template: '/v1/donations/campaigns/{campaign_id}/cancel', path: `/v1/donations/campaigns/${missing}/cancel`, body: { reason: 'contract test', disposition: 'refund' }, expect: 404 });

    // Withdrawals: the limits, a request approved by an admin, one cancelled, one rejected, a provider callback, reconciliations.
    const limits = await run({ method: 'GET', template: '/v1/withdrawals/limits', path: '/v1/withdrawals/limits', expect: 200 });
    await run({ method: 'PUT', template: '/v1/withdrawals/limits', path: '/v1/withdrawals/limits', headers: adminUser, body: limits.json, expect: 200 });
    await run({ method: 'PUT', template: '/v1/withdrawals/limits', path: '/v1/withdrawals/limits', headers: adminUser, body: { ...limits.json, min_amount: 0 }, expect: 400 });
    const ask = (who: string) => run({ method: 'POST', template: '/v1/users/{user_id}/withdrawals', path: `/v1/users/${who}/withdrawals`, headers: withKey(userToken('resident', who).headers), body: { amount: 10_000, currency: 'ZAR', method: 'bank_transfer', destination: BANK }, expect: [201, 202] });
    const wd = await ask(resident);
    const wdId = String(wd.json?.id);
    await run({ method: 'POST', template: '/v1/users/{user_id}/withdrawals', path: `/v1/users/${resident}/withdrawals`, headers: withKey(me), body: { amount: 10_000, currency: 'ZAR', method: 'bank_transfer', destination: { bank_name: 'x' } }, expect: 400 });
    await run({ method: 'GET', template: '/v1/users/{user_id}/withdrawals', path: `/v1/users/${resident}/withdrawals?limit=5`, headers: me, expect: 200 });
    await run({ method: 'GET', template: '/v1/users/{user_id}/withdrawals/{withdrawal_id}', path: `/v1/users/${resident}/withdrawals/${wdId}`, headers: me, expect: 200 });
    await run({ method: 'GET', template: '/v1/users/{user_id}/withdrawals/{withdrawal_id}', path: `/v1/users/${resident}/withdrawals/${missing}`, headers: me, expect: 404 });
    await run({ method: 'GET', template: '/v1/withdrawals', path: '/v1/withdrawals?limit=5', expect: 200 });
    await run({ method: 'GET', template: '/v1/withdrawals/{withdrawal_id}', path: `/v1/withdrawals/${wdId}`, expect: 200 });
    await run({ method: 'GET', template: '/v1/withdrawals/{withdrawal_id}', path: `/v1/withdrawals/${missing}`, expect: 404 });
    await run({ method: 'POST', template: '/v1/withdrawals/{withdrawal_id}/approve', path: `/v1/withdrawals/${wdId}/approve`, headers: withKey(adminUser), body: { note: 'contract test' }, expect: 200 });
    await run({ method: 'POST', template: '/v1/withdrawals/{withdrawal_id}/approve', path: `/v1/withdrawals/${wdId}/approve`, headers: withKey(adminUser), body: { note: '' }, expect: 400 });
    await run({ method: 'POST', template: '/v1/withdrawals/{withdrawal_id}/retry-payout', path: `/v1/withdrawals/${wdId}/retry-payout`, headers: withKey(adminUser), body: { note: 'contract test' }, expect: 403 });
    await run({ method: 'POST', template: '/v1/withdrawals/{withdrawal_id}/retry-payout', path: `/v1/withdrawals/${missing}/retry-payout`, headers: withKey(adminUser), body: { note: 'contract test' }, expect: 404 });
    const other = randomUUID();
    await fund(other, 1, 100_000);
    const toCancel = await ask(other);
    await run({ method: 'POST', template: '/v1/users/{user_id}/withdrawals/{withdrawal_id}/cancel', path: `/v1/users/${other}/withdrawals/${String(toCancel.json?.id)}/cancel`, headers: withKey(userToken('resident', other).headers), expect: 200 });
    await run({ method: 'POST', template: '/v1/users/{user_id}/withdrawals/{withdrawal_id}/cancel', path: `/v1/users/${other}/withdrawals/${String(toCancel.json?.id)}/cancel`, headers: withKey(userToken('resident', other).headers), expect: 409 });
    const toReject = await ask(other);
    await run({ method: 'POST', template: '/v1/withdrawals/{withdrawal_id}/reject', path: `/v1/withdrawals/${String(toReject.json?.id)}/reject`, headers: withKey(adminUser), body: { note: 'contract test' }, expect: 200 });
    await run({ method: 'POST', template: '/v1/withdrawals/{withdrawal_id}/reject', path: `/v1/withdrawals/${String(toReject.json?.id)}/reject`, headers: withKey(adminUser), body: { note: 'again' }, expect: 409 });
    const report = JSON.stringify({ id: `evt_${suffix()}`, type: 'payout.updated', data: { reference: String(toReject.json?.id), status: 'pending', amount: 10_000 } });
    const msgId = `msg_${suffix()}`;
    const at = new Date();
    const signed = { 'content-type': 'application/json', 'webhook-id': msgId, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(PAYOUT_WEBHOOK_SECRET).sign(msgId, at, report) };
    await run({ method: 'POST', template: '/v1/withdrawals/payout-callbacks', path: '/v1/withdrawals/payout-callbacks', headers: signed, body: report, expect: 200 });
    await run({ method: 'POST', template: '/v1/withdrawals/payout-callbacks', path: '/v1/withdrawals/payout-callbacks', headers: { ...signed, 'webhook-id': `msg_${suffix()}`, 'webhook-signature': 'v1,bm9wZQ==' }, body: report, expect: 401 });
    await run({ method: 'GET', template: '/v1/withdrawals/reconciliations', path: '/v1/withdrawals/reconciliations?limit=5', expect: 200 });
    await run({ method: 'GET', template: '/v1/withdrawals/reconciliations', path: '/v1/withdrawals/reconciliations?day=yesterday', expect: 400 });

    // Metrics: the series (the programme's and a user's), impact, leaderboards, reconciliation, impact factors.
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await run({ method: 'GET', template: '/v1/metrics', path: `/v1/metrics?from=${yesterday}&to=${today}`, expect: 200 });
    await run({ method: 'GET', template: '/v1/metrics/system', path: `/v1/metrics/system?from=${yesterday}&to=${today}&granularity=week`, expect: 200 });
    await run({ method: 'GET', template: '/v1/metrics/system', path: `/v1/metrics/system?from=${today}&to=${yesterday}`, expect: 400 });
    // The series' second media type: CSV on Accept: text/csv.
    const csv = await run({ method: 'GET', template: '/v1/metrics/system', path: `/v1/metrics/system?from=${yesterday}&to=${today}`, headers: { ...admin, accept: 'text/csv' }, expect: 200 });
    expect(csv.contentType).toMatch(/^text\/csv/);
    await run({ method: 'GET', template: '/v1/metrics', path: `/v1/metrics?from=${yesterday}&to=${today}`, headers: { ...admin, accept: 'text/csv' }, expect: 200 });
    await run({ method: 'GET', template: '/v1/metrics/users/{user_id}', path: `/v1/metrics/users/${resident}?from=${yesterday}&to=${today}`, headers: { ...admin, accept: 'text/csv' }, expect: 200 });
    await run({ method: 'GET', template: '/v1/metrics/users/{user_id}', path: `/v1/metrics/users/${resident}?from=${yesterday}&to=${today}`, expect: 200 });
    await run({ method: 'GET', template: '/v1/users/{user_id}/metrics', path: `/v1/users/${resident}/metrics?from=${yesterday}&to=${today}`, headers: me, expect: 200 });
    await run({ method: 'GET', template: '/v1/users/{user_id}/metrics', path: `/v1/users/${resident}/metrics?granularity=year`, headers: me, expect: 400 });
    await run({ method: 'GET', template: '/v1/metrics/impact', path: `/v1/metrics/impact?from=${yesterday}&to=${today}`, headers: me, expect: 200 });
    await run({ method: 'GET', template: '/v1/metrics/leaderboard', path: '/v1/metrics/leaderboard?period=week&metric=points', headers: me, expect: 200 });
    await run({ method: 'GET', template: '/v1/metrics/leaderboard', path: '/v1/metrics/leaderboard?period=decade', headers: me, expect: 400 });
    await run({ method: 'GET', template: '/v1/metrics/reconciliation', path: `/v1/metrics/reconciliation?date=${yesterday}`, expect: 200 });
    await run({ method: 'GET', template: '/v1/metrics/reconciliation', path: '/v1/metrics/reconciliation', expect: 400 });
    await run({ method: 'GET', template: '/v1/metrics/impact-factors', path: '/v1/metrics/impact-factors', expect: 200 });
    const later = new Date(Date.now() + 400 * 86_400_000 + Math.floor(Math.random() * 86_400_000)).toISOString();
    await run({ method: 'PUT', template: '/v1/metrics/impact-factors', path: '/v1/metrics/impact-factors', body: { effective_from: later, source: 'contract test', others: { co2_g_per_kg: 500, water_ml_per_kg: 10_000 }, materials: [{ material: 'PET', co2_g_per_kg: 1_500, water_ml_per_kg: 17_000 }] }, expect: 200 });
    await run({ method: 'PUT', template: '/v1/metrics/impact-factors', path: '/v1/metrics/impact-factors', body: { effective_from: later, source: 'contract test', others: { co2_g_per_kg: 500, water_ml_per_kg: 10_000 }, materials: [] }, expect: 409 });

    expect(problems).toEqual([]);
    // Coverage: every documented operation of these services was called.
    const documented = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`));
    const covered = documented.filter((op) => /^\S+ \/v1\/(rewards|reward-codes|donations|withdrawals|metrics|users\/\{user_id\}\/(rewards|donations|withdrawals|metrics))/.test(op));
    expect(covered.length).toBeGreaterThanOrEqual(58);
    expect(covered.filter((op) => ![...called].some((k) => k.startsWith(`${op} `)))).toEqual([]);
  }, 240_000);

  it('fails on a planted mismatch: a copy of the spec where a DTO and its service disagree rejects the real answer', async () => {
    const planted = JSON.parse(JSON.stringify(doc)) as OpenApiDoc & { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: { properties: Record<string, unknown> } }> }> }>> };
    // The spec now says the balance is a string of rands (the service answers integer cents).
    planted.paths['/v1/wallets/{user_id}'].get.responses['200'].content['application/json'].schema.properties.balance = { type: 'string' };
    const res = await call(gw.url, 'GET', `/v1/wallets/${user}`, admin);
    expect(res.status).toBe(200);
    expect(contract.checkResponse('GET', '/v1/wallets/{user_id}', 200, res.headers.get('content-type'), res.json)).toEqual([]);
    const drift = new ContractValidator(planted).checkResponse('GET', '/v1/wallets/{user_id}', 200, res.headers.get('content-type'), res.json);
    expect(drift.join('\n')).toMatch(/\/balance must be string/);
    // The same on another service's list: the spec now says a reward's points_cost is a string (the rewards-service answers an integer).
    type ListSchema = { properties: { data: { items: { properties: Record<string, unknown> } } } };
    (planted.paths['/v1/rewards'].get.responses['200'].content['application/json'].schema as unknown as ListSchema).properties.data.items.properties.points_cost = { type: 'string' };
    const rewards = await call(gw.url, 'GET', '/v1/rewards?limit=3', admin);
    expect([rewards.status, (rewards.json?.data as unknown[]).length > 0]).toEqual([200, true]);
    expect(contract.checkResponse('GET', '/v1/rewards', 200, rewards.headers.get('content-type'), rewards.json)).toEqual([]);
    expect(new ContractValidator(planted).checkResponse('GET', '/v1/rewards', 200, rewards.headers.get('content-type'), rewards.json).join('\n')).toMatch(/\/data\/0\/points_cost must be string/);
    // A problem code the operation does not list is drift too: the real 422 of a spend, against a copy of the spec whose list lacks its code.
    type ProblemSchema = { allOf: { properties?: { code: { enum: string[] } } }[] };
    const refused = await call(gw.url, 'POST', `/v1/users/${user}/points/spend`, post(), { points: 1_000_000, reason: 'more than held' });
    expect([refused.status, refused.json?.code]).toEqual([422, 'insufficient_points']);
    expect(contract.checkResponse('POST', '/v1/users/{user_id}/points/spend', 422, refused.headers.get('content-type'), refused.json)).toEqual([]);
    const spend422 = (planted.paths['/v1/users/{user_id}/points/spend'].post.responses['422'].content['application/problem+json'].schema as unknown as ProblemSchema).allOf[1].properties!.code;
    spend422.enum = spend422.enum.filter((c) => c !== 'insufficient_points');
    expect(new ContractValidator(planted).checkResponse('POST', '/v1/users/{user_id}/points/spend', 422, refused.headers.get('content-type'), refused.json).join('\n')).toMatch(/\/code must be equal to one of the allowed values/);
    // And the lists are per operation: a reward's 404 is not among the codes a campaign read can answer.
    const noReward = await call(gw.url, 'GET', `/v1/rewards/${randomUUID()}`, admin);
    expect([noReward.status, noReward.json?.code]).toEqual([404, 'reward_not_found']);
    expect(contract.checkResponse('GET', '/v1/rewards/{reward_id}', 404, noReward.headers.get('content-type'), noReward.json)).toEqual([]);
    expect(contract.checkResponse('GET', '/v1/donations/campaigns/{campaign_id}', 404, noReward.headers.get('content-type'), noReward.json).join('\n')).toMatch(/\/code must be equal to one of the allowed values/);
    // An answer with a status the spec does not document is drift too.
    expect(new ContractValidator(doc).checkResponse('GET', '/v1/wallets/{user_id}', 418, 'application/json', {})).toEqual([expect.stringMatching(/status 418 is not documented/)]);
  });
});
