import { uuidv7 } from '@wozamali/contracts';
import { openTestDataSource, StubServer, waitFor } from '@wozamali/testing';
import type { DataSource } from 'typeorm';
import { ADMIN, useDonations } from '../support/donations-app';

jest.setTimeout(240_000);

// Admin refunds, cancellations with a disposition and disbursement approvals with the wallet away:
// accepted (202, the pending state), finished by a worker with the same wallet keys once the wallet
// is back, applied exactly once. The wallet is the real process, SIGKILLed and started again; a stub
// in front of it (passing every call through) can also hold back one answer past the client's
// timeout (the write landed, the service does not know: unknown, never failed).
describe('admin money writes while the wallet is away are queued (202) and applied once', () => {
  let stub: StubServer;
  let walletDb: DataSource;
  let holdBack: ((req: { method: string; path: string }) => boolean) | null = null;
  beforeAll(async () => {
    stub = await StubServer.start();
    walletDb = await openTestDataSource('wallet-service', 2);
  });
  const t = useDonations(() => ({ WALLET_SERVICE_URL: stub.url, WALLET_TIMEOUT_MS: '4000', DISBURSEMENT_INTERVAL_MS: '300' }));
  beforeAll(() => {
    stub.otherwise(async (req) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
      let upstream: Response;
      try {
        upstream = await fetch(`http://127.0.0.1:${t.walletPort}${req.url}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : req.text });
      } catch {
        return { status: 502, body: '', headers: {} };
      }
      const body = await upstream.text();
      const late = holdBack !== null && holdBack(req);
      if (late) holdBack = null;
      const replayed = upstream.headers.get('idempotent-replayed');
      return { status: upstream.status, headers: { 'content-type': upstream.headers.get('content-type') ?? 'application/json', ...(replayed ? { 'idempotent-replayed': replayed } : {}) }, body, delayMs: late ? 9_000 : 0 };
    });
  });
  afterAll(async () => {
    await stub?.close();
    await walletDb?.destroy();
  });

  const campaign = async () => (await t.post('/v1/donations/campaigns', ADMIN, { name: `C ${uuidv7()}`, beneficiary: 'B', status: 'active' })).body.id as string;
  const donate = async (c: string, amount: number, points = 0) => {
    const user = uuidv7();
    await t.fund(user, amount + 1_000, points + 10);
    const res = await t.post(`/v1/users/${user}/donations`, { user }, { campaign_id: c, amount, ...(points ? { points } : {}) });
    expect(res.status).toBe(201);
    return { user, id: res.body.id as string, transfer_id: res.body.transfer_id as string };
  };
  const ledger = async (c: string) => (await walletDb.query(
    `select coalesce(sum(p.amount) filter (where p.asset = 'ZAR'), 0)::int as zar, coalesce(sum(p.amount) filter (where p.asset = 'POINTS'), 0)::int as points
     from postings p join accounts a on a.id = p.account_id where a.owner_type = 'campaign' and a.owner_id = $1`, [c]))[0];
  const walletOf = async (user: string) => (await t.walletCall('GET', `/v1/wallets/${user}`)).body;
  const donation = async (id: string) => (await t.get(`/v1/donations/${id}`, ADMIN)).body;
  const count = async (sql: string, params: unknown[]) => (await t.db.query(sql, params))[0].n as number;

  it('the wallet process stopped: refund, cancel with refund, cancel with redirect and a disbursement approval answer 202; once it is back each is applied once', async () => {
    // A refund.
    const c1 = await campaign();
    const gift = await donate(c1, 3_000, 20);
    // A cancellation refunding every donation.
    const c2 = await campaign();
    const [a, b] = [await donate(c2, 1_000), await donate(c2, 2_000)];
    // A cancellation redirecting the balance.
    const c3 = await campaign();
    const target = await campaign();
    await donate(c3, 4_000, 30);
    // A disbursement waiting for its second admin (registered with the payout pipeline in its own test; here its row only).
    const c4 = await campaign();
    await donate(c4, 5_000);
    // A cancellation without a disposition: the wallet's balance, once read, refuses it (the campaign holds money).
    const c5 = await campaign();
    await donate(c5, 1_500);
    const disbursementId = uuidv7();
    await t.db.query(`insert into disbursements (id, campaign_id, beneficiary, amount, status, requested_by, method, destination_masked) values ($1, $2, 'B', 2500, 'requested', 'someone', 'bank_transfer', '{}')`, [disbursementId, c4]);

    await t.wallet.stop('SIGKILL');
    const refundKey = uuidv7();
    const refund = await t.post(`/v1/donations/${gift.id}/refund`, ADMIN, { reason: 'donor asked' }, refundKey);
    expect([refund.status, refund.body.status, refund.body.refund_status]).toEqual([202, 'accepted', 'pending']);
    const replay = await t.post(`/v1/donations/${gift.id}/refund`, ADMIN, { reason: 'donor asked' }, refundKey);
    // The key's stored answer (the platform replays it as 200), not a second queued refund.
    expect([replay.status, replay.body.id, replay.body.refund_status]).toEqual([200, gift.id, 'pending']);
    const cancel = await t.post(`/v1/donations/campaigns/${c2}/cancel`, ADMIN, { reason: 'closed', disposition: 'refund' });
    expect([cancel.status, cancel.body.status, cancel.body.cancellation]).toEqual([202, 'cancelling', 'refund']);
    // No donation while it is being cancelled (refused before the wallet is asked).
    const late = await t.post(`/v1/users/${uuidv7()}/donations`, { user: uuidv7() }, { campaign_id: c2, amount: 100 });
    expect([late.status, late.body.code]).toEqual([409, 'campaign_not_active']);
    const redirect = await t.post(`/v1/donations/campaigns/${c3}/cancel`, ADMIN, { reason: 'merged', disposition: 'redirect', redirect_campaign_id: target });
    expect([redirect.status, redirect.body.status]).toEqual([202, 'cancelling']);
    const undecided = await t.post(`/v1/donations/campaigns/${c5}/cancel`, ADMIN, { reason: 'closing' });
    expect([undecided.status, undecided.body.status]).toEqual([202, 'cancelling']);
    const approve = await t.post(`/v1/donations/disbursements/${disbursementId}/approve`, ADMIN, {});
    expect([approve.status, approve.body.status]).toEqual([202, 'approved']);
    // Nothing moved yet, nothing failed: the admin view shows the refund pending.
    expect(await donation(gift.id)).toMatchObject({ status: 'accepted', refund_status: 'pending', refund_failure_code: null });
    expect((await t.get(`/v1/donations/campaigns/${c2}`, ADMIN)).body.status).toBe('active');
    // The campaign's view (anyone signed in) shows the queued cancellation, without who asked or why.
    const queuedView = (await t.get(`/v1/donations/campaigns/${c3}`, { user: uuidv7() })).body;
    expect(queuedView).toMatchObject({ status: 'active', cancel_status: 'pending', cancel_failure_code: null, pending_cancellation: { disposition: 'redirect', redirect_campaign_id: target } });
    expect(queuedView.pending_cancellation.requested_at).toBe(redirect.body.requested_at);
    expect(JSON.stringify(queuedView)).not.toContain('merged');
    expect((await t.get('/v1/donations/campaigns?status=active', ADMIN)).body.data.find((x: { id: string }) => x.id === c2)).toMatchObject({ cancel_status: 'pending', pending_cancellation: { disposition: 'refund' } });

    await t.restartWallet();
    await waitFor(async () => (await donation(gift.id)).status === 'refunded', 'the queued refund', 90_000, 300);
    await waitFor(async () => (await t.get(`/v1/donations/campaigns/${c2}`, ADMIN)).body.status === 'cancelled', 'the queued refund-all cancellation', 90_000, 300);
    await waitFor(async () => (await t.get(`/v1/donations/campaigns/${c3}`, ADMIN)).body.status === 'cancelled', 'the queued redirect', 90_000, 300);
    await waitFor(async () => (await t.get(`/v1/donations/disbursements/${disbursementId}`, ADMIN)).body.status === 'processing', 'the queued ledger move', 90_000, 300);
    const refusedView = await waitFor(async () => {
      const v = (await t.get(`/v1/donations/campaigns/${c5}`, ADMIN)).body;
      return v.cancel_status === 'refused' ? v : null;
    }, 'the queued cancellation refused', 90_000, 300);
    expect(refusedView).toMatchObject({ status: 'active', cancel_failure_code: 'campaign_has_money', pending_cancellation: null });
    expect(await ledger(c5)).toEqual({ zar: 1_500, points: 0 });

    // Each applied exactly once.
    expect(await walletOf(gift.user)).toMatchObject({ balance: 4_000 });
    expect(await ledger(c1)).toEqual({ zar: 0, points: 0 });
    expect(await walletDb.query('select count(*)::int as n from transfers where reverses_transfer_id = $1', [gift.transfer_id])).toEqual([{ n: 1 }]);
    expect(await count(`select count(*)::int as n from outbox where type = 'donation_refunded' and payload->'data'->>'donation_id' = $1`, [gift.id])).toBe(1);
    expect(await donation(gift.id)).toMatchObject({ status: 'refunded', refund_status: null });
    for (const d of [a, b]) expect((await donation(d.id)).status).toBe('refunded');
    expect(await ledger(c2)).toEqual({ zar: 0, points: 0 });
    expect((await t.get(`/v1/donations/campaigns/${c2}`, ADMIN)).body).toMatchObject({ cancellation: 'refund', cancel_status: null, cancel_failure_code: null, pending_cancellation: null });
    expect(await ledger(c3)).toEqual({ zar: 0, points: 0 });
    expect(await ledger(target)).toEqual({ zar: 4_000, points: 30 });
    expect(await walletDb.query(`select count(*)::int as n from transfers where reference = $1`, [`campaign-redirect:${c3}`])).toEqual([{ n: 1 }]);
    expect(await ledger(c4)).toEqual({ zar: 2_500, points: 0 });
    expect(await walletDb.query(`select count(*)::int as n from transfers where reference = $1`, [`disbursement:${disbursementId}`])).toEqual([{ n: 1 }]);
    expect(await count(`select count(*)::int as n from outbox where type = 'campaign_update' and payload->'data'->>'campaign_id' = any($1::text[]) and payload->'data'->>'status' = 'cancelled'`, [[c2, c3]])).toBe(2);
    // The queue is empty.
    expect(await count('select count(*)::int as n from donations where refund_request is not null and id = $1', [gift.id])).toBe(0);
    expect(await count('select count(*)::int as n from campaigns where cancel_request is not null and id = any($1::uuid[])', [[c2, c3]])).toBe(0);
  });

  it('a refund whose answer comes too late (the reversal landed) is pending, never failed, and is not paid twice', async () => {
    const c = await campaign();
    const gift = await donate(c, 2_000);
    holdBack = (req) => req.method === 'POST' && req.path.startsWith('/internal/v1/transfers/') && req.path.endsWith('/reverse');
    const res = await t.post(`/v1/donations/${gift.id}/refund`, ADMIN, { reason: 'late answer' });
    expect([res.status, res.body.refund_status]).toEqual([202, 'pending']);
    await waitFor(async () => (await donation(gift.id)).status === 'refunded', 'the refund finished by the worker', 90_000, 300);
    expect(await walletOf(gift.user)).toMatchObject({ balance: 3_000 });
    expect(await walletDb.query('select count(*)::int as n from transfers where reverses_transfer_id = $1', [gift.transfer_id])).toEqual([{ n: 1 }]);
    expect(await ledger(c)).toEqual({ zar: 0, points: 0 });
  });
});
