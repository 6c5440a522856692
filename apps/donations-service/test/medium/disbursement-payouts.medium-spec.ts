import { randomBytes } from 'node:crypto';
import { uuidv7 } from '@wozamali/contracts';
import { freePort, openTestDataSource, serviceAuthHeaders, spawnService, StubServer, waitFor, type SpawnedService } from '@wozamali/testing';
import type { DataSource } from 'typeorm';
import { ADMIN, useDonations } from '../support/donations-app';

jest.setTimeout(180_000);

const CALLBACK_ROUTE = '/v1/withdrawals/payout-callbacks';

// A campaign's disbursement paid through the withdrawals' payout pipeline: the real wallet-service,
// withdrawals-service and payout sandbox as processes, the donations-service in this process with its
// disbursement worker; the provider's callbacks reach the withdrawals-service through a relay that
// stands in for the gateway (its service token, the body and webhook headers untouched).
describe('disbursements are paid through the payout pipeline of withdrawals', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  let withdrawalsPort = 0;
  let relay: StubServer;
  let sandbox: SpawnedService;
  let withdrawals: SpawnedService;
  let walletDb: DataSource;
  let withdrawalsDb: DataSource;
  beforeAll(async () => {
    withdrawalsPort = await freePort();
    relay = await StubServer.start();
    relay.otherwise(async (req) => {
      const headers: Record<string, string> = { ...(await serviceAuthHeaders('withdrawals-service', 'api-gateway', null)) };
      for (const name of ['content-type', 'webhook-id', 'webhook-timestamp', 'webhook-signature']) {
        const v = req.headers[name];
        if (typeof v === 'string') headers[name] = v;
      }
      const res = await fetch(`http://127.0.0.1:${withdrawalsPort}${CALLBACK_ROUTE}`, { method: 'POST', headers, body: req.text });
      return { status: res.status, body: await res.text(), headers: { 'content-type': 'application/json' } };
    });
    sandbox = await spawnService('payout-sandbox', await freePort(), {
      PAYOUT_SANDBOX_CALLBACK_URL: relay.url, PAYOUT_SANDBOX_WEBHOOK_SECRET: secret, PAYOUT_SANDBOX_PROCESSING_AFTER_MS: '50',
      PAYOUT_SANDBOX_SETTLE_AFTER_MS: '200', PAYOUT_SANDBOX_CALLBACK_RETRY_MS: '100,300,1000,3000,5000,10000', LOG_LEVEL: 'warn',
    });
  }, 120_000);
  const t = useDonations(() => ({ WITHDRAWALS_SERVICE_URL: `http://127.0.0.1:${withdrawalsPort}`, WITHDRAWALS_TIMEOUT_MS: '3000', DISBURSEMENT_INTERVAL_MS: '200' }));
  beforeAll(async () => {
    withdrawals = await spawnService('withdrawals-service', withdrawalsPort, {
      WALLET_SERVICE_URL: `http://127.0.0.1:${t.walletPort}`, PAYOUT_PROVIDER_URL: sandbox.url, PAYOUT_WEBHOOK_SECRET: secret, PAYOUT_TIMEOUT_MS: '1500',
      PAYOUT_POLL_FAST_MS: '100', PAYOUT_LEASE_MS: '500', WITHDRAWAL_WORKER_INTERVAL_MS: '200',
      // Only the disbursements' payouts: the withdrawals' own tests share this database and drive theirs.
      WITHDRAWAL_WORKER_ONLY_DISBURSEMENTS: 'true',
    });
    walletDb = await openTestDataSource('wallet-service', 2);
    withdrawalsDb = await openTestDataSource('withdrawals-service', 2);
  }, 120_000);
  afterAll(async () => {
    await withdrawals?.stop();
    await sandbox?.stop('SIGKILL');
    await relay?.close();
    await walletDb?.destroy();
    await withdrawalsDb?.destroy();
  });

  const bank = (account = `${Date.now()}`.slice(-10)) => ({ bank_name: 'First National Bank', account_holder: 'Siyakhula PBO', account_number: account, branch_code: '250655' });
  const sandboxCall = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sandbox.url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const fault = async (body: Record<string, unknown>) => expect((await sandboxCall('POST', '/v1/sandbox/faults', body)).status).toBe(201);
  const payoutsAt = async (reference: string) => (await sandboxCall('GET', `/v1/payouts?reference=${reference}`)).body.data as { status: string; amount: number }[];
  const ledgerZar = async (campaignId: string) => (await walletDb.query(
    `select coalesce(sum(p.amount), 0)::int as zar from postings p join accounts a on a.id = p.account_id where a.owner_type = 'campaign' and a.owner_id = $1 and p.asset = 'ZAR'`,
    [campaignId]))[0].zar as number;
  const disbursement = async (id: string) => (await t.get(`/v1/donations/disbursements/${id}`, ADMIN)).body;
  const until = (id: string, done: (d: any) => boolean, what: string) => waitFor(async () => {
    const d = await disbursement(id);
    return done(d) ? d : null;
  }, what, 90_000, 200);
  const events = async (id: string) => (await t.db.query(
    `select payload->'data'->>'to' as "to" from outbox where type = 'disbursement_update' and payload->'data'->>'disbursement_id' = $1 order by seq`, [id])).map((e: { to: string }) => e.to);

  /** A campaign holding `cents`, a disbursement of `amount` requested by one admin (not approved yet). */
  const requested = async (cents: number, amount: number, account?: string) => {
    const c = (await t.post('/v1/donations/campaigns', ADMIN, { name: `Campaign ${uuidv7()}`, beneficiary: 'Siyakhula PBO', status: 'active' })).body as { id: string };
    const user = uuidv7();
    await t.fund(user, cents + 1_000, 1);
    expect((await t.post(`/v1/users/${user}/donations`, { user }, { campaign_id: c.id, amount: cents })).status).toBe(201);
    const requester = { admin: uuidv7() };
    const req = await t.post(`/v1/donations/campaigns/${c.id}/disbursements`, requester, { amount, reference: 'INV-1', method: 'bank_transfer', destination: bank(account) });
    expect([req.status, req.body.code]).toEqual([201, undefined]);
    return { campaign: c.id, id: req.body.id as string, requester, body: req.body };
  };
  const approve = async (id: string) => {
    const ok = await t.post(`/v1/donations/disbursements/${id}/approve`, { admin: uuidv7() }, {});
    expect([ok.status, ok.body.code]).toEqual([200, undefined]);
    return ok.body;
  };

  it('four eyes, the ledger move to payout clearing once, then paid once by the provider: completed', async () => {
    const { campaign, id, requester, body } = await requested(8_000, 5_000, '62001234567');
    expect(body).toMatchObject({ status: 'requested', amount: 5_000, method: 'bank_transfer', beneficiary: 'Siyakhula PBO' });
    // Masked here and in every answer; the clear account number is sealed in the withdrawals-service only.
    expect(JSON.stringify(body)).not.toContain('62001234567');
    const [stored] = await t.db.query('select * from disbursements where id = $1', [id]);
    expect(JSON.stringify(stored)).not.toContain('62001234567');
    const [sealed] = await withdrawalsDb.query('select destination_ciphertext, status from disbursement_payouts where id = $1', [id]);
    expect(sealed.status).toBe('awaiting');
    expect(Buffer.from(sealed.destination_ciphertext).toString('latin1')).not.toContain('62001234567');
    expect((await t.post(`/v1/donations/campaigns/${campaign}/disbursements`, requester, { amount: 3_001, method: 'bank_transfer', destination: bank() })).body.code).toBe('insufficient_campaign_balance');
    const self = await t.post(`/v1/donations/disbursements/${id}/approve`, requester, {});
    expect([self.status, self.body.code]).toEqual([409, 'approver_already_approved']);
    // Nothing is paid before approval.
    expect(await payoutsAt(id)).toHaveLength(0);
    const ok = await approve(id);
    expect(ok).toMatchObject({ status: 'processing' });
    expect((await t.post(`/v1/donations/disbursements/${id}/approve`, { admin: uuidv7() }, {})).body.code).toBe('disbursement_not_pending');
    expect(await ledgerZar(campaign)).toBe(3_000);
    const [clearing] = await walletDb.query('select p.amount::int as amount, a.owner_type from postings p join accounts a on a.id = p.account_id where p.transfer_id = $1 and p.amount > 0', [ok.transfer_id]);
    expect(clearing).toEqual({ amount: 5_000, owner_type: 'payout_clearing' });
    const done = await until(id, (d) => d.status === 'completed', 'the disbursement to be paid');
    expect(done).toMatchObject({ payout_status: 'completed', credit_back_transfer_id: null });
    const paid = await payoutsAt(id);
    expect(paid).toHaveLength(1);
    expect(paid[0]).toMatchObject({ amount: 5_000, status: 'completed' });
    expect(await ledgerZar(campaign)).toBe(3_000);
    expect(await events(id)).toEqual(['requested', 'processing', 'completed']);
  });

  it('the provider records the payout and times out: unknown, asked again by reference, paid once', async () => {
    const { campaign, id } = await requested(6_000, 4_000);
    await fault({ on: 'create', reference: id, respond: 'timeout', times: 1 });
    await approve(id);
    await until(id, (d) => d.status === 'completed', 'completion after a provider timeout');
    expect(await payoutsAt(id)).toHaveLength(1);
    expect(await ledgerZar(campaign)).toBe(2_000);
    expect(await events(id)).toEqual(['requested', 'processing', 'completed']);
  });

  it('a 5xx after committing is doubt, never failure: paid once', async () => {
    const { id } = await requested(6_000, 3_000);
    await fault({ on: 'create', reference: id, respond: 'error', error_status: 503, times: 1 });
    await approve(id);
    await until(id, (d) => d.status === 'completed', 'completion after a 503');
    expect(await payoutsAt(id)).toHaveLength(1);
  });

  it('the provider fails the payout: failed, and the money is credited back to the campaign exactly once', async () => {
    const { campaign, id } = await requested(7_000, 6_000);
    await fault({ on: 'create', reference: id, outcome: 'failed', reason_code: 'account_closed' });
    const ok = await approve(id);
    const failed = await until(id, (d) => d.status === 'failed' && d.credit_back_transfer_id !== null, 'the failure credited back');
    expect(failed).toMatchObject({ failure_code: 'account_closed', payout_status: 'failed' });
    expect(await ledgerZar(campaign)).toBe(7_000);
    const reversals = await walletDb.query('select id from transfers where reverses_transfer_id = $1', [ok.transfer_id]);
    expect(reversals).toEqual([{ id: failed.credit_back_transfer_id }]);
    // Later rounds change nothing: one credit.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await ledgerZar(campaign)).toBe(7_000);
    expect(await events(id)).toEqual(['requested', 'processing', 'failed']);
  });

  it('a payout returned after completion (callbacks sent twice) is credited back to the campaign once', async () => {
    const { campaign, id } = await requested(5_000, 5_000);
    await fault({ on: 'create', reference: id, return_after_ms: 4_000, return_reason_code: 'account_closed', duplicate_callbacks: true });
    const ok = await approve(id);
    // Paid first (the campaign's money stays in payout clearing), then watched for a return.
    await until(id, (d) => d.status === 'completed', 'the payout completed');
    expect(await ledgerZar(campaign)).toBe(0);
    const back = await until(id, (d) => d.status === 'returned' && d.credit_back_transfer_id !== null, 'the return credited back');
    expect(back.failure_code).toBe('account_closed');
    expect(await ledgerZar(campaign)).toBe(5_000);
    expect(await walletDb.query('select count(*)::int as n from transfers where reverses_transfer_id = $1', [ok.transfer_id])).toEqual([{ n: 1 }]);
    expect(await events(id)).toEqual(['requested', 'processing', 'completed', 'returned']);
  });

  it('a bad destination is 400 invalid_destination naming the field, and nothing is written on either side', async () => {
    const c = (await t.post('/v1/donations/campaigns', ADMIN, { name: `Campaign ${uuidv7()}`, beneficiary: 'B', status: 'active' })).body as { id: string };
    const user = uuidv7();
    await t.fund(user, 5_000, 1);
    await t.post(`/v1/users/${user}/donations`, { user }, { campaign_id: c.id, amount: 4_000 });
    const bad = await t.post(`/v1/donations/campaigns/${c.id}/disbursements`, ADMIN, { amount: 1_000, method: 'bank_transfer', destination: { ...bank(), branch_code: 'x' } });
    expect([bad.status, bad.body.code]).toEqual([400, 'invalid_destination']);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(await t.db.query('select id from disbursements where campaign_id = $1', [c.id])).toEqual([]);
    expect(await withdrawalsDb.query('select id from disbursement_payouts where campaign_id = $1', [c.id])).toEqual([]);
  });
});
