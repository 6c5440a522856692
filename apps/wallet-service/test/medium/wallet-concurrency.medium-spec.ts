import { uuidv7 } from '@wozamali/contracts';
import { useWalletApp } from '../support/wallet-app';

const t = useWalletApp();

describe('wallet under concurrency (real PostgreSQL)', () => {
  it('lets exactly the affordable number of 60 concurrent spends succeed; the rest get 422 and the balance ends right', async () => {
    const user = uuidv7();
    await t.w.post(`/v1/users/${user}/points/earn`, { points: 1_000, reason: 'seed' });
    const results = await Promise.all(Array.from({ length: 60 }, () => t.w.post(`/v1/users/${user}/points/spend`, { points: 30, reason: 'race' })));
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 422);
    expect(ok).toHaveLength(33);
    expect(refused).toHaveLength(27);
    expect(refused.every((r) => r.body.code === 'insufficient_points')).toBe(true);
    expect((await t.w.get(`/v1/wallets/${user}`)).body).toMatchObject({ points: 10, lifetime_points: 1_000 });
    const [{ n }] = await t.db.query(`select count(*)::int as n from transfers where user_id = $1 and kind = 'spend'`, [user]);
    expect(n).toBe(33);
  });

  it('applies one transfer when the same idempotency key is sent 40 times at once; every answer is the original', async () => {
    const user = uuidv7();
    const key = uuidv7();
    const results = await Promise.all(Array.from({ length: 40 }, () => t.w.post(`/v1/users/${user}/points/earn`, { points: 25, amount: 100, reason: 'once' }, key)));
    expect(results.every((r) => r.status === 201 || r.status === 200)).toBe(true);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(new Set(results.map((r) => r.body.transfer_id)).size).toBe(1);
    expect((await t.w.get(`/v1/wallets/${user}`)).body).toMatchObject({ points: 25, balance: 100 });
    const [{ n }] = await t.db.query('select count(*)::int as n from transfers where user_id = $1', [user]);
    expect(n).toBe(1);
  });

  it('does not let concurrent holds and spends of money overdraw: available never goes below zero', async () => {
    const user = uuidv7();
    // A campaign of its own: the Green Scholar Fund's raised money is checked against its donations elsewhere.
    const campaign = uuidv7();
    await t.w.post(`/v1/users/${user}/points/earn`, { points: 1, amount: 10_000, reason: 'seed' });
    const ops = Array.from({ length: 30 }, (_, i) => (i % 2 === 0
      ? t.w.post('/internal/v1/holds', { user_id: user, amount: 700, description: 'withdrawal' })
      : t.w.post('/internal/v1/transfers', { kind: 'donate', from: { type: 'user', id: user }, to: { type: 'campaign', id: campaign }, asset: 'ZAR', amount: 700, description: 'donation' })));
    const results = await Promise.all(ops);
    const ok = results.filter((r) => r.status === 201).length;
    expect(ok).toBe(14); // 14 × 700 = 9 800 ≤ 10 000 < 15 × 700
    expect(results.filter((r) => r.status === 422).every((r) => r.body.code === 'insufficient_funds')).toBe(true);
    const wallet = (await t.w.get(`/v1/wallets/${user}`)).body;
    expect(wallet.available).toBe(200);
    expect(wallet.held + (10_000 - wallet.balance)).toBe(9_800);
  });

  it('credits many users at once without serialising on the platform account (all succeed, ledger balanced)', async () => {
    const users = Array.from({ length: 80 }, () => uuidv7());
    const results = await Promise.all(users.map((u) => t.w.post(`/v1/users/${u}/points/earn`, { points: 10, amount: 50, reason: 'bulk' })));
    expect(results.every((r) => r.status === 201)).toBe(true);
    const verify = await t.w.get('/v1/admin/ledger/verify');
    expect(verify.body).toMatchObject({ ok: true, mismatches: [] });
  });

  it('runs concurrent multi-leg donations and redemptions without a deadlock: each is applied whole or refused whole, and the campaign holds what was given', async () => {
    const users = Array.from({ length: 8 }, () => uuidv7());
    const campaign = uuidv7();
    for (const u of users) await t.w.post(`/v1/users/${u}/points/earn`, { points: 100, amount: 1_000, reason: 'seed' });
    const ops = users.flatMap((u) => Array.from({ length: 6 }, (_, i) => (i % 2 === 0
      ? t.w.post('/internal/v1/transfers', { kind: 'donate', description: 'donation', legs: [
        { from: { type: 'user', id: u }, to: { type: 'campaign', id: campaign }, asset: 'ZAR', amount: 300 },
        { from: { type: 'user', id: u }, to: { type: 'campaign', id: campaign }, asset: 'POINTS', amount: 20 },
        { from: { type: 'platform' }, to: { type: 'user', id: u }, asset: 'POINTS', amount: 5 },
      ] })
      : t.w.post('/internal/v1/transfers', { kind: 'redeem', description: 'cashback', legs: [
        { from: { type: 'user', id: u }, to: { type: 'reward_sink' }, asset: 'POINTS', amount: 30 },
        { from: { type: 'platform' }, to: { type: 'user', id: u }, asset: 'ZAR', amount: 100 },
      ] }))));
    const results = await Promise.all(ops);
    expect(results.map((r) => r.status).filter((s) => s !== 201 && s !== 422)).toEqual([]);
    let given = 0;
    let givenPoints = 0;
    for (const u of users) {
      const wallet = (await t.w.get(`/v1/wallets/${u}`)).body;
      const [{ donations, redemptions }] = await t.db.query(
        `select count(*) filter (where kind = 'donate')::int as donations, count(*) filter (where kind = 'redeem')::int as redemptions from transfers where user_id = $1`, [u]);
      expect(wallet).toMatchObject({ balance: 1_000 - 300 * donations + 100 * redemptions, points: 100 - 15 * donations - 30 * redemptions });
      expect(wallet.points).toBeGreaterThanOrEqual(0);
      given += 300 * donations;
      givenPoints += 20 * donations;
    }
    expect(given).toBeGreaterThan(0);
    expect((await t.w.get(`/internal/v1/accounts/campaign/${campaign}/balances`)).body.balances).toEqual([
      { asset: 'ZAR', balance: given, credited: given, debited: 0 },
      { asset: 'POINTS', balance: givenPoints, credited: givenPoints, debited: 0 },
    ]);
  });
});
