import { uuidv7 } from '@wozamali/contracts';
import { useWalletApp } from '../support/wallet-app';

const t = useWalletApp();

const user = (id: string) => ({ type: 'user', id });
const campaign = (id: string) => ({ type: 'campaign', id });
const platform = { type: 'platform' };
const rewardSink = { type: 'reward_sink' };

const earn = (id: string, points: number, amount: number) => t.w.post(`/v1/users/${id}/points/earn`, { points, amount, reason: 'setup' });
const transfer = (body: Record<string, unknown>, key?: string) => t.w.post('/internal/v1/transfers', body, key);
const wallet = async (id: string) => (await t.w.get(`/v1/wallets/${id}`)).body;
const outboxFor = (id: string) => t.db.query(`select type, payload from outbox where key = $1 order by seq`, [id]);
const transfersOf = (id: string) => t.db.query(`select id, kind from transfers where user_id = $1 order by id`, [id]);
const balances = async (type: string, id: string) => (await t.w.get(`/internal/v1/accounts/${type}/${id}/balances`)).body;

describe('multi-leg transfers', () => {
  it('a cashback redemption is one transfer: the user\'s points to the reward sink and platform money to the user', async () => {
    const u = uuidv7();
    await earn(u, 300, 0);
    const res = await transfer({ kind: 'redeem', description: 'R10 cashback', reference: 'reward-1', legs: [
      { from: user(u), to: rewardSink, asset: 'POINTS', amount: 200 },
      { from: platform, to: user(u), asset: 'ZAR', amount: 1000 },
    ] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'redeem', user_id: u });
    expect(res.body.postings).toHaveLength(4);
    expect(res.body.postings).toEqual(expect.arrayContaining([
      expect.objectContaining({ owner_type: 'user', owner_id: u, asset: 'POINTS', amount: -200, balance_after: 100 }),
      expect.objectContaining({ owner_type: 'user', owner_id: u, asset: 'ZAR', amount: 1000, balance_after: 1000 }),
      expect.objectContaining({ owner_type: 'reward_sink', owner_id: 'rewards', asset: 'POINTS', amount: 200 }),
      expect.objectContaining({ owner_type: 'platform', owner_id: 'funding', asset: 'ZAR', amount: -1000, balance_after: null }),
    ]));
    expect((await t.db.query('select count(*)::int as n from postings where transfer_id = $1', [res.body.transfer_id]))[0].n).toBe(4);
    expect(await wallet(u)).toMatchObject({ balance: 1000, points: 100, lifetime_points: 300 });
    const events = (await outboxFor(u)).filter((e: { payload: { data: { transfer_id: string } } }) => e.payload.data.transfer_id === res.body.transfer_id);
    expect(events.map((e: { type: string }) => e.type)).toEqual(['wallet_update', 'points_update']);
    expect(events[0].payload.data).toMatchObject({ kind: 'redeem', balance_change: 1000, points_change: -200, new_balance: 1000, new_points: 100 });
    expect(events[1].payload.data).toMatchObject({ points_change: -200, new_points: 100, lifetime_points: 300 });
  });

  it('a donation is one transfer: the user\'s money and points to the campaign, the platform\'s bonus points to the user; events carry the net change', async () => {
    const u = uuidv7();
    const c = uuidv7();
    await earn(u, 100, 5000);
    const key = uuidv7();
    const body = { kind: 'donate', user_id: u, description: 'donation', metadata: { donation_id: 'd-1' }, legs: [
      { from: user(u), to: campaign(c), asset: 'ZAR', amount: 2000 },
      { from: user(u), to: campaign(c), asset: 'POINTS', amount: 80 },
      { from: platform, to: user(u), asset: 'POINTS', amount: 30 },
    ] };
    const res = await transfer(body, key);
    expect(res.status).toBe(201);
    expect(res.body.postings).toHaveLength(6);
    expect(await transfersOf(u)).toHaveLength(2);
    expect(await wallet(u)).toMatchObject({ balance: 3000, points: 50, lifetime_points: 100 });
    const [update] = (await outboxFor(u)).filter((e: { type: string; payload: { data: { transfer_id: string } } }) => e.type === 'wallet_update' && e.payload.data.transfer_id === res.body.transfer_id);
    expect(update.payload.data).toMatchObject({ kind: 'donate', balance_change: -2000, points_change: -50, new_balance: 3000, new_points: 50 });
    expect(await balances('campaign', c)).toEqual({ owner_type: 'campaign', owner_id: c, balances: [
      { asset: 'ZAR', balance: 2000, credited: 2000, debited: 0 },
      { asset: 'POINTS', balance: 80, credited: 80, debited: 0 },
    ] });
    // The same key and body replay the answer and write nothing twice.
    const again = await transfer(body, key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(res.body);
    expect(await transfersOf(u)).toHaveLength(2);
  });

  it('a multi-leg transfer with one unaffordable leg writes nothing: no transfer, no postings, no outbox row, balances unchanged; the refusal names the asset', async () => {
    const u = uuidv7();
    const c = uuidv7();
    await earn(u, 100, 500);
    const before = await wallet(u);
    const outboxBefore = (await outboxFor(u)).length;
    const postingsBefore = (await t.db.query('select count(*)::int as n from postings')).length;
    const reference = `unaffordable-${uuidv7()}`;
    // The money leg is affordable, the points leg is not.
    const res = await transfer({ kind: 'donate', description: 'too much', reference, legs: [
      { from: user(u), to: campaign(c), asset: 'ZAR', amount: 400 },
      { from: user(u), to: campaign(c), asset: 'POINTS', amount: 101 },
      { from: user(u), to: campaign(c), asset: 'ZAR', amount: 50 },
    ] });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code: 'insufficient_points', asset: 'POINTS' });
    const money = await transfer({ kind: 'donate', description: 'too much money', reference, legs: [
      { from: platform, to: user(u), asset: 'POINTS', amount: 5 },
      { from: user(u), to: campaign(c), asset: 'ZAR', amount: 501 },
    ] });
    expect(money.status).toBe(422);
    expect(money.body).toMatchObject({ code: 'insufficient_funds', asset: 'ZAR' });
    expect(await t.db.query('select id from transfers where reference = $1', [reference])).toEqual([]);
    expect(await transfersOf(u)).toHaveLength(1);
    expect((await outboxFor(u)).length).toBe(outboxBefore);
    expect((await t.db.query('select count(*)::int as n from postings')).length).toBe(postingsBefore);
    expect(await t.db.query(`select p.id from postings p join accounts a on a.id = p.account_id where a.owner_type = 'campaign' and a.owner_id = $1`, [c])).toEqual([]);
    expect(await wallet(u)).toEqual(before);
    expect((await balances('campaign', c)).balances).toEqual([
      { asset: 'ZAR', balance: 0, credited: 0, debited: 0 },
      { asset: 'POINTS', balance: 0, credited: 0, debited: 0 },
    ]);
  });

  it('checks an account that a transfer moves both ways on its net change', async () => {
    const u = uuidv7();
    await earn(u, 10, 0);
    // 10 points, 25 given, 20 bonus in the same transfer: 5 left.
    const res = await transfer({ kind: 'donate', description: 'net', legs: [
      { from: user(u), to: campaign(uuidv7()), asset: 'POINTS', amount: 25 },
      { from: platform, to: user(u), asset: 'POINTS', amount: 20 },
    ] });
    expect(res.status).toBe(201);
    expect(await wallet(u)).toMatchObject({ points: 5 });
    const [listed] = (await t.w.get(`/v1/wallets/${u}/transactions?limit=1`)).body.data;
    expect(listed).toMatchObject({ id: res.body.transfer_id, kind: 'donate', points_change: -5, points_after: 5 });
    // Its reversal is checked the same way.
    const rev = await t.w.post(`/internal/v1/transfers/${res.body.transfer_id}/reverse`, { reason: 'undo' });
    expect(rev.status).toBe(201);
    expect(await wallet(u)).toMatchObject({ points: 10 });
  });

  it.each([
    ['both forms', { from: platform, to: { type: 'user', id: uuidv7() }, asset: 'ZAR', amount: 1, legs: [{ from: platform, to: { type: 'user', id: uuidv7() }, asset: 'ZAR', amount: 1 }] }],
    ['legs with one single-leg field', { asset: 'ZAR', legs: [{ from: platform, to: { type: 'user', id: uuidv7() }, asset: 'ZAR', amount: 1 }] }],
    ['neither form', {}],
    ['no legs', { legs: [] }],
    ['eleven legs', { legs: Array.from({ length: 11 }, () => ({ from: platform, to: { type: 'user', id: uuidv7() }, asset: 'ZAR', amount: 1 })) }],
    ['a leg without an amount', { legs: [{ from: platform, to: { type: 'user', id: uuidv7() }, asset: 'ZAR' }] }],
    ['a leg with a float', { legs: [{ from: platform, to: { type: 'user', id: uuidv7() }, asset: 'ZAR', amount: 1.5 }] }],
    ['a leg with a bad account', { legs: [{ from: platform, to: { type: 'bank' }, asset: 'ZAR', amount: 1 }] }],
    ['a leg that is not an object', { legs: [7] }],
    ['legs that are not an array', { legs: { from: platform } }],
    ['a malformed user_id', { user_id: 'nope', legs: [{ from: platform, to: { type: 'user', id: uuidv7() }, asset: 'ZAR', amount: 1 }] }],
  ])('refuses %s with 400 validation_failed', async (_name, extra) => {
    const reference = `bad-${uuidv7()}`;
    const res = await transfer({ kind: 'earn', description: 'bad', reference, ...extra });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(await t.db.query('select id from transfers where reference = $1', [reference])).toEqual([]);
  });

  it('refuses legs that move two users, a user_id the legs do not move, and a leg from an account to itself with 400 invalid_account', async () => {
    const [a, b] = [uuidv7(), uuidv7()];
    await earn(a, 10, 100);
    const two = await transfer({ kind: 'transfer', description: 'x', legs: [{ from: user(a), to: user(b), asset: 'ZAR', amount: 1 }] });
    expect(two.body).toMatchObject({ status: 400, code: 'invalid_account' });
    const other = await transfer({ kind: 'earn', user_id: b, description: 'x', legs: [{ from: platform, to: user(a), asset: 'ZAR', amount: 1 }] });
    expect(other.body).toMatchObject({ status: 400, code: 'invalid_account' });
    const self = await transfer({ kind: 'transfer', description: 'x', legs: [{ from: user(a), to: user(a), asset: 'ZAR', amount: 1 }] });
    expect(self.body).toMatchObject({ status: 400, code: 'invalid_account' });
    expect(await transfersOf(a)).toHaveLength(1);
    expect(await transfersOf(b)).toHaveLength(0);
  });
});

describe('debits of system accounts spread over shards', () => {
  const shardsOf = async (c: string): Promise<{ shard: number; balance: number }[]> => t.db.query(
    `select shard, balance::int as balance from accounts where owner_type = 'campaign' and owner_id = $1 and asset = 'ZAR' and balance <> 0 order by shard`, [c]);

  it('pays a campaign\'s whole balance out in one debit, whatever shards its donations landed on, and refuses one cent more naming the asset', async () => {
    const c = uuidv7();
    const donors = Array.from({ length: 12 }, () => uuidv7());
    const donations: string[] = [];
    for (const d of donors) {
      await earn(d, 1, 1000);
      donations.push((await transfer({ kind: 'donate', from: user(d), to: campaign(c), asset: 'ZAR', amount: 100, description: 'donation' })).body.transfer_id);
    }
    // 12 credits over 64 shards: (almost surely) several shards, none holding everything.
    expect((await shardsOf(c)).length).toBeGreaterThan(1);
    const tooMuch = await transfer({ kind: 'transfer', description: 'disburse', legs: [{ from: campaign(c), to: { type: 'payout_clearing' }, asset: 'ZAR', amount: 1201 }] });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body).toMatchObject({ code: 'insufficient_funds', asset: 'ZAR' });
    expect((await balances('campaign', c)).balances[0]).toEqual({ asset: 'ZAR', balance: 1200, credited: 1200, debited: 0 });
    const all = await transfer({ kind: 'transfer', description: 'disburse', legs: [{ from: campaign(c), to: { type: 'payout_clearing' }, asset: 'ZAR', amount: 1150 }] });
    expect(all.status).toBe(201);
    const debits = all.body.postings.filter((p: { owner_type: string; amount: number }) => p.owner_type === 'campaign');
    expect(debits.length).toBeGreaterThan(1);
    expect(debits.reduce((s: number, p: { amount: number }) => s + p.amount, 0)).toBe(-1150);
    expect((await balances('campaign', c)).balances[0]).toEqual({ asset: 'ZAR', balance: 50, credited: 1200, debited: 1150 });
    // A refund of a donation whose own shard was emptied draws on what is left elsewhere; then the campaign is short.
    const refunds = [];
    for (const id of donations) refunds.push((await t.w.post(`/internal/v1/transfers/${id}/reverse`, { reason: 'refund' })).status);
    expect(refunds.filter((s) => s === 201)).toHaveLength(0); // 50 left, every donation was 100
    const half = await transfer({ kind: 'donate', from: user(donors[0]!), to: campaign(c), asset: 'ZAR', amount: 60, description: 'top-up' });
    expect(half.status).toBe(201);
    const refund = await t.w.post(`/internal/v1/transfers/${donations[5]}/reverse`, { reason: 'refund' });
    expect(refund.status).toBe(201);
    expect((await balances('campaign', c)).balances[0]).toMatchObject({ balance: 10 });
    expect((await wallet(donors[5]!)).balance).toBe(1000);
  });

  it('lets concurrent debits of one campaign take exactly what it holds, no more', async () => {
    const c = uuidv7();
    for (let i = 0; i < 10; i += 1) {
      const d = uuidv7();
      await earn(d, 1, 500);
      await transfer({ kind: 'donate', from: user(d), to: campaign(c), asset: 'ZAR', amount: 300, description: 'donation' });
    }
    const payouts = await Promise.all(Array.from({ length: 8 }, () => transfer({ kind: 'transfer', description: 'disburse', legs: [
      { from: campaign(c), to: { type: 'payout_clearing' }, asset: 'ZAR', amount: 700 },
    ] })));
    expect(payouts.filter((r) => r.status === 201)).toHaveLength(4); // 3,000 / 700
    expect(payouts.filter((r) => r.status === 422)).toHaveLength(4);
    expect((await balances('campaign', c)).balances[0]).toEqual({ asset: 'ZAR', balance: 200, credited: 3000, debited: 2800 });
    expect(await t.db.query(`select id from accounts where owner_type = 'campaign' and owner_id = $1 and balance < 0`, [c])).toEqual([]);
  });
});

describe('system account balances', () => {
  it('sums a campaign over its shards, with what it was credited and debited', async () => {
    const c = uuidv7();
    const donors = [uuidv7(), uuidv7(), uuidv7()];
    for (const [i, d] of donors.entries()) {
      await earn(d, 10, 1000);
      await transfer({ kind: 'donate', from: user(d), to: campaign(c), asset: 'ZAR', amount: 100 * (i + 1), description: 'donation' });
    }
    const shards = await t.db.query(`select count(distinct shard)::int as n from accounts where owner_type = 'campaign' and owner_id = $1`, [c]);
    expect(shards[0].n).toBeGreaterThanOrEqual(1);
    const res = await t.w.get(`/internal/v1/accounts/campaign/${c.toUpperCase()}/balances`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ owner_type: 'campaign', owner_id: c, balances: [
      { asset: 'ZAR', balance: 600, credited: 600, debited: 0 },
      { asset: 'POINTS', balance: 0, credited: 0, debited: 0 },
    ] });
  });

  it('gives the platform account the sum of its postings (it keeps no cached balance) and the reward sink and payout clearing their shard sums', async () => {
    const fromPostings = async (type: string, id: string) => {
      const rows: { asset: string; balance: number; credited: number; debited: number }[] = await t.db.query(
        `select a.asset, coalesce(sum(p.amount), 0)::bigint as balance, coalesce(sum(p.amount) filter (where p.amount > 0), 0)::bigint as credited,
                coalesce(-sum(p.amount) filter (where p.amount < 0), 0)::bigint as debited
           from accounts a left join postings p on p.account_id = a.id where a.owner_type = $1 and a.owner_id = $2 group by a.asset`, [type, id]);
      return ['ZAR', 'POINTS'].map((asset) => ({ asset, balance: 0, credited: 0, debited: 0, ...rows.find((r) => r.asset === asset) }));
    };
    const u = uuidv7();
    await earn(u, 50, 700);
    await t.w.post(`/v1/users/${u}/points/spend`, { points: 20, reason: 'voucher' });
    const hold = await t.w.post('/internal/v1/holds', { user_id: u, amount: 300, description: 'withdrawal' });
    await t.w.post(`/internal/v1/holds/${hold.body.hold_id}/post`, {});
    for (const [type, id] of [['platform', 'funding'], ['reward_sink', 'rewards'], ['payout_clearing', 'payouts']] as const) {
      // Other suites move these shared accounts meanwhile: read both again until no write fell between them.
      let last: unknown[] = [];
      for (let attempt = 0; attempt < 10; attempt += 1) {
        const expected = await fromPostings(type, id);
        const res = await t.w.get(`/internal/v1/accounts/${type}/${id}/balances`);
        expect(res.status).toBe(200);
        last = [res.body.balances, expected];
        if (JSON.stringify(res.body.balances) === JSON.stringify(expected)) break;
      }
      expect(last[0]).toEqual(last[1]);
    }
    const byAsset = async (type: string, id: string, asset: string) => (await balances(type, id)).balances.find((b: { asset: string }) => b.asset === asset);
    expect((await byAsset('platform', 'funding', 'ZAR')).balance).toBeLessThan(0);
    expect((await byAsset('reward_sink', 'rewards', 'POINTS')).credited).toBeGreaterThanOrEqual(20);
    expect((await byAsset('payout_clearing', 'payouts', 'ZAR')).credited).toBeGreaterThanOrEqual(300);
  });

  it('answers zeros for an account that never moved and 400 for a bad owner type or id', async () => {
    expect((await balances('campaign', uuidv7())).balances).toEqual([
      { asset: 'ZAR', balance: 0, credited: 0, debited: 0 },
      { asset: 'POINTS', balance: 0, credited: 0, debited: 0 },
    ]);
    for (const [path, code] of [
      ['bank/x', 'invalid_account'], ['user/' + uuidv7(), 'invalid_account'], ['campaign/not-a-uuid', 'invalid_id'],
      ['reward_sink/other', 'invalid_id'], ['payout_clearing/x', 'invalid_id'], ['platform/%00', 'validation_failed'], // NUL: the platform's unstorable-text rule answers first
    ]) {
      const res = await t.w.get(`/internal/v1/accounts/${path}/balances`);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe(code);
    }
  });
});
