import { uuidv7 } from '@wozamali/contracts';
import { StubServer, waitFor, type StubReply } from '@wozamali/testing';
import { resident, RewardsHarness } from '../support/harness';

// The rewards-service reaches the real wallet process through a pass-through proxy, so a test can
// make the wallet's answer arrive too late (the one outcome a real wallet does not produce on demand).
const h = new RewardsHarness();
let proxy: StubServer;
let holdAnswers = false;

beforeAll(async () => {
  await h.start({ WALLET_TIMEOUT_MS: '3000' }, async (walletUrl) => {
    proxy = (await StubServer.start()).otherwise(async (req): Promise<StubReply> => {
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type', 'idempotency-key', 'x-service-id', 'x-request-id', 'accept']) {
        const v = req.headers[name];
        if (typeof v === 'string') headers[name] = v;
      }
      try {
        const res = await fetch(`${h.wallet.url}${req.url}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : req.text });
        const out: Record<string, string> = { 'content-type': res.headers.get('content-type') ?? 'application/json' };
        const replayed = res.headers.get('idempotent-replayed');
        if (replayed) out['idempotent-replayed'] = replayed;
        const body = await res.text();
        // The wallet has answered (and committed); the answer never reaches the rewards-service.
        if (holdAnswers) return { hang: true };
        return { status: res.status, headers: out, body };
      } catch {
        return { destroy: true };
      }
    });
    void walletUrl;
    return proxy.url;
  });
}, 120_000);
afterAll(async () => {
  await h.stop();
  await proxy?.close();
});

async function finishWhenDue(redemptionId: string): Promise<string> {
  return waitFor(async () => {
    await h.db.query(`update redemptions set next_attempt_at = now() where id = $1 and status = 'pending'`, [redemptionId]);
    await h.jobs.finishPending();
    const [r] = await h.db.query('select status from redemptions where id = $1', [redemptionId]);
    return r.status !== 'pending' ? r.status : null;
  }, `redemption ${redemptionId} to be finished`, 60_000, 300);
}

it('the wallet process stopped → 202 pending; started again → the worker issues it and the points are debited once', async () => {
  const user = uuidv7();
  await h.earn(user, 500);
  const reward = await h.createReward({ points_cost: 200, stock: 10, stock_reason: 'ten' });
  await h.wallet.stop();
  const a = await h.call('POST', `/v1/users/${user}/rewards`, resident(user), { reward_id: reward.id });
  expect([a.status, a.body.status]).toEqual([202, 'pending']);
  // The stock stays taken while the outcome is unknown.
  expect((await h.db.query('select stock_used from rewards where id = $1', [reward.id]))[0].stock_used).toBe(1);
  await h.restartWallet();
  expect(await finishWhenDue(a.body.redemption_id)).toBe('issued');
  expect((await h.walletOf(user)).points).toBe(300);
  expect(await h.redeemTransfers(user)).toHaveLength(1);
  const mine = await h.call('GET', `/v1/users/${user}/rewards?status=issued`, resident(user));
  expect(mine.body.data).toHaveLength(1);
  expect(mine.body.data[0].code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
}, 120_000);

it('a wallet timeout whose debit did land → 202; the worker asks again with the same key and the points are not debited twice', async () => {
  const user = uuidv7();
  await h.earn(user, 500);
  const reward = await h.createReward({ points_cost: 150 });
  holdAnswers = true;
  const a = await h.call('POST', `/v1/users/${user}/rewards`, resident(user), { reward_id: reward.id });
  expect([a.status, a.body.status]).toEqual([202, 'pending']);
  // The debit did land, though the rewards-service never heard the answer.
  await waitFor(async () => (await h.redeemTransfers(user)).length === 1, 'the debit to land');
  holdAnswers = false;
  expect(await finishWhenDue(a.body.redemption_id)).toBe('issued');
  expect((await h.walletOf(user)).points).toBe(350);
  expect(await h.redeemTransfers(user)).toHaveLength(1);
  // The same key again answers the issued reward.
  const [row] = await h.db.query('select transfer_id from redemptions where id = $1', [a.body.redemption_id]);
  expect(row.transfer_id).toBe((await h.redeemTransfers(user))[0]!.id);
}, 120_000);
