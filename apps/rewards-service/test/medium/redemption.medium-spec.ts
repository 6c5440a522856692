import { uuidv7 } from '@wozamali/contracts';
import { RewardsHarness, resident, admin } from '../support/harness';
import { RewardRepository } from '../../src/repositories/reward.repository';
import { RedemptionRepository } from '../../src/repositories/redemption.repository';
import { rewardIssueEvent } from '../../src/services/issue.service';
import { OutboxWriter } from '@wozamali/messaging';

// The real wallet-service process (its own database) behind the rewards-service: every redemption
// is one ledger transfer, decided under the reward row's lock.
const h = new RewardsHarness();
beforeAll(() => h.start(), 120_000);
afterAll(() => h.stop());

const count = async (sql: string, params: unknown[]) => ((await h.db.query(`select count(*)::int as n from (${sql}) x`, params)) as { n: number }[])[0]!.n;

describe('catalogue', () => {
  it('the DOMAIN.md catalogue is there from the first start, and a resident sees whether they are eligible', async () => {
    const user = uuidv7();
    const codes: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await h.call('GET', `/v1/rewards?limit=3${cursor ? `&cursor=${cursor}` : ''}`, resident(user));
      expect(page.status).toBe(200);
      for (const r of page.body.data) {
        codes.push(r.code);
        expect(r.eligibility).toBeDefined();
      }
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(codes).toEqual(expect.arrayContaining(['CASHBACK_50', 'VOUCHER_50', 'FREE_COLLECTION', 'ECO_BOTTLE', 'BADGE_SILVER', 'BADGE_GOLD', 'BADGE_PLATINUM']));
    const list = await h.call('GET', '/v1/rewards?type=cashback', resident(user));
    const cashback = list.body.data.find((r: any) => r.code === 'CASHBACK_50');
    expect(cashback).toMatchObject({ type: 'cashback', points_cost: 500, value: 5000, valid_days: 30, eligibility: { eligible: true, reason: null } });
    const badges = await h.call('GET', '/v1/rewards?type=badge', resident(user));
    expect(badges.body.data.every((r: any) => r.eligibility.reason === 'reward_unavailable')).toBe(true);
  });

  it('admin stock changes are recorded movements with a reason, and never below what is taken', async () => {
    const reward = await h.createReward({ stock: 2, stock_reason: 'first batch' });
    const user = uuidv7();
    await h.earn(user, 1000);
    expect((await h.call('POST', `/v1/users/${user}/rewards`, resident(user), { reward_id: reward.id })).status).toBe(201);
    const below = await h.call('PATCH', `/v1/rewards/${reward.id}`, admin, { stock: 0, stock_reason: 'oops' });
    expect([below.status, below.body.code]).toEqual([409, 'limit_below_used']);
    const noReason = await h.call('PATCH', `/v1/rewards/${reward.id}`, admin, { stock: 5 });
    expect([noReason.status, noReason.body.code]).toEqual([400, 'validation_failed']);
    const up = await h.call('PATCH', `/v1/rewards/${reward.id}`, admin, { stock: 5, stock_reason: 'restock' });
    expect(up.body).toMatchObject({ stock: 5, stock_remaining: 4 });
    const moves = await h.call('GET', `/v1/rewards/${reward.id}/stock-movements`, admin);
    expect(moves.body.data.map((m: any) => [m.kind, m.delta, m.reason])).toEqual([['set', 3, 'restock'], ['redemption', -1, 'redeemed'], ['set', 2, 'first batch']]);
  });
});

describe('redemption', () => {
  it('applied → issued with a code and expires_at (201); the points go to the reward sink in one transfer', async () => {
    const user = uuidv7();
    await h.earn(user, 700);
    const reward = await h.createReward({ points_cost: 300, code_prefix: 'eco' });
    const a = await h.call('POST', `/v1/users/${user}/rewards`, resident(user), { reward_id: reward.id });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ status: 'issued', reward_id: reward.id, user_id: user, user_reward: { status: 'issued', code: expect.stringMatching(/^ECO-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/) } });
    const days = (Date.parse(a.body.user_reward.expires_at) - Date.parse(a.body.user_reward.issued_at)) / 86_400_000;
    expect(days).toBe(30);
    expect((await h.walletOf(user)).points).toBe(400);
    const transfers = await h.redeemTransfers(user);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]!.postings.map((p) => `${p.owner_type}:${p.asset}:${p.amount}`).sort()).toEqual(['reward_sink:POINTS:300', 'user:POINTS:-300']);
  });

  it('a cashback is ONE ledger transfer with a points leg and a money leg', async () => {
    const user = uuidv7();
    await h.earn(user, 600);
    const cashback = (await h.call('GET', '/v1/rewards?type=cashback', resident(user))).body.data.find((r: any) => r.code === 'CASHBACK_50');
    const a = await h.call('POST', `/v1/users/${user}/rewards`, resident(user), { reward_id: cashback.id });
    expect(a.status).toBe(201);
    const transfers = await h.redeemTransfers(user);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]!.postings.filter((p) => p.owner_type !== 'platform').map((p) => `${p.owner_type}:${p.asset}:${p.amount}`).sort())
      .toEqual(['reward_sink:POINTS:500', 'user:POINTS:-500', 'user:ZAR:5000']);
    expect(await h.walletOf(user)).toMatchObject({ points: 100, balance: 5000 });
  });

  it('refused by the wallet → 422 insufficient_points, the stock and the limit slot come back exactly once', async () => {
    const user = uuidv7();
    await h.earn(user, 50);
    const reward = await h.createReward({ points_cost: 100, stock: 1, stock_reason: 'one', per_user_limit: 1 });
    const key = uuidv7();
    const a = await h.call('POST', `/v1/users/${user}/rewards`, resident(user), { reward_id: reward.id }, key);
    expect([a.status, a.body.code]).toEqual([422, 'insufficient_points']);
    const again = await h.call('POST', `/v1/users/${user}/rewards`, resident(user), { reward_id: reward.id }, key);
    expect([again.status, again.body.code]).toEqual([422, 'insufficient_points']);
    expect((await h.call('GET', `/v1/rewards/${reward.id}`, admin)).body).toMatchObject({ stock: 1, stock_remaining: 1 });
    await h.earn(user, 100);
    const ok = await h.call('POST', `/v1/users/${user}/rewards`, resident(user), { reward_id: reward.id });
    expect(ok.status).toBe(201);
    expect((await h.walletOf(user)).points).toBe(50);
  });

  it('refusals: reward_unavailable (inactive, badge, outside its window), tier_too_low, limit_reached, unknown reward 404', async () => {
    const user = uuidv7();
    await h.earn(user, 5000);
    const inactive = await h.createReward({ active: false });
    const later = await h.createReward({ available_from: new Date(Date.now() + 86_400_000).toISOString() });
    const gold = await h.createReward({ min_tier: 'gold' });
    const badge = (await h.call('GET', '/v1/rewards?type=badge', admin)).body.data[0];
    for (const r of [inactive, later, badge]) {
      const a = await h.call('POST', `/v1/users/${user}/rewards`, resident(user), { reward_id: r.id });
      expect([a.status, a.body.code]).toEqual([409, 'reward_unavailable']);
    }
    const t = await h.call('POST', `/v1/users/${user}/rewards`, resident(user), { reward_id: gold.id });
    expect([t.status, t.body.code]).toEqual([422, 'tier_too_low']);
    const none = await h.call('POST', `/v1/users/${user}/rewards`, resident(user), { reward_id: uuidv7() });
    expect([none.status, none.body.code]).toEqual([404, 'reward_not_found']);
    expect((await h.walletOf(user)).points).toBe(5000);
    expect(await count('select 1 from redemptions where user_id = $1', [user])).toBe(0);
  });

  it('one unit of stock, 100 residents who can all afford it redeem at once → exactly one issued, 99 out_of_stock, only the winner\'s points move', async () => {
    const reward = await h.createReward({ points_cost: 100, stock: 1, stock_reason: 'one unit' });
    const users = Array.from({ length: 100 }, () => uuidv7());
    for (let i = 0; i < users.length; i += 20) await Promise.all(users.slice(i, i + 20).map((u) => h.earn(u, 150)));
    const decisions = h.app.get(RewardRepository).decisionStats;
    const before = { ...decisions };
    const answers = await Promise.all(users.map((u) => h.call('POST', `/v1/users/${u}/rewards`, resident(u), { reward_id: reward.id })));
    // The decisions were group-committed (fewer statements than decisions), and still one winner.
    expect(decisions.items - before.items).toBe(100);
    expect(decisions.statements - before.statements).toBeLessThan(100);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    const refused = answers.filter((a) => a.status !== 201);
    expect(refused.map((a) => `${a.status} ${a.body.code}`)).toEqual(Array(99).fill('409 out_of_stock'));
    const winner = users[answers.findIndex((a) => a.status === 201)]!;
    const points = await Promise.all(users.map(async (u) => [u, (await h.walletOf(u)).points] as const));
    for (const [u, p] of points) expect(p).toBe(u === winner ? 50 : 150);
    expect(await count(`select 1 from user_rewards where reward_id = $1`, [reward.id])).toBe(1);
    expect((await h.call('GET', `/v1/rewards/${reward.id}`, admin)).body).toMatchObject({ stock: 1, stock_remaining: 0 });
  }, 120_000);

  it('a per-user limit of 2: one resident sends 20 redemptions at once with different keys → 2 issued, 18 limit_reached', async () => {
    const user = uuidv7();
    await h.earn(user, 10_000);
    const reward = await h.createReward({ points_cost: 10, per_user_limit: 2, limit_period: 'day' });
    const answers = await Promise.all(Array.from({ length: 20 }, () => h.call('POST', `/v1/users/${user}/rewards`, resident(user), { reward_id: reward.id })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(2);
    expect(answers.filter((a) => a.status === 409 && a.body.code === 'limit_reached')).toHaveLength(18);
    expect((await h.walletOf(user)).points).toBe(10_000 - 20);
    expect(await h.redeemTransfers(user)).toHaveLength(2);
  }, 60_000);

  it('one key sent 10 times at once → one debit, one reward', async () => {
    const user = uuidv7();
    await h.earn(user, 1000);
    const reward = await h.createReward({ points_cost: 100 });
    const key = uuidv7();
    const answers = await Promise.all(Array.from({ length: 10 }, () => h.call('POST', `/v1/users/${user}/rewards`, resident(user), { reward_id: reward.id }, key)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.user_reward.id)).size).toBe(1);
    expect((await h.walletOf(user)).points).toBe(900);
    expect(await h.redeemTransfers(user)).toHaveLength(1);
    expect(await count('select 1 from user_rewards where user_id = $1', [user])).toBe(1);
    const other = await h.call('POST', `/v1/users/${user}/rewards`, resident(user), { reward_id: uuidv7() }, key);
    expect([other.status, other.body.code]).toEqual([409, 'idempotency_key_reused']);
  }, 60_000);

  it('group commit: one decision that fails in a shared statement fails alone; the others are decided, each once', async () => {
    const repo = h.app.get(RewardRepository);
    // Free (no wallet leg): the outcomes issued by hand below move no points, so the events they publish agree with the ledger.
    const reward = await h.createReward({ points_cost: 0, stock: 3, stock_reason: 'three units' });
    const decide = (rewardId: string, key = uuidv7()) => repo.decideRedemption({
      caller: 'group-commit-test', keyHash: key, requestHash: 'h', okStatus: 201, ok: Buffer.from('ok'),
      refusals: ['reward_unavailable', 'tier_too_low', 'limit_reached', 'out_of_stock'].map((code) => ({ code, status: 409, sealed: Buffer.from(code) })),
      redemptionId: uuidv7(), rewardId, userId: uuidv7(), actor: 'test', graceMs: 60_000,
    });
    const before = { ...repo.decisionStats };
    const settled = await Promise.allSettled([decide(reward.id), decide(reward.id), decide('not-a-uuid'), decide(reward.id), decide(reward.id), decide(reward.id)]);
    expect(repo.decisionStats.fallbacks - before.fallbacks).toBeGreaterThanOrEqual(1);
    expect(settled[2]!.status).toBe('rejected');
    const outcomes = settled.filter((s, i) => i !== 2).map((s) => (s.status === 'fulfilled' ? s.value?.outcome : 'rejected'));
    expect(outcomes.filter((o) => o === 'taken')).toHaveLength(3);
    expect(outcomes.filter((o) => o === 'refused')).toHaveLength(2);
    expect(await count(`select 1 from redemptions where reward_id = $1`, [reward.id])).toBe(3);
    expect(await count(`select 1 from idempotency_keys where caller = 'group-commit-test'`, [])).toBe(5);
    expect((await h.call('GET', `/v1/rewards/${reward.id}`, admin)).body).toMatchObject({ stock: 3, stock_remaining: 0 });

    // The issued outcomes of the three taken: grouped too; a code already taken fails only its own outcome (23505, the caller draws another).
    const taken = settled.flatMap((s) => (s.status === 'fulfilled' && s.value?.outcome === 'taken' ? [s.value] : []));
    const ids = (await h.db.query(`select id from redemptions where reward_id = $1 order by created_at`, [reward.id]) as { id: string }[]).map((r) => r.id);
    expect(taken).toHaveLength(3);
    const issues = h.app.get(RedemptionRepository);
    const issueBefore = { ...issues.issueStats };
    const rewardRow = (await h.app.get(RewardRepository).getById(reward.id))!;
    const users = new Map((await h.db.query(`select id, user_id from redemptions where id = any($1::uuid[])`, [ids]) as { id: string; user_id: string }[]).map((r) => [r.id, r.user_id]));
    const issue = (id: string, code: string) => {
      const issued = { id: uuidv7(), code, issuedAt: new Date(), expiresAt: null };
      // The real event, as the service writes it (its consumers elsewhere in the run read it).
      const [{ topic, envelope }] = h.app.get(OutboxWriter).envelopes([rewardIssueEvent({ reward: rewardRow, userId: users.get(id)!, source: 'redemption', redemptionId: id, transferId: null }, issued)]);
      return issues.issueOnce({
        id, transferId: null, userRewardId: issued.id, code, normalised: code, issuedAt: issued.issuedAt, expiresAt: null,
        outbox: { id: envelope.id, topic: topic!, key: envelope.subject, type: envelope.type, payload: envelope },
      });
    };
    const codeA = `GC${Date.now()}A`, codeB = `GC${Date.now()}B`;
    const results = await Promise.allSettled([issue(ids[0]!, codeA), issue(ids[1]!, codeB), issue(ids[2]!, codeA), issue(ids[1]!, `${codeB}X`)]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as { driverError?: { code?: string } }).driverError?.code ?? String(r.reason)))).toEqual([true, true, '23505', false]);
    expect(issues.issueStats.items - issueBefore.items).toBe(4);
    expect(issues.issueStats.fallbacks - issueBefore.fallbacks).toBe(1);
    expect(await count(`select 1 from user_rewards where redemption_id = any($1::uuid[])`, [ids])).toBe(2);
    expect(await count(`select 1 from redemptions where id = any($1::uuid[]) and status = 'issued'`, [ids])).toBe(2);
    expect(await count(`select 1 from outbox where payload->'data'->>'redemption_id' = any($1::text[])`, [ids])).toBe(2);
  });

  it('a resident may not redeem for someone else', async () => {
    const a = await h.call('POST', `/v1/users/${uuidv7()}/rewards`, resident(uuidv7()), { reward_id: uuidv7() });
    expect([a.status, a.body.code]).toEqual([403, 'forbidden']);
  });

  it('a reward with neither stock nor limit takes no lock and no unit; a stock set later counts from then on', async () => {
    const user = uuidv7();
    await h.earn(user, 1000);
    const reward = await h.createReward({ points_cost: 100 });
    const early = await h.call('POST', `/v1/users/${user}/rewards`, resident(user), { reward_id: reward.id });
    expect(early.status).toBe(201);
    expect((await h.db.query('select stock_used, (select holds_stock from redemptions where id = $2) as holds from rewards where id = $1', [reward.id, early.body.redemption_id]))[0]).toEqual({ stock_used: 0, holds: false });
    expect((await h.call('PATCH', `/v1/rewards/${reward.id}`, admin, { stock: 1, stock_reason: 'now limited' })).body).toMatchObject({ stock: 1, stock_remaining: 1 });
    expect((await h.call('POST', `/v1/users/${user}/rewards`, resident(user), { reward_id: reward.id })).status).toBe(201);
    const none = await h.call('POST', `/v1/users/${user}/rewards`, resident(user), { reward_id: reward.id });
    expect([none.status, none.body.code]).toEqual([409, 'out_of_stock']);
    // Cancelling the reward redeemed before the stock existed gives back no unit it never took.
    const cancelled = await h.call('POST', `/v1/users/${user}/rewards/${early.body.user_reward.id}/cancel`, admin, { reason: 'test' });
    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'cancelled']);
    expect((await h.call('GET', `/v1/rewards/${reward.id}`, admin)).body.stock_remaining).toBe(0);
  });

  it('after all of it the ledger verifier is clean', async () => {
    expect(await h.verifyLedger()).toMatchObject({ ok: true, mismatches: [] });
  });
});
