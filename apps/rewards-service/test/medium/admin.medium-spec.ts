import { randomUUID } from 'node:crypto';
import { uuidv7 } from '@wozamali/contracts';
import { admin, partner, RewardsHarness } from '../support/harness';

// Admin routes: a reward given at no cost (only the stock counts), and the settings that are data.
const h = new RewardsHarness();
beforeAll(() => h.start(), 120_000);
afterAll(() => h.stop());

const problemJson = (a: { status: number; headers: Headers }) => expect(a.headers.get('content-type')).toMatch(/^application\/problem\+json/);
const count = async (sql: string, params: unknown[]) => ((await h.db.query(sql, params)) as { n: number }[])[0]!.n;

describe('POST /v1/users/{user_id}/rewards/issue', () => {
  it('gives an inactive, out-of-window, tier-limited reward to a resident without points; takes the stock; emits reward_issue; one key, one reward', async () => {
    const reward = await h.createReward({ points_cost: 5000, stock: 2, stock_reason: 'two units', min_tier: 'platinum', per_user_limit: 1, active: false, available_until: new Date(Date.now() - 86_400_000).toISOString() });
    const user = uuidv7();
    const key = randomUUID();
    const a = await h.call('POST', `/v1/users/${user}/rewards/issue`, admin, { reward_id: reward.id, reason: 'competition prize' }, key);
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ user_id: user, reward_id: reward.id, source: 'admin', status: 'issued', points_cost: 0, redemption_id: null });
    expect(a.body.code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const replay = await h.call('POST', `/v1/users/${user}/rewards/issue`, admin, { reward_id: reward.id, reason: 'competition prize' }, key);
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(a.body.id);
    // A second one for the same resident: no per-user limit for admins; only the stock.
    expect((await h.call('POST', `/v1/users/${user}/rewards/issue`, admin, { reward_id: reward.id, reason: 'second prize' })).status).toBe(201);
    const third = await h.call('POST', `/v1/users/${uuidv7()}/rewards/issue`, admin, { reward_id: reward.id, reason: 'no stock left' });
    expect(third.status).toBe(409);
    expect(third.body.code).toBe('out_of_stock');
    problemJson(third);
    expect((await h.call('GET', `/v1/rewards/${reward.id}`, admin)).body.stock_remaining).toBe(0);
    expect(await count(`select count(*)::int as n from reward_stock_movements where reward_id = $1 and kind = 'issue'`, [reward.id])).toBe(2);
    expect(await count(`select count(*)::int as n from user_rewards where reward_id = $1 and source = 'admin' and issue_reason is not null`, [reward.id])).toBe(2);
    const events = await h.db.query(`select payload from outbox where type = 'reward_issue' and payload->'data'->>'user_reward_id' = $1`, [a.body.id]);
    expect(events).toHaveLength(1);
    expect(events[0].payload.data).toMatchObject({ source: 'admin', points_cost: 0, user_id: user, redemption_id: null, transfer_id: null });
    // No point moved: the ledger has no transfer for the resident.
    expect(await h.redeemTransfers(user)).toHaveLength(0);
    // Cancelled by an admin: its unit comes back (once), no refund to make.
    const cancelled = await h.call('POST', `/v1/users/${user}/rewards/${a.body.id}/cancel`, admin, { reason: 'given by mistake' });
    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'cancelled']);
    expect((await h.call('GET', `/v1/rewards/${reward.id}`, admin)).body.stock_remaining).toBe(1);
    expect((await h.call('POST', `/v1/users/${user}/rewards/${a.body.id}/cancel`, admin, { reason: 'again' })).status).toBe(409);
    expect((await h.call('GET', `/v1/rewards/${reward.id}`, admin)).body.stock_remaining).toBe(1);
  });

  it('bad input → 400/404 problem+json and nothing written', async () => {
    const reward = await h.createReward({ stock: 5, stock_reason: 'five' });
    const user = uuidv7();
    for (const body of [{}, { reward_id: reward.id }, { reward_id: reward.id, reason: '' }, { reward_id: 'nope', reason: 'x' }, { reward_id: reward.id, reason: 'a\u0000b' }, { reward_id: reward.id, reason: 'x'.repeat(501) }, [1]]) {
      const a = await h.call('POST', `/v1/users/${user}/rewards/issue`, admin, body);
      expect(a.status).toBe(400);
      problemJson(a);
    }
    const missing = await h.call('POST', `/v1/users/${user}/rewards/issue`, admin, { reward_id: uuidv7(), reason: 'x' });
    expect(missing.status).toBe(404);
    expect((await h.call('POST', `/v1/users/not-a-uuid/rewards/issue`, admin, { reward_id: reward.id, reason: 'x' })).status).toBe(400);
    expect((await h.call('POST', `/v1/users/${user}/rewards/issue`, admin, { reward_id: reward.id, reason: 'x' }, null)).status).toBe(400);
    expect(await count('select count(*)::int as n from user_rewards where user_id = $1', [user])).toBe(0);
    expect((await h.call('GET', `/v1/rewards/${reward.id}`, admin)).body.stock_remaining).toBe(5);
  });
});

describe('GET/PUT /v1/rewards/settings', () => {
  afterAll(() => h.call('PUT', '/v1/rewards/settings', admin, { code_failures_per_minute: 10, use_rollback_hours: 24, expiry_reminder_days: [7, 1] }));

  // Settings are shared by every test file on this database (two jest workers): only the rollback
  // window changes here, and only downwards (codes.medium-spec's rollbacks are fresh or 25 h old).
  it('reads the defaults, replaces them, and the new rollback window applies at once', async () => {
    expect((await h.call('GET', '/v1/rewards/settings', admin)).body).toEqual({ code_failures_per_minute: 10, use_rollback_hours: 24, expiry_reminder_days: [7, 1] });
    const put = await h.call('PUT', '/v1/rewards/settings', admin, { code_failures_per_minute: 10, use_rollback_hours: 2, expiry_reminder_days: [1, 7] });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ code_failures_per_minute: 10, use_rollback_hours: 2, expiry_reminder_days: [7, 1] });
    expect((await h.call('GET', '/v1/rewards/settings', admin)).body).toEqual(put.body);
    // A code used 3 hours ago: inside the default 24 h, outside the new 2 h.
    const reward = await h.createReward({ type: 'discount', value: 100, partner_service_id: 'settings-partner', partner_reward_id: 'S-1' });
    const given = await h.call('POST', `/v1/users/${uuidv7()}/rewards/issue`, admin, { reward_id: reward.id, reason: 'settings test' });
    const key = partner('settings-partner');
    const used = await h.call('POST', '/v1/reward-codes/use', key, { code: given.body.code });
    expect(used.status).toBe(200);
    await h.db.query(`update code_uses set used_at = now() - interval '3 hours' where id = $1`, [used.body.use_id]);
    const late = await h.call('POST', `/v1/reward-codes/uses/${used.body.use_id}/rollback`, key, { reason: 'late' });
    expect([late.status, late.body.code]).toEqual([409, 'rollback_window_passed']);
    // Back to 24 h: the same rollback goes through.
    expect((await h.call('PUT', '/v1/rewards/settings', admin, { code_failures_per_minute: 10, use_rollback_hours: 24, expiry_reminder_days: [7, 1] })).status).toBe(200);
    expect((await h.call('POST', `/v1/reward-codes/uses/${used.body.use_id}/rollback`, key, { reason: 'in time now' })).status).toBe(200);
  });

  it('bad input → 400 problem+json, settings unchanged', async () => {
    const before = (await h.call('GET', '/v1/rewards/settings', admin)).body;
    for (const body of [
      {}, { code_failures_per_minute: 0, use_rollback_hours: 24, expiry_reminder_days: [] }, { code_failures_per_minute: '10', use_rollback_hours: 24, expiry_reminder_days: [] },
      { code_failures_per_minute: 10, use_rollback_hours: 24.5, expiry_reminder_days: [] }, { code_failures_per_minute: 10, use_rollback_hours: 24, expiry_reminder_days: [7, 7] },
      { code_failures_per_minute: 10, use_rollback_hours: 24, expiry_reminder_days: [0] }, { code_failures_per_minute: 10, use_rollback_hours: 24, expiry_reminder_days: 'x\u0000' },
      { code_failures_per_minute: 10, use_rollback_hours: 24, expiry_reminder_days: Array.from({ length: 11 }, (_, i) => i + 1) }, 'null', [1],
    ]) {
      const a = await h.call('PUT', '/v1/rewards/settings', admin, body);
      expect(a.status).toBe(400);
      problemJson(a);
    }
    expect((await h.call('GET', '/v1/rewards/settings', admin)).body).toEqual(before);
  });
});
