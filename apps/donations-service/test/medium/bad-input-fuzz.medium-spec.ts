import { GREEN_SCHOLAR_FUND_CAMPAIGN_ID, uuidv7 } from '@wozamali/contracts';
import fc from 'fast-check';
import { breakage, broken, freePort, openTestDataSource, spawnService, type SpawnedService } from '@wozamali/testing';
import type { DataSource } from 'typeorm';
import { ADMIN, useDonations, type As } from '../support/donations-app';

jest.setTimeout(300_000);

// Random bad input against every write of the donations-service: each request starts from a valid
// body and breaks it one way. Whatever comes in, the answer is never a 5xx; a refusal is
// problem+json with a stable code, and nothing is written (no row, no event, no wallet call).
const RUNS = Number(process.env.FUZZ_RUNS || 60);
type Body = Record<string, unknown>;

describe('bad input, at random, on every write', () => {
  // The real payout pipeline (its workers off), so a disbursement request that passes this service's checks
  // reaches it: its destination is validated there.
  let withdrawalsPort = 0;
  let withdrawals: SpawnedService;
  let withdrawalsDb: DataSource;
  beforeAll(async () => {
    withdrawalsPort = await freePort();
  });
  const t = useDonations(() => ({ WITHDRAWALS_SERVICE_URL: `http://127.0.0.1:${withdrawalsPort}`, DISBURSEMENT_INTERVAL_MS: '600000' }));
  let campaign: string;
  // A campaign of its own for disbursements, holding money: the cancel target may cancel `campaign` before they run.
  let paying: string;
  let donation: string;
  const donor = uuidv7();
  beforeAll(async () => {
    withdrawals = await spawnService('withdrawals-service', withdrawalsPort, { WALLET_SERVICE_URL: `http://127.0.0.1:${t.walletPort}`, WITHDRAWAL_WORKERS_ENABLED: 'false' });
    withdrawalsDb = await openTestDataSource('withdrawals-service', 2);
    campaign = (await t.post('/v1/donations/campaigns', ADMIN, { name: 'Fuzz', beneficiary: 'B', status: 'active' })).body.id;
    paying = (await t.post('/v1/donations/campaigns', ADMIN, { name: 'Fuzz payouts', beneficiary: 'B', status: 'active' })).body.id;
    await t.fund(donor, 1_000_000, 1_000);
    donation = (await t.post(`/v1/users/${donor}/donations`, { user: donor }, { campaign_id: campaign, amount: 100 })).body.id;
    expect((await t.post(`/v1/users/${donor}/donations`, { user: donor }, { campaign_id: paying, amount: 500_000 })).status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await withdrawals?.stop();
    await withdrawalsDb?.destroy();
  });

  const targets: { name: string; method: string; path: () => string; as: () => As; body: () => Body }[] = [
    { name: 'donate', method: 'POST', path: () => `/v1/users/${donor}/donations`, as: () => ({ user: donor }), body: () => ({ campaign_id: GREEN_SCHOLAR_FUND_CAMPAIGN_ID, amount: 1, points: 1, visibility: 'anonymous', message: 'hi' }) },
    { name: 'create campaign', method: 'POST', path: () => '/v1/donations/campaigns', as: () => ADMIN, body: () => ({ name: 'n', beneficiary: 'b', target_amount: 100, target_points: 5, starts_at: '2026-01-01T00:00:00Z', ends_at: '2027-01-01T00:00:00Z', on_target: 'continue', pbo_reference: '930000001', status: 'draft' }) },
    { name: 'update campaign', method: 'PATCH', path: () => `/v1/donations/campaigns/${campaign}`, as: () => ADMIN, body: () => ({ name: 'Fuzz', target_amount: 1_000_000 }) },
    { name: 'refund', method: 'POST', path: () => `/v1/donations/${donation}/refund`, as: () => ADMIN, body: () => ({ reason: 'fuzz' }) },
    { name: 'cancel campaign', method: 'POST', path: () => `/v1/donations/campaigns/${campaign}/cancel`, as: () => ADMIN, body: () => ({ reason: 'fuzz', disposition: 'redirect', redirect_campaign_id: GREEN_SCHOLAR_FUND_CAMPAIGN_ID }) },
    { name: 'request disbursement', method: 'POST', path: () => `/v1/donations/campaigns/${paying}/disbursements`, as: () => ADMIN, // Within the balance: what passes this service's checks reaches the payout pipeline.
      body: () => ({ amount: 1, reference: 'r', method: 'bank_transfer', destination: { bank_name: 'FNB', account_holder: 'B', account_number: '62001234567', branch_code: '250655' } }) },
    { name: 'reject disbursement', method: 'POST', path: () => `/v1/donations/disbursements/${uuidv7()}/reject`, as: () => ADMIN, body: () => ({ reason: 'no' }) },
  ];

  // What a request of this file could write (other files write to the same database meanwhile);
  // any other write comes with an event, found by the request's correlation id.
  const fingerprint = async () => ({
    ...(await t.db.query(
      `select (select count(*) from donations where user_id = $1)::int as d, (select count(*) from disbursements where campaign_id = any($4::uuid[]))::int as b,
         (select count(*) from refund_attempts where donation_id = $3)::int as r, (select md5(c::text) from campaigns c where id = $2) as h,
         (select md5(d::text) from donations d where id = $3) as dh`, [donor, campaign, donation, [campaign, paying]],
    ))[0],
    // The payout pipeline's registrations: a refused request leaves none.
    payouts: (await withdrawalsDb.query('select count(*)::int as n from disbursement_payouts where campaign_id = any($1::uuid[])', [[campaign, paying]]))[0].n,
  });
  // Answers only the payout pipeline gives: a registration (201) or its refusal of the destination.
  const fromPipeline = (res: { status: number; body: { code?: string } | null }) => res.status === 201 || res.body?.code === 'invalid_destination';

  it.each(targets.map((x) => [x.name, x] as const))('%s: never a 5xx; a refusal is problem+json with a code and writes nothing', async (name, target) => {
    let refused = 0;
    let reachedPipeline = 0;
    await fc.assert(fc.asyncProperty(breakage, async (b) => {
      const body = broken(target.body(), b);
      // A body that is still valid would really write: only refusals are checked for "nothing written".
      const before = await fingerprint();
      const res = await t.call(target.method, target.path(), target.as(), typeof body === 'string' ? body : JSON.stringify(body) ?? 'null', { 'content-type': 'application/json', 'idempotency-key': uuidv7() });
      expect(res.status).toBeLessThan(500);
      if (fromPipeline(res)) reachedPipeline += 1;
      if (res.status >= 400) {
        refused += 1;
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.body.code).toMatch(/^[a-z][a-z_]*$/);
        expect(await fingerprint()).toEqual(before);
        const events = await t.db.query(`select count(*)::int as n from outbox where payload->>'correlation_id' = $1`, [res.body.correlation_id]);
        expect(res.body.correlation_id).toBeTruthy();
        expect(events[0].n).toBe(0);
      }
    }), { numRuns: RUNS });
    expect(refused).toBeGreaterThan(RUNS / 2);
    // The disbursement's broken inputs must really exercise the payout pipeline (about a third break only the destination).
    if (name === 'request disbursement') expect(reachedPipeline).toBeGreaterThanOrEqual(Math.ceil(RUNS / 6));
  });

  it('a bad id or query is a 400 problem, never a database error', async () => {
    for (const path of ['/v1/donations/campaigns/not-a-uuid', '/v1/donations/campaigns?status=open', `/v1/users/${donor}/donations?limit=0`, `/v1/users/${donor}/donations?cursor=%00`, `/v1/users/${donor}/donations/${uuidv7()}/receipt?format=pdf`]) {
      const res = await t.get(path, ADMIN);
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });
});
