import { uuidv7 } from '@wozamali/contracts';
import { useWalletApp } from '../support/wallet-app';

const t = useWalletApp();

const earn = (user: string, body: Record<string, unknown>, key?: string | null) => t.w.post(`/v1/users/${user}/points/earn`, { reason: 'test', ...body }, key);
const outboxFor = (user: string) => t.db.query(`select type, payload from outbox where key = $1 order by seq`, [user]);
const countTransfers = async (user: string) => (await t.db.query('select count(*)::int as n from transfers where user_id = $1', [user]))[0].n as number;

describe('wallet API', () => {
  it('gives a user with no activity a zero bronze wallet', async () => {
    const user = uuidv7();
    const res = await t.w.get(`/v1/wallets/${user}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user_id: user, currency: 'ZAR', balance: 0, held: 0, available: 0, points: 0, lifetime_points: 0, tier: 'bronze', next_tier: 'silver', points_to_next_tier: 500 });
  });

  it('credits points and money once per idempotency key; the same key with another body is 409', async () => {
    const user = uuidv7();
    const key = uuidv7();
    const first = await earn(user, { points: 120, amount: 250 }, key);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ points: 120, amount: 250, wallet: { balance: 250, points: 120, lifetime_points: 120, tier: 'bronze' } });
    const again = await t.w.post(`/v1/users/${user}/points/earn`, { amount: 250, reason: 'test', points: 120 }, key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const reused = await earn(user, { points: 121 }, key);
    expect(reused.status).toBe(409);
    expect(reused.headers.get('content-type')).toContain('application/problem+json');
    expect(reused.body.code).toBe('idempotency_key_reused');
    expect(await countTransfers(user)).toBe(1);
    expect((await t.w.get(`/v1/wallets/${user}`)).body).toMatchObject({ balance: 250, points: 120 });
  });

  it('writes wallet_update (the seed fields) and points_update to the outbox with the transfer', async () => {
    const user = uuidv7();
    const res = await earn(user, { points: 40, amount: 10 }, undefined);
    const events = await outboxFor(user);
    expect(events.map((e: { type: string }) => e.type)).toEqual(['wallet_update', 'points_update']);
    expect(events[0].payload).toMatchObject({
      type: 'wallet_update', source: 'wallet-service', subject: user, version: 1,
      data: { user_id: user, wallet_id: res.body.wallet.wallet_id, transfer_id: res.body.transfer_id, balance_change: 10, points_change: 40, new_balance: 10, new_points: 40, currency: 'ZAR', description: 'test' },
    });
  });

  it('refuses a spend beyond the points balance with 422 insufficient_points and writes nothing', async () => {
    const user = uuidv7();
    await earn(user, { points: 100 });
    const res = await t.w.post(`/v1/users/${user}/points/spend`, { points: 101, reason: 'voucher' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'insufficient_points', status: 422 });
    expect(await countTransfers(user)).toBe(1);
    const ok = await t.w.post(`/v1/users/${user}/points/spend`, { points: 100, reason: 'voucher' });
    expect(ok.status).toBe(201);
    expect(ok.body.wallet).toMatchObject({ points: 0, lifetime_points: 100 });
  });

  it.each([
    ['a float', { points: 1.5, reason: 'x' }],
    ['a negative amount', { points: 5, amount: -1, reason: 'x' }],
    ['zero points', { points: 0, reason: 'x' }],
    ['an amount past 2^53', { points: 9007199254740993, reason: 'x' }],
    ['a numeric string', { points: '10', reason: 'x' }],
    ['a missing reason', { points: 10 }],
    ['an unknown field', { points: 10, reason: 'x', bonus: true }],
  ])('rejects %s with 400 problem+json and writes nothing', async (_name, body) => {
    const user = uuidv7();
    const res = await t.w.post(`/v1/users/${user}/points/earn`, body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.code).toBe('validation_failed');
    expect(await countTransfers(user)).toBe(0);
  });

  it('rejects a malformed user id, a missing Idempotency-Key and malformed JSON with 400', async () => {
    expect((await t.w.get('/v1/wallets/not-a-uuid')).body).toMatchObject({ status: 400, code: 'invalid_id' });
    const user = uuidv7();
    expect((await earn(user, { points: 1 }, null)).body).toMatchObject({ status: 400, code: 'idempotency_key_required' });
    expect((await t.w.post(`/v1/users/${user}/points/earn`, '{"points": 1,', uuidv7())).body).toMatchObject({ status: 400, code: 'malformed_request' });
    expect(await countTransfers(user)).toBe(0);
  });

  it('lists transactions newest first with a cursor, and points history with points movements only', async () => {
    const user = uuidv7();
    await earn(user, { points: 10, amount: 100 });
    await earn(user, { points: 20 });
    await t.w.post(`/v1/users/${user}/points/spend`, { points: 5, reason: 'r' });
    await t.w.post('/v1/admin/adjustments', { user_id: user, asset: 'ZAR', amount: 7, reason: 'goodwill' });
    const page1 = await t.w.get(`/v1/wallets/${user}/transactions?limit=3`);
    expect(page1.status).toBe(200);
    expect(page1.body.data.map((t: { kind: string }) => t.kind)).toEqual(['adjust', 'spend', 'earn']);
    expect(page1.body.data[0]).toMatchObject({ money_change: 7, points_change: 0, balance_after: 107 });
    expect(page1.body.data[1]).toMatchObject({ money_change: 0, points_change: -5, points_after: 25 });
    const page2 = await t.w.get(`/v1/wallets/${user}/transactions?limit=3&cursor=${page1.body.next_cursor}`);
    expect(page2.body.data.map((t: { points_change: number }) => t.points_change)).toEqual([10]);
    expect(page2.body.next_cursor).toBeNull();
    const history = await t.w.get(`/v1/users/${user}/points/history`);
    expect(history.body.data.map((t: { points_change: number }) => t.points_change)).toEqual([-5, 20, 10]);
    expect((await t.w.get(`/v1/wallets/${user}/transactions?limit=0`)).status).toBe(400);
  });

  it('climbs tiers by lifetime points, emits tier_update, and spending never lowers the tier', async () => {
    const user = uuidv7();
    const res = await earn(user, { points: 520 });
    expect(res.body.wallet).toMatchObject({ tier: 'silver', next_tier: 'gold', points_to_next_tier: 980 });
    const tierEvents = (await outboxFor(user)).filter((e: { type: string }) => e.type === 'tier_update');
    expect(tierEvents[0].payload.data).toMatchObject({ previous_tier: 'bronze', new_tier: 'silver', lifetime_points: 520 });
    const spent = await t.w.post(`/v1/users/${user}/points/spend`, { points: 500, reason: 'r' });
    expect(spent.body.wallet).toMatchObject({ points: 20, lifetime_points: 520, tier: 'silver' });
  });

  it('holds money: available drops, posting pays it out once, a posted hold cannot be voided', async () => {
    const user = uuidv7();
    await earn(user, { points: 1, amount: 10_000 });
    const hold = await t.w.post('/internal/v1/holds', { user_id: user, amount: 6_000, description: 'withdrawal' });
    expect(hold.status).toBe(201);
    expect(hold.body.wallet).toMatchObject({ balance: 10_000, held: 6_000, available: 4_000 });
    const second = await t.w.post('/internal/v1/holds', { user_id: user, amount: 4_001, description: 'withdrawal' });
    expect(second.body.code).toBe('insufficient_funds');
    const spendAll = await t.w.post('/internal/v1/transfers', { kind: 'donate', from: { type: 'user', id: user }, to: { type: 'campaign', id: uuidv7() }, asset: 'ZAR', amount: 4_001, description: 'donation' });
    expect(spendAll.body.code).toBe('insufficient_funds');
    const posted = await t.w.post(`/internal/v1/holds/${hold.body.hold_id}/post`, {});
    expect(posted.status).toBe(201);
    expect(posted.body.wallet).toMatchObject({ balance: 4_000, held: 0, available: 4_000 });
    const voided = await t.w.post(`/internal/v1/holds/${hold.body.hold_id}/void`, {});
    expect(voided.status).toBe(409);
    expect(voided.body.code).toBe('hold_not_pending');
    const postedAgain = await t.w.post(`/internal/v1/holds/${hold.body.hold_id}/post`, {});
    expect(postedAgain.body.code).toBe('hold_not_pending');
    expect((await t.w.post(`/internal/v1/holds/${uuidv7()}/void`, {})).body.code).toBe('hold_not_found');
  });

  it('voids a hold back into available money', async () => {
    const user = uuidv7();
    await earn(user, { points: 1, amount: 5_000 });
    const hold = await t.w.post('/internal/v1/holds', { user_id: user, amount: 5_000, description: 'withdrawal' });
    const voided = await t.w.post(`/internal/v1/holds/${hold.body.hold_id}/void`, {});
    expect(voided.body.wallet).toMatchObject({ balance: 5_000, held: 0, available: 5_000 });
  });

  it('reverses a transfer once, as a linked reverse transfer, and never twice', async () => {
    const user = uuidv7();
    const credit = await earn(user, { points: 600, amount: 300 });
    expect(credit.body.wallet.tier).toBe('silver');
    const rev = await t.w.post(`/v1/admin/transfers/${credit.body.transfer_id}/reverse`, { reason: 'entered twice' });
    expect(rev.status).toBe(201);
    expect(rev.body).toMatchObject({ reverses_transfer_id: credit.body.transfer_id, points: -600, amount: -300, wallet: { balance: 0, points: 0, lifetime_points: 0, tier: 'bronze' } });
    const twice = await t.w.post(`/v1/admin/transfers/${credit.body.transfer_id}/reverse`, { reason: 'again' });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('transfer_already_reversed');
    expect((await t.w.post(`/v1/admin/transfers/${rev.body.transfer_id}/reverse`, { reason: 'undo' })).body.code).toBe('transfer_not_reversible');
    expect((await t.w.post(`/v1/admin/transfers/${uuidv7()}/reverse`, { reason: 'x' })).status).toBe(404);
  });

  it('refuses to reverse a credit the user already spent (balances never go negative)', async () => {
    const user = uuidv7();
    const credit = await earn(user, { points: 100 });
    await t.w.post(`/v1/users/${user}/points/spend`, { points: 60, reason: 'r' });
    const rev = await t.w.post(`/v1/admin/transfers/${credit.body.transfer_id}/reverse`, { reason: 'mistake' });
    expect(rev.status).toBe(422);
    expect(rev.body.code).toBe('insufficient_points');
  });

  it('adjusts balances as a transfer with a reason, never below zero', async () => {
    const user = uuidv7();
    const plus = await t.w.post('/v1/admin/adjustments', { user_id: user, asset: 'POINTS', amount: 50, reason: 'missed collection' });
    expect(plus.status).toBe(201);
    expect(plus.body.wallet).toMatchObject({ points: 50, lifetime_points: 50 });
    const minus = await t.w.post('/v1/admin/adjustments', { user_id: user, asset: 'POINTS', amount: -51, reason: 'correction' });
    expect(minus.body.code).toBe('insufficient_points');
    const zero = await t.w.post('/v1/admin/adjustments', { user_id: user, asset: 'POINTS', amount: 0, reason: 'nothing' });
    expect(zero.status).toBe(400);
  });

  it('refuses to write to the journal outside the ledger function: postings are immutable', async () => {
    await expect(t.db.query('update postings set amount = amount + 1 where id = (select min(id) from postings)')).rejects.toThrow(/immutable/);
    await expect(t.db.query('delete from transfers where id = (select id from transfers limit 1)')).rejects.toThrow(/immutable/);
  });
});
