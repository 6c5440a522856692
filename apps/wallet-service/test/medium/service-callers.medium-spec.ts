import { uuidv7 } from '@wozamali/contracts';
import { mintServiceToken } from '@wozamali/testing';
import { useWalletApp } from '../support/wallet-app';

const as = async (caller: string, principal: Parameters<typeof mintServiceToken>[2] = null) => ({ authorization: `Bearer ${await mintServiceToken(caller, 'wallet-service', principal)}` });

describe('the wallet authorizes by caller, from the verified service token only', () => {
  const t = useWalletApp();

  const funded = async (amount: number) => {
    const user = uuidv7();
    expect((await t.w.post(`/v1/users/${user}/points/earn`, { points: 1, amount, reason: 'funding' })).status).toBe(201);
    return user;
  };
  const holdsOf = async (user: string) => (await t.db.query('select count(*)::int as n from holds h join accounts a on a.id = h.account_id where a.owner_id = $1', [user]))[0].n as number;
  const transfersOf = async (user: string) => (await t.db.query('select count(*)::int as n from transfers where user_id = $1', [user]))[0].n as number;

  it('a token of the rewards service cannot place a hold, nor post or void one: 403 forbidden_caller, nothing written', async () => {
    const user = await funded(10_000);
    const before = await transfersOf(user);
    const hold = await t.w.post('/internal/v1/holds', { user_id: user, amount: 5_000, description: 'payout' }, uuidv7(), await as('rewards-service'));
    expect([hold.status, hold.body.code]).toEqual([403, 'forbidden_caller']);
    expect(hold.headers.get('content-type')).toContain('application/problem+json');
    const real = await t.w.post('/internal/v1/holds', { user_id: user, amount: 5_000, description: 'payout' }, uuidv7(), await as('withdrawals-service'));
    expect(real.status).toBe(201);
    for (const step of ['post', 'void']) {
      const res = await t.w.post(`/internal/v1/holds/${real.body.hold_id}/${step}`, {}, uuidv7(), await as('rewards-service'));
      expect([step, res.status, res.body.code]).toEqual([step, 403, 'forbidden_caller']);
    }
    expect(await holdsOf(user)).toBe(1);
    expect(await transfersOf(user)).toBe(before + 1);
    const w = await t.w.get(`/v1/wallets/${user}`);
    expect(w.body).toMatchObject({ balance: 10_000, held: 5_000, available: 5_000 });
  });

  it('a token of the donations service cannot call the withdrawal routes (/internal/v1/holds…): 403, nothing written', async () => {
    const user = await funded(10_000);
    const hold = await t.w.post('/internal/v1/holds', { user_id: user, amount: 1_000, description: 'payout' }, uuidv7(), await as('withdrawals-service'));
    expect(hold.status).toBe(201);
    const before = await transfersOf(user);
    const tries = [
      await t.w.post('/internal/v1/holds', { user_id: user, amount: 2_000, description: 'payout' }, uuidv7(), await as('donations-service')),
      await t.w.post(`/internal/v1/holds/${hold.body.hold_id}/post`, {}, uuidv7(), await as('donations-service')),
      await t.w.post(`/internal/v1/holds/${hold.body.hold_id}/void`, {}, uuidv7(), await as('donations-service')),
    ];
    expect(tries.map((r) => [r.status, r.body.code])).toEqual([[403, 'forbidden_caller'], [403, 'forbidden_caller'], [403, 'forbidden_caller']]);
    expect(await holdsOf(user)).toBe(1);
    expect(await transfersOf(user)).toBe(before);
    // What the donations service may do, it can: a donation transfer.
    const donation = await t.w.post('/internal/v1/transfers', { kind: 'donate', from: { type: 'user', id: user }, to: { type: 'campaign', id: uuidv7() }, asset: 'ZAR', amount: 500, description: 'donation' }, uuidv7(), await as('donations-service'));
    expect(donation.status).toBe(201);
  });

  it('the gateway cannot reach the internal routes, and no service but the gateway reaches the public API', async () => {
    const user = await funded(1_000);
    const before = await transfersOf(user);
    const internal = await t.w.post('/internal/v1/holds', { user_id: user, amount: 100, description: 'payout' }, uuidv7(), await as('api-gateway'));
    expect([internal.status, internal.body.code]).toEqual([403, 'forbidden_caller']);
    const earn = await t.w.post(`/v1/users/${user}/points/earn`, { points: 5, amount: 100_000, reason: 'forged' }, uuidv7(), await as('withdrawals-service'));
    expect([earn.status, earn.body.code]).toEqual([403, 'forbidden_caller']);
    expect(await transfersOf(user)).toBe(before);
  });

  it('a principal header added outside the token changes nothing: the acting client is the one in the token', async () => {
    const user = uuidv7();
    const alice = uuidv7();
    const mallory = uuidv7();
    const key = uuidv7();
    const body = { points: 3, amount: 30, reason: 'collection' };
    const first = await t.w.post(`/v1/users/${user}/points/earn`, body, key, await as('api-gateway', { type: 'user', userId: alice, role: 'collector' }));
    expect(first.status).toBe(201);
    // Mallory, with a token of her own, claims to be Alice (and an admin key's service) in plain headers.
    const forged = { ...(await as('api-gateway', { type: 'user', userId: mallory, role: 'collector' })), 'x-principal-id': alice, 'x-principal-type': 'user', 'x-principal-role': 'admin', 'x-service-id': 'admin' };
    const second = await t.w.post(`/v1/users/${user}/points/earn`, body, key, forged);
    // Not Alice's replay: Mallory's own write, in Mallory's idempotency scope.
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(second.body.transfer_id).not.toBe(first.body.transfer_id);
    const rows = await t.db.query('select client_id from transfers where id = any($1::uuid[]) order by client_id', [[first.body.transfer_id, second.body.transfer_id]]);
    expect(rows.map((r: { client_id: string }) => r.client_id).sort()).toEqual([alice, mallory].sort());
    // Without a principal in the token, the header does not lend one either: the client is the calling service.
    const bare = await t.w.post(`/v1/users/${user}/points/earn`, body, uuidv7(), { ...(await as('api-gateway')), 'x-principal-id': alice, 'x-service-id': 'admin' });
    expect(bare.status).toBe(201);
    expect((await t.db.query('select client_id from transfers where id = $1', [bare.body.transfer_id]))[0].client_id).toBe('api-gateway');
  });
  it('each internal caller may move only what its flows need: minting, another service\'s kinds and another\'s reversals are 403 transfer_not_permitted, nothing written', async () => {
    const user = await funded(5_000);
    const campaign = uuidv7();
    const before = await transfersOf(user);
    const mint = { kind: 'earn', from: { type: 'platform' }, to: { type: 'user', id: user }, asset: 'ZAR', amount: 50_000, description: 'free money' };
    for (const caller of ['rewards-service', 'donations-service', 'withdrawals-service']) {
      const res = await t.w.post('/internal/v1/transfers', mint, uuidv7(), await as(caller));
      expect([caller, res.status, res.body.code]).toEqual([caller, 403, 'transfer_not_permitted']);
    }
    // A cashback without the points it costs is minting too; a donation bonus without a donation as well.
    const bareCashback = await t.w.post('/internal/v1/transfers', { kind: 'redeem', description: 'x', legs: [{ from: { type: 'platform' }, to: { type: 'user', id: user }, asset: 'ZAR', amount: 1_000 }] }, uuidv7(), await as('rewards-service'));
    expect([bareCashback.status, bareCashback.body.code]).toEqual([403, 'transfer_not_permitted']);
    const bareBonus = await t.w.post('/internal/v1/transfers', { kind: 'donate', description: 'x', legs: [{ from: { type: 'platform' }, to: { type: 'user', id: user }, asset: 'POINTS', amount: 1_000 }] }, uuidv7(), await as('donations-service'));
    expect([bareBonus.status, bareBonus.body.code]).toEqual([403, 'transfer_not_permitted']);
    // The rewards service cannot donate, the donations service cannot redeem, withdrawals can do neither.
    const donate = { kind: 'donate', from: { type: 'user', id: user }, to: { type: 'campaign', id: campaign }, asset: 'ZAR', amount: 100, description: 'donation' };
    for (const caller of ['rewards-service', 'withdrawals-service']) expect((await t.w.post('/internal/v1/transfers', donate, uuidv7(), await as(caller))).status).toBe(403);
    const redeem = { kind: 'redeem', from: { type: 'user', id: user }, to: { type: 'reward_sink' }, asset: 'POINTS', amount: 1, description: 'reward' };
    expect((await t.w.post('/internal/v1/transfers', redeem, uuidv7(), await as('donations-service'))).status).toBe(403);
    expect(await transfersOf(user)).toBe(before);
    // What it may do it can, and it may reverse its own transfer but not another service's.
    const donation = await t.w.post('/internal/v1/transfers', donate, uuidv7(), await as('donations-service'));
    expect(donation.status).toBe(201);
    const byRewards = await t.w.post(`/internal/v1/transfers/${donation.body.transfer_id}/reverse`, { reason: 'not mine' }, uuidv7(), await as('rewards-service'));
    expect([byRewards.status, byRewards.body.code]).toEqual([403, 'transfer_not_permitted']);
    const byWithdrawals = await t.w.post(`/internal/v1/transfers/${donation.body.transfer_id}/reverse`, { reason: 'not mine' }, uuidv7(), await as('withdrawals-service'));
    expect(byWithdrawals.status).toBe(403);
    const own = await t.w.post(`/internal/v1/transfers/${donation.body.transfer_id}/reverse`, { reason: 'refund' }, uuidv7(), await as('donations-service'));
    expect(own.status).toBe(201);
    expect(await transfersOf(user)).toBe(before + 2);
  });
  it('the day report is one read open to the metrics service only, and checks its date and time zone', async () => {
    const user = await funded(2_500);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Johannesburg' }).format(new Date());
    const get = async (query: string, caller: string) => {
      const res = await fetch(`${t.w.url}/internal/v1/reports/user-days?${query}`, { headers: await as(caller) });
      return { status: res.status, body: (await res.json()) as any };
    };
    const report = await get(`date=${today}&time_zone=Africa/Johannesburg`, 'metrics-service');
    expect(report.status).toBe(200);
    expect(report.body.users.filter((u: { user_id: string }) => u.user_id === user)).toEqual([
      { user_id: user, asset: 'POINTS', earned: 1, spent: 0, donated: 0, withdrawn: 0 },
      { user_id: user, asset: 'ZAR', earned: 2_500, spent: 0, donated: 0, withdrawn: 0 },
    ]);
    for (const caller of ['rewards-service', 'donations-service', 'api-gateway']) expect((await get(`date=${today}`, caller)).status).toBe(403);
    for (const bad of ['date=2026-02-30', 'date=yesterday', `date=${today}&time_zone=Mars/Olympus`, '']) {
      const res = await get(bad, 'metrics-service');
      expect([bad, res.status, res.body.code]).toEqual([bad, 400, 'validation_failed']);
    }
  });
});
