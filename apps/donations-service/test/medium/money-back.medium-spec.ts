import { GREEN_SCHOLAR_FUND_CAMPAIGN_ID, uuidv7 } from '@wozamali/contracts';
import { openTestDataSource } from '@wozamali/testing';
import type { DataSource } from 'typeorm';
import { ADMIN, useDonations } from '../support/donations-app';

jest.setTimeout(90_000);

describe('refunds, cancellations and disbursements (real wallet process)', () => {
  const t = useDonations();
  let walletDb: DataSource;
  beforeAll(async () => { walletDb = await openTestDataSource('wallet-service', 4); });
  afterAll(async () => { await walletDb?.destroy(); });

  const newCampaign = async (body: Record<string, unknown> = {}) => {
    const res = await t.post('/v1/donations/campaigns', ADMIN, { name: `Campaign ${uuidv7()}`, beneficiary: 'Siyakhula PBO', status: 'active', ...body });
    expect(res.status).toBe(201);
    return res.body as { id: string };
  };
  const donate = async (user: string, body: Record<string, unknown>) => {
    const res = await t.post(`/v1/users/${user}/donations`, { user }, body);
    expect(res.status).toBe(201);
    return res.body;
  };
  const progress = async (id: string) => (await t.get(`/v1/donations/campaigns/${id}`, ADMIN)).body.progress;
  const walletOf = async (user: string) => (await t.walletCall('GET', `/v1/wallets/${user}`)).body;
  const ledgerBalance = async (id: string) => (await walletDb.query(
    `select coalesce(sum(p.amount) filter (where p.asset = 'ZAR'), 0)::int as zar, coalesce(sum(p.amount) filter (where p.asset = 'POINTS'), 0)::int as points
     from postings p join accounts a on a.id = p.account_id where a.owner_type = 'campaign' and a.owner_id = $1`, [id]))[0];

  it('a refund reverses the transfer once: money, points and bonus back, the receipt voided, totals drop by exactly that donation', async () => {
    const c = await newCampaign();
    const [a, b] = [uuidv7(), uuidv7()];
    await t.fund(a, 20_000, 300);
    await t.fund(b, 20_000, 300);
    const kept = await donate(a, { campaign_id: c.id, amount: 4_000, points: 50 });
    const gone = await donate(b, { campaign_id: c.id, amount: 6_000, points: 100 });
    expect(await progress(c.id)).toMatchObject({ raised_amount: 10_000, raised_points: 150, donors: 2 });

    const res = await t.post(`/v1/donations/${gone.id}/refund`, ADMIN, { reason: 'donor asked' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'refunded', refund: { bonus_points_reclaimed: 60, bonus_points_shortfall: 0 } });
    expect(await walletOf(b)).toMatchObject({ balance: 20_000, points: 300 });
    expect(await progress(c.id)).toMatchObject({ raised_amount: 4_000, raised_points: 50, donors: 1 });
    expect(await ledgerBalance(c.id)).toEqual({ zar: 4_000, points: 50 });
    const receipt = (await t.get(`/v1/donations/${gone.id}/receipt`, ADMIN)).body;
    expect(receipt).toMatchObject({ number: gone.receipt_number, voided: true });
    const [event] = await t.db.query(`select payload from outbox where type = 'donation_refunded' and payload->'data'->>'donation_id' = $1`, [gone.id]);
    expect(event.payload.data).toMatchObject({ amount: 6_000, points: 100, bonus_points_reclaimed: 60, receipt_number: gone.receipt_number, user_id: b, visibility: 'public' });
    const [orig] = await walletDb.query('select count(*)::int as n from transfers where reverses_transfer_id = $1', [gone.transfer_id]);
    expect(orig.n).toBe(1);

    const again = await t.post(`/v1/donations/${gone.id}/refund`, ADMIN, { reason: 'twice' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('donation_not_refundable');
    expect(await walletOf(b)).toMatchObject({ balance: 20_000, points: 300 });
    expect(kept.status).toBe('accepted');
  });

  it('a refund after the donor spent the bonus gives everything back and claws back what it can, recording the shortfall', async () => {
    const c = await newCampaign();
    const user = uuidv7();
    await t.fund(user, 10_000, 1);
    const d = await donate(user, { campaign_id: c.id, amount: 10_000 }); // bonus 100 points
    await t.spend(user, 71); // 30 of the bonus left
    const res = await t.post(`/v1/donations/${d.id}/refund`, ADMIN, { reason: 'duplicate' });
    expect([res.status, res.body.code]).toEqual([200, undefined]);
    const { bonus_points_reclaimed: reclaimed, bonus_points_shortfall: shortfall } = res.body.refund;
    expect(reclaimed + shortfall).toBe(100);
    expect(reclaimed).toBeGreaterThanOrEqual(20); // at least ~80 % of the 30 the donor still had
    expect(reclaimed).toBeLessThanOrEqual(30);
    const tries = await t.db.query('select kind, clawback::int as clawback, status from refund_attempts where donation_id = $1 order by seq', [d.id]);
    expect(tries[0]).toEqual({ kind: 'reverse', clawback: 100, status: 'refused' });
    expect(tries.filter((a: { status: string }) => a.status === 'applied')).toEqual([{ kind: 'transfer', clawback: reclaimed, status: 'applied' }]);
    expect(tries[tries.length - 1].status).toBe('applied');
    expect(await walletOf(user)).toMatchObject({ balance: 10_000, points: 30 - reclaimed });
    expect(await ledgerBalance(c.id)).toEqual({ zar: 0, points: 0 });
    expect(await progress(c.id)).toMatchObject({ raised_amount: 0, donors: 0 });
  });

  it('a completed campaign stays completed after a refund', async () => {
    const c = await newCampaign({ target_amount: 5_000 });
    const user = uuidv7();
    await t.fund(user, 10_000, 1);
    const d = await donate(user, { campaign_id: c.id, amount: 5_000 });
    expect((await t.get(`/v1/donations/campaigns/${c.id}`, ADMIN)).body.status).toBe('completed');
    expect((await t.post(`/v1/donations/${d.id}/refund`, ADMIN, { reason: 'error' })).status).toBe(200);
    const after = (await t.get(`/v1/donations/campaigns/${c.id}`, ADMIN)).body;
    expect(after).toMatchObject({ status: 'completed', progress: { raised_amount: 0 } });
    expect((await t.post(`/v1/users/${user}/donations`, { user }, { campaign_id: c.id, amount: 100 })).body.code).toBe('campaign_completed');
  });

  it('cancelling a campaign holding money needs a choice; refund-all gives every donation back', async () => {
    const c = await newCampaign();
    const users = [uuidv7(), uuidv7(), uuidv7()];
    for (const u of users) {
      await t.fund(u, 5_000, 10);
      await donate(u, { campaign_id: c.id, amount: 2_000, points: 5 });
    }
    const refused = await t.post(`/v1/donations/campaigns/${c.id}/cancel`, ADMIN, { reason: 'beneficiary closed' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('campaign_has_money');
    const res = await t.post(`/v1/donations/campaigns/${c.id}/cancel`, ADMIN, { reason: 'beneficiary closed', disposition: 'refund' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'cancelled', cancellation: 'refund', moved_amount: 6_000 });
    for (const u of users) expect(await walletOf(u)).toMatchObject({ balance: 5_000, points: 10 });
    expect(await ledgerBalance(c.id)).toEqual({ zar: 0, points: 0 });
    const refundedEvents = await t.db.query(`select count(*)::int as n from outbox where type = 'donation_refunded' and payload->'data'->>'campaign_id' = $1`, [c.id]);
    expect(refundedEvents[0].n).toBe(3);
  });

  it('cancelling with redirect moves the whole balance to another campaign in one ledger transfer', async () => {
    const c = await newCampaign();
    const target = await newCampaign();
    const user = uuidv7();
    await t.fund(user, 9_000, 100);
    await donate(user, { campaign_id: c.id, amount: 7_000, points: 40 });
    expect((await t.post(`/v1/donations/campaigns/${c.id}/cancel`, ADMIN, { reason: 'merge', disposition: 'redirect', redirect_campaign_id: c.id })).body.code).toBe('invalid_redirect');
    const res = await t.post(`/v1/donations/campaigns/${c.id}/cancel`, ADMIN, { reason: 'merge', disposition: 'redirect', redirect_campaign_id: target.id });
    expect([res.status, res.body.code]).toEqual([200, undefined]);
    expect(res.body).toMatchObject({ status: 'cancelled', cancellation: 'redirect', redirect_campaign_id: target.id, moved_amount: 7_000, moved_points: 40 });
    expect(await ledgerBalance(c.id)).toEqual({ zar: 0, points: 0 });
    expect(await ledgerBalance(target.id)).toEqual({ zar: 7_000, points: 40 });
    const [update] = await t.db.query(`select payload from outbox where type = 'campaign_update' and payload->'data'->>'campaign_id' = $1 and payload->'data'->>'status' = 'cancelled'`, [c.id]);
    expect(update.payload.data).toMatchObject({ cancellation: 'redirect', redirect_campaign_id: target.id, previous_status: 'active' });
    expect((await t.post(`/v1/donations/campaigns/${GREEN_SCHOLAR_FUND_CAMPAIGN_ID}/cancel`, ADMIN, { reason: 'no' })).body.code).toBe('invalid_transition');
  });
  // Disbursements (four eyes, the ledger move, the payout through the withdrawals' pipeline): disbursement-payouts.medium-spec.ts.
});
