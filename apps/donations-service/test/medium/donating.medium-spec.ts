import { GREEN_SCHOLAR_FUND_CAMPAIGN_ID, uuidv7 } from '@wozamali/contracts';
import { openTestDataSource, waitFor } from '@wozamali/testing';
import type { DataSource } from 'typeorm';
import { ADMIN, useDonations } from '../support/donations-app';

jest.setTimeout(90_000);

describe('donating (real wallet process, real PostgreSQL and Kafka)', () => {
  const t = useDonations();
  let walletDb: DataSource;
  beforeAll(async () => { walletDb = await openTestDataSource('wallet-service', 4); });
  afterAll(async () => { await walletDb?.destroy(); });

  const newCampaign = async (body: Record<string, unknown> = {}) => {
    const res = await t.post('/v1/donations/campaigns', ADMIN, { name: `Campaign ${uuidv7()}`, beneficiary: 'School PBO', status: 'active', ...body });
    expect(res.status).toBe(201);
    return res.body as { id: string };
  };
  const donate = (user: string, body: Record<string, unknown>, key?: string) => t.post(`/v1/users/${user}/donations`, { user }, body, key);
  // What a user's requests wrote (other test files write to the same database at the same time).
  const counts = async (user: string, campaigns: string[]) => (await t.db.query(
    `select (select count(*) from donations where user_id = $1)::int as d, (select count(*) from receipts where donor_user_id = $1)::int as r,
       (select count(*) from outbox where payload->'data'->>'campaign_id' = any($2::text[]))::int as o`, [user, campaigns],
  ))[0];

  it('the Green Scholar Fund exists from the first start: always active, no target', async () => {
    const res = await t.get(`/v1/donations/campaigns/${GREEN_SCHOLAR_FUND_CAMPAIGN_ID}`, { user: uuidv7() });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'Green Scholar Fund', status: 'active', always_active: true, target_amount: null, target_points: null, progress: { source: 'ledger' } });
    expect((await t.call('PATCH', `/v1/donations/campaigns/${GREEN_SCHOLAR_FUND_CAMPAIGN_ID}`, ADMIN, { status: 'completed' })).body.code).toBe('invalid_transition');
  });

  it('a money + points donation is ONE wallet transfer with a ZAR leg, a POINTS leg and the bonus leg; 201 with a receipt number', async () => {
    const user = uuidv7();
    await t.fund(user, 50_000, 500);
    const c = await newCampaign();
    const res = await donate(user, { campaign_id: c.id, amount: 10_000, points: 200, message: 'for the library' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'accepted', amount: 10_000, points: 200, bonus_points: 100, visibility: 'public' });
    expect(res.body.receipt_number).toMatch(/^WM-\d{4}-\d{6}$/);
    const postings = await walletDb.query(
      `select a.owner_type, a.owner_id, p.asset, p.amount::int as amount from postings p join accounts a on a.id = p.account_id where p.transfer_id = $1 order by p.asset, p.amount`, [res.body.transfer_id],
    );
    expect(postings).toEqual(expect.arrayContaining([
      { owner_type: 'user', owner_id: user, asset: 'ZAR', amount: -10_000 },
      { owner_type: 'campaign', owner_id: c.id, asset: 'ZAR', amount: 10_000 },
      { owner_type: 'user', owner_id: user, asset: 'POINTS', amount: -200 },
      { owner_type: 'campaign', owner_id: c.id, asset: 'POINTS', amount: 200 },
      { owner_type: 'user', owner_id: user, asset: 'POINTS', amount: 100 },
      { owner_type: 'platform', owner_id: 'funding', asset: 'POINTS', amount: -100 },
    ]));
    expect(postings).toHaveLength(6);
    const [tr] = await walletDb.query('select kind, user_id from transfers where id = $1', [res.body.transfer_id]);
    expect(tr).toEqual({ kind: 'donate', user_id: user });
    const wallet = await t.walletCall('GET', `/v1/wallets/${user}`);
    expect(wallet.body).toMatchObject({ balance: 40_000, points: 400 });
    const progress = await t.get(`/v1/donations/campaigns/${c.id}`, { user });
    expect(progress.body.progress).toMatchObject({ source: 'ledger', raised_amount: 10_000, raised_points: 200, donors: 1 });
  });

  it('refuses what it cannot take and writes nothing: 400 nothing given, 422 insufficient funds or points (no receipt number used), 409 not active', async () => {
    const user = uuidv7();
    await t.fund(user, 1_000, 10);
    const c = await newCampaign();
    expect((await donate(user, { campaign_id: c.id })).body.code).toBe('nothing_to_donate');
    const poor = await donate(user, { campaign_id: c.id, amount: 1_001 });
    expect(poor.status).toBe(422);
    expect(poor.body.code).toBe('insufficient_funds');
    expect((await donate(user, { campaign_id: c.id, points: 5_000 })).body.code).toBe('insufficient_points');
    const draft = (await t.post('/v1/donations/campaigns', ADMIN, { name: 'Draft', beneficiary: 'B' })).body;
    const notActive = await donate(user, { campaign_id: draft.id, amount: 100 });
    expect(notActive.status).toBe(409);
    expect(notActive.body.code).toBe('campaign_not_active');
    // Nothing but the two campaigns' own campaign_update; no receipt number was used (the 200-donation test finds no gap).
    expect(await counts(user, [c.id, draft.id])).toEqual({ d: 0, r: 0, o: 2 });
    expect((await t.walletCall('GET', `/v1/wallets/${user}`)).body).toMatchObject({ balance: 1_000, points: 10 });
  });

  it('one Idempotency-Key sent 10 times at once → one transfer, one donation, one receipt number', async () => {
    const user = uuidv7();
    await t.fund(user, 10_000, 1);
    const c = await newCampaign();
    const key = uuidv7();
    const answers = await Promise.all(Array.from({ length: 10 }, () => donate(user, { campaign_id: c.id, amount: 2_500 }, key)));
    expect(answers.every((a) => a.status === 201 || a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => a.body.transfer_id)).size).toBe(1);
    expect(new Set(answers.map((a) => a.body.receipt_number)).size).toBe(1);
    expect((await t.db.query('select count(*)::int as n from donations where user_id = $1', [user]))[0].n).toBe(1);
    expect((await walletDb.query(`select count(*)::int as n from transfers where user_id = $1 and kind = 'donate'`, [user]))[0].n).toBe(1);
    expect((await t.walletCall('GET', `/v1/wallets/${user}`)).body.balance).toBe(7_500);
  });

  /** Waits until none of the donations is pending (the wallet answered late: 202, finished by the worker). */
  const settled = async (ids: string[]) => waitFor(async () => {
    const [r] = await t.db.query(`select count(*)::int as n from donations where id = any($1::uuid[]) and status = 'pending'`, [ids]);
    return r.n === 0;
  }, 'pending donations to be finished by the worker', 60_000, 250);

  it('50 residents at once on a target crossed midway: it completes exactly once; raised = accepted = ledger postings; later ones 409', async () => {
    const c = await newCampaign({ target_amount: 100_000 });
    const users = Array.from({ length: 50 }, () => uuidv7());
    for (const u of users) await t.fund(u, 5_000, 1);
    const answers = await Promise.all(users.map((u) => donate(u, { campaign_id: c.id, amount: 3_000 })));
    // 201 accepted, or 202 when the loaded wallet answered late (decided before completion, finished by the worker); else 409.
    expect(answers.map((a) => a.status).filter((s) => s !== 201 && s !== 202 && s !== 409)).toEqual([]);
    expect(answers.filter((a) => a.status === 409).every((a) => a.body.code === 'campaign_completed')).toBe(true);
    await settled(answers.filter((a) => a.status === 202).map((a) => a.body.id));
    const accepted = await t.db.query(`select amount::int as amount, created_at from donations where campaign_id = $1 and status = 'accepted' order by created_at`, [c.id]);
    const sum = accepted.reduce((s: number, d: { amount: number }) => s + d.amount, 0);
    expect(accepted.length).toBeGreaterThanOrEqual(34); // 33 × R30 = R990 < R1000: the 34th crosses and is accepted in full
    expect(accepted.length).toBe(answers.filter((a) => a.status !== 409).length);
    const [campaign] = await t.db.query('select status, completion_reason from campaigns where id = $1', [c.id]);
    expect(campaign).toEqual({ status: 'completed', completion_reason: 'target_reached' });
    const completions = await t.db.query(`select payload from outbox where type = 'campaign_completed' and payload->'data'->>'campaign_id' = $1`, [c.id]);
    expect(completions).toHaveLength(1);
    expect(completions[0].payload.data.raised_amount).toBeGreaterThanOrEqual(102_000);
    const [ledger] = await walletDb.query(
      `select coalesce(sum(p.amount), 0)::int as raised from postings p join accounts a on a.id = p.account_id where a.owner_type = 'campaign' and a.owner_id = $1 and p.asset = 'ZAR'`, [c.id],
    );
    expect(ledger.raised).toBe(sum);
    const progress = (await t.get(`/v1/donations/campaigns/${c.id}`, ADMIN)).body.progress;
    expect(progress).toMatchObject({ raised_amount: sum, amount_percent: 100, donors: accepted.length });
    expect((await donate(users[0]!, { campaign_id: c.id, amount: 100 })).body.code).toBe('campaign_completed');
  });

  it('200 concurrent money donations get receipt numbers without gaps or repeats', async () => {
    const users = Array.from({ length: 200 }, () => uuidv7());
    for (const u of users) await t.fund(u, 1_000, 1);
    const answers = await Promise.all(users.map((u) => donate(u, { campaign_id: GREEN_SCHOLAR_FUND_CAMPAIGN_ID, amount: 500 })));
    expect(answers.map((a) => a.status).filter((s) => s !== 201 && s !== 202)).toEqual([]);
    await settled(answers.map((a) => a.body.id));
    const mine = await t.db.query('select receipt_number from donations where id = any($1::uuid[])', [answers.map((a) => a.body.id)]);
    expect(new Set(mine.map((r: { receipt_number: string }) => r.receipt_number)).size).toBe(200);
    const year = Number(mine[0].receipt_number.slice(3, 7));
    // Every receipt of the year, from every test writing meanwhile: numbered 1..n, none skipped or repeated.
    const rows = await t.db.query('select seq from receipts where tax_year = $1 order by seq', [year]);
    const seqs = rows.map((r: { seq: number }) => r.seq);
    expect(seqs).toEqual(seqs.map((_: number, i: number) => i + 1));
  });
});
