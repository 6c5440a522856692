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

  // A fault left by a failed test would keep the provider's breaker open for the next ones.
  afterEach(async () => {
    await sandboxCall('DELETE', '/v1/sandbox/faults');
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

  /** The payout pipeline's row of a disbursement. */
  const pipeline = async (id: string) => (await withdrawalsDb.query('select status, sent_at, processing_since from disbursement_payouts where id = $1', [id]))[0];
  /** 24 h of doubt, made to have passed: the pipeline's worker moves the payout to needs_review on its next round, and the donations worker reads it. */
  const inDoubtForADay = async (id: string) => {
    await waitFor(async () => (await pipeline(id))?.status === 'processing', 'the payout released to the pipeline', 60_000, 100);
    await withdrawalsDb.query(`update disbursement_payouts set processing_since = now() - interval '25 hours', next_poll_at = now() where id = $1 and status = 'processing'`, [id]);
    return until(id, (d) => d.payout_status === 'needs_review', 'the payout in needs_review');
  };
  const retry = (id: string, note = 'the provider confirmed by phone') => t.post(`/v1/donations/disbursements/${id}/retry-payout`, { admin: uuidv7() }, { note });

  it('a payout the provider never recorded, in needs_review after 24 h of doubt: a person sends it back, it is sent once with the same key and paid once', async () => {
    const { campaign, id } = await requested(6_000, 2_000);
    // The provider cannot be asked about it, so it is never sent (sending needs a "never recorded" answer first).
    await fault({ on: 'status', reference: id, respond: 'error', error_status: 500 });
    await approve(id);
    const early = await retry(id);
    expect([early.status, early.body.code]).toEqual([409, 'payout_not_in_review']);
    const stuck = await inDoubtForADay(id);
    expect(stuck).toMatchObject({ status: 'processing', payout_status: 'needs_review', payout_retry: null });
    // The money waits in payout clearing: neither paid nor back with the campaign.
    expect(await ledgerZar(campaign)).toBe(4_000);
    // (The fault answers the sandbox's own listing by reference too: lifted before looking.)
    expect((await sandboxCall('DELETE', '/v1/sandbox/faults')).status).toBeLessThan(300);
    expect(await payoutsAt(id)).toHaveLength(0);
    const back = await retry(id, 'provider says it never got it');
    expect([back.status, back.body.code]).toEqual([200, undefined]);
    expect(back.body).toMatchObject({ status: 'processing', payout_status: 'processing', payout_retry: { note: 'provider says it never got it' } });
    const done = await until(id, (d) => d.status === 'completed', 'the payout paid after the review');
    expect(done.credit_back_transfer_id).toBeNull();
    const paid = await payoutsAt(id);
    expect(paid).toHaveLength(1);
    expect(paid[0]).toMatchObject({ amount: 2_000, status: 'completed' });
    expect(await ledgerZar(campaign)).toBe(4_000);
    expect(await events(id)).toEqual(['requested', 'processing', 'completed']);
    // Once completed it is no longer in review: a late second retry changes nothing.
    expect((await retry(id)).body.code).toBe('payout_not_in_review');
  });

  it('a payout sent in doubt, in needs_review: sent back, found by reference (never resent), then failed: the money is back with the campaign once', async () => {
    const { campaign, id } = await requested(5_000, 3_000);
    // Recorded, then no answer; the provider keeps it pending until told (found by reference, never final): 24 h later, a person's.
    await fault({ on: 'create', reference: id, respond: 'timeout', manual: true, times: 1 });
    const ok = await approve(id);
    await waitFor(async () => Boolean((await pipeline(id))?.sent_at), 'the payout sent in doubt', 60_000, 100);
    await inDoubtForADay(id);
    expect(await payoutsAt(id)).toMatchObject([{ status: 'pending' }]);
    const [first, second] = await Promise.all([retry(id, 'asking again'), retry(id, 'asking again too')]);
    // Two people at once: one sends it back, the other finds it no longer in review; never two sends.
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    expect([first.body.code, second.body.code]).toContain('payout_not_in_review');
    await waitFor(async () => (await pipeline(id)).status === 'processing', 'the payout back with the worker', 30_000, 100);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await payoutsAt(id)).toHaveLength(1);
    expect((await sandboxCall('POST', `/v1/sandbox/payouts/${id}/transition`, { status: 'failed', reason_code: 'account_closed' })).status).toBe(200);
    const failed = await until(id, (d) => d.status === 'failed' && d.credit_back_transfer_id !== null, 'the failure credited back');
    expect(failed.failure_code).toBe('account_closed');
    expect(await ledgerZar(campaign)).toBe(5_000);
    expect(await walletDb.query('select count(*)::int as n from transfers where reverses_transfer_id = $1', [ok.transfer_id])).toEqual([{ n: 1 }]);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await ledgerZar(campaign)).toBe(5_000);
    expect(await payoutsAt(id)).toHaveLength(1);
    expect(await events(id)).toEqual(['requested', 'processing', 'failed']);
  });

  it('a rejected disbursement: its payout registration is cancelled (once, idempotently) and can never be released or paid', async () => {
    const { campaign, id } = await requested(4_000, 1_500);
    const rejected = await t.post(`/v1/donations/disbursements/${id}/reject`, { admin: uuidv7() }, { reason: 'wrong account' });
    expect([rejected.status, rejected.body.status]).toEqual([200, 'rejected']);
    const done = await until(id, (d) => d.payout_cancelled_at !== null, 'the registration cancelled');
    expect(done).toMatchObject({ status: 'rejected', payout_status: 'cancelled' });
    expect((await pipeline(id)).status).toBe('cancelled');
    // As the donations-service: a cancel again answers the same; a release (a stray or replayed call) pays nothing.
    const internal = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${withdrawalsPort}/internal/v1/disbursement-payouts/${id}${path}`, { method: 'PUT', headers: await serviceAuthHeaders('withdrawals-service', 'donations-service') });
      return { status: res.status, body: await res.json() };
    };
    expect(await internal('/cancel')).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    expect(await internal('/release')).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    expect(await internal('/retry')).toMatchObject({ status: 409, body: { code: 'invalid_transition' } });
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await pipeline(id)).status).toBe('cancelled');
    expect(await payoutsAt(id)).toHaveLength(0);
    expect(await ledgerZar(campaign)).toBe(4_000);
    expect(await events(id)).toEqual(['requested', 'rejected']);
  });

  it('the wallet stopped: a disbursement request answers 202 pending (the same key replays it); once the wallet is back the worker checks the balance: one requested, the other failed and its registration cancelled', async () => {
    const c = (await t.post('/v1/donations/campaigns', ADMIN, { name: `Campaign ${uuidv7()}`, beneficiary: 'Siyakhula PBO', status: 'active' })).body.id as string;
    const user = uuidv7();
    await t.fund(user, 6_000, 1);
    expect((await t.post(`/v1/users/${user}/donations`, { user }, { campaign_id: c, amount: 5_000 })).status).toBe(201);
    const requester = { admin: uuidv7() };
    const body = { amount: 3_000, reference: 'INV-2', method: 'bank_transfer', destination: bank() };
    await t.wallet.stop('SIGKILL');
    let ids: string[] = [];
    try {
      const key = uuidv7();
      const a = await t.post(`/v1/donations/campaigns/${c}/disbursements`, requester, body, key);
      expect([a.status, a.body.status, a.body.code]).toEqual([202, 'pending', undefined]);
      const replay = await t.post(`/v1/donations/campaigns/${c}/disbursements`, requester, body, key);
      expect([replay.body.id, replay.body.status]).toEqual([a.body.id, 'pending']);
      // Together more than the campaign holds: only one can be accepted when the balance is read.
      const b = await t.post(`/v1/donations/campaigns/${c}/disbursements`, requester, body);
      expect([b.status, b.body.status]).toEqual([202, 'pending']);
      ids = [a.body.id, b.body.id];
      // Not approvable before its balance is checked; the destination is registered (masked here), nothing moved.
      expect((await t.post(`/v1/donations/disbursements/${a.body.id}/approve`, { admin: uuidv7() }, {})).body.code).toBe('disbursement_not_pending');
      expect((await pipeline(a.body.id)).status).toBe('awaiting');
      expect(await t.db.query('select count(*)::int as n from disbursements where campaign_id = $1', [c])).toEqual([{ n: 2 }]);
    } finally {
      await t.restartWallet();
    }
    const settled = await Promise.all(ids.map((id) => until(id, (d) => d.status === 'requested' || (d.status === 'failed' && d.payout_cancelled_at !== null), 'the balance checked')));
    expect(settled.map((d) => d.status).sort()).toEqual(['failed', 'requested']);
    const [ok, refused] = settled[0].status === 'requested' ? settled : [settled[1], settled[0]];
    expect(refused.failure_code).toBe('insufficient_campaign_balance');
    expect((await pipeline(refused.id)).status).toBe('cancelled');
    expect(await events(ok.id)).toEqual(['pending', 'requested']);
    expect(await events(refused.id)).toEqual(['pending', 'failed']);
    // The accepted one goes on as any request: four eyes, then paid once.
    await approve(ok.id);
    await until(ok.id, (d) => d.status === 'completed', 'the checked disbursement paid');
    expect(await payoutsAt(ok.id)).toHaveLength(1);
    expect(await payoutsAt(refused.id)).toHaveLength(0);
    expect(await ledgerZar(c)).toBe(2_000);
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
