import { randomUUID } from 'node:crypto';
import { eventDataProblems, isKnownEventType, uuidv7 } from '@wozamali/contracts';
import { admin, partner, resident, RewardsHarness } from '../support/harness';

// Partners check and use codes of their own rewards only; everything else is one answer.
const h = new RewardsHarness();
beforeAll(() => h.start(), 120_000);
afterAll(() => h.stop());

const PARTNER = 'cafe-partner';

async function issuedCode(fields: Record<string, unknown> = {}): Promise<{ user: string; code: string; userRewardId: string; rewardId: string }> {
  const user = uuidv7();
  await h.earn(user, 1000);
  const reward = await h.createReward({ type: 'discount', value: 5000, partner_service_id: PARTNER, partner_reward_id: 'CAFE-50', ...fields });
  const a = await h.call('POST', `/v1/users/${user}/rewards`, resident(user), { reward_id: reward.id });
  expect(a.status).toBe(201);
  return { user, code: a.body.user_reward.code, userRewardId: a.body.user_reward.id, rewardId: reward.id };
}

describe('partner codes', () => {
  it('validate has no side effect; the code matches in any case, without hyphens, with O for 0 and L/I for 1', async () => {
    const { code, userRewardId } = await issuedCode();
    const key = partner(PARTNER);
    const sloppy = code.toLowerCase().replace(/-/g, '').replace(/0/g, 'o').replace(/1/g, 'l');
    for (const c of [code, sloppy]) {
      const a = await h.call('POST', '/v1/reward-codes/validate', key, { code: c });
      expect([a.status, a.body.usable, a.body.user_reward_id, a.body.partner_reward_id]).toEqual([200, true, userRewardId, 'CAFE-50']);
    }
    expect((await h.db.query('select status from user_rewards where id = $1', [userRewardId]))[0].status).toBe('issued');
  });

  it('anyone but the owning partner gets code_not_usable; a resident or admin gets 403 partner_only', async () => {
    const { code } = await issuedCode();
    const other = await h.call('POST', '/v1/reward-codes/validate', partner('another-partner'), { code });
    expect([other.status, other.body.code]).toEqual([422, 'code_not_usable']);
    const unknown = await h.call('POST', '/v1/reward-codes/validate', partner(PARTNER), { code: '0000-0000-0000' });
    expect([unknown.status, unknown.body.code]).toEqual([422, 'code_not_usable']);
    expect({ ...other.body, correlation_id: null }).toEqual({ ...unknown.body, correlation_id: null });
    expect((await h.call('POST', '/v1/reward-codes/validate', admin, { code })).body.code).toBe('partner_only');
  });

  it('a partner using one code twice at once → one 200, one 409 already_used; one reward_used event', async () => {
    const { code, userRewardId, user } = await issuedCode();
    const key = partner(PARTNER);
    const answers = await Promise.all([0, 1].map(() => h.call('POST', '/v1/reward-codes/use', key, { code })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 409)!.body.code).toBe('already_used');
    expect((await h.db.query('select count(*)::int as n from code_uses where user_reward_id = $1', [userRewardId]))[0].n).toBe(1);
    expect((await h.db.query(`select count(*)::int as n from outbox where type = 'reward_used' and key = $1`, [user]))[0].n).toBe(1);
    const mine = await h.call('GET', `/v1/users/${user}/rewards?status=used`, resident(user));
    expect(mine.body.data.map((r: any) => r.id)).toEqual([userRewardId]);
  });

  it('the same Idempotency-Key on use replays the first answer; a use rolls back once within the window, then the code is usable again', async () => {
    const { code } = await issuedCode();
    const key = partner(PARTNER);
    const idem = randomUUID();
    const first = await h.call('POST', '/v1/reward-codes/use', key, { code }, idem);
    const replay = await h.call('POST', '/v1/reward-codes/use', key, { code }, idem);
    expect([first.status, replay.status, replay.headers.get('idempotent-replayed')]).toEqual([200, 200, 'true']);
    expect(replay.body).toEqual(first.body);
    const other = await h.call('POST', `/v1/reward-codes/uses/${first.body.use_id}/rollback`, partner('another-partner'), { reason: 'not mine' });
    expect([other.status, other.body.code]).toEqual([404, 'use_not_found']);
    const back = await h.call('POST', `/v1/reward-codes/uses/${first.body.use_id}/rollback`, key, { reason: 'till error' });
    expect([back.status, back.body.status]).toEqual([200, 'issued']);
    const twice = await h.call('POST', `/v1/reward-codes/uses/${first.body.use_id}/rollback`, key, { reason: 'till error' });
    expect([twice.status, twice.body.code]).toEqual([409, 'use_already_rolled_back']);
    expect((await h.call('POST', '/v1/reward-codes/use', key, { code })).status).toBe(200);
  });

  it('a rollback after the window (24 h, data) is refused', async () => {
    const { code } = await issuedCode();
    const key = partner(PARTNER);
    const used = await h.call('POST', '/v1/reward-codes/use', key, { code });
    await h.db.query(`update code_uses set used_at = now() - interval '25 hours' where id = $1`, [used.body.use_id]);
    const late = await h.call('POST', `/v1/reward-codes/uses/${used.body.use_id}/rollback`, key, { reason: 'late' });
    expect([late.status, late.body.code]).toEqual([409, 'rollback_window_passed']);
  });

  it('50 random codes → identical answers, then 429, and one reward_code_rate_limited event for the key', async () => {
    const keyId = randomUUID();
    const key = partner(PARTNER, keyId);
    const random = () => Array.from({ length: 12 }, () => '0123456789ABCDEFGHJKMNPQRSTVWXYZ'[Math.floor(Math.random() * 32)]).join('');
    const answers: { status: number; code: string }[] = [];
    for (let i = 0; i < 50; i += 1) {
      const a = await h.call('POST', '/v1/reward-codes/validate', key, { code: random() });
      answers.push({ status: a.status, code: a.body.code });
    }
    // The minute may turn during the run: then the count starts again. Without a turn: 10 then 40.
    const firstLimited = answers.findIndex((a) => a.status === 429);
    expect(firstLimited).toBeGreaterThanOrEqual(10);
    expect(answers.slice(0, firstLimited).every((a) => a.status === 422 && a.code === 'code_not_usable')).toBe(true);
    expect(answers.slice(firstLimited, firstLimited + 5).every((a) => a.status === 429 && a.code === 'too_many_failed_validations')).toBe(true);
    const events = await h.db.query(`select payload from outbox where type = 'reward_code_rate_limited' and payload->'data'->>'key_id' = $1`, [keyId]);
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events[0].payload.data).toMatchObject({ partner_service_id: PARTNER, key_id: keyId, limit: 10, failures: 11 });
    // Another key of the same partner is not limited.
    const { code } = await issuedCode();
    expect((await h.call('POST', '/v1/reward-codes/validate', partner(PARTNER), { code })).status).toBe(200);
  }, 60_000);
});

describe('lifecycle', () => {
  it('admin cancel of a refundable reward reverses its transfer (points back) and returns the stock; a second cancel is refused', async () => {
    const { user, userRewardId, rewardId } = await issuedCode({ refundable_on_cancel: true, stock: 3, stock_reason: 'three' });
    expect((await h.walletOf(user)).points).toBe(900);
    const c = await h.call('POST', `/v1/users/${user}/rewards/${userRewardId}/cancel`, admin, { reason: 'shop closed' });
    // Known wallet limit (lead is fixing it): debiting the reward sink on reversal may be refused when its balance sits on another shard.
    expect([c.status, c.body.status]).toEqual([200, 'cancelled']);
    expect((await h.walletOf(user)).points).toBe(1000);
    expect((await h.call('GET', `/v1/rewards/${rewardId}`, admin)).body.stock_remaining).toBe(3);
    const again = await h.call('POST', `/v1/users/${user}/rewards/${userRewardId}/cancel`, admin, { reason: 'again' });
    expect([again.status, again.body.code]).toEqual([409, 'reward_not_cancellable']);
    const [event] = await h.db.query(`select payload from outbox where type = 'reward_cancelled' and payload->'data'->>'user_reward_id' = $1`, [userRewardId]);
    expect(event.payload.data).toMatchObject({ refunded_points: 100, stock_restored: true, reason: 'shop closed' });
  });

  it('cancel of a non-refundable reward gives no points back; a used one cannot be cancelled', async () => {
    const a = await issuedCode({ refundable_on_cancel: false });
    expect((await h.call('POST', `/v1/users/${a.user}/rewards/${a.userRewardId}/cancel`, admin, { reason: 'no' })).status).toBe(200);
    expect((await h.walletOf(a.user)).points).toBe(900);
    const b = await issuedCode({ refundable_on_cancel: true });
    expect((await h.call('POST', '/v1/reward-codes/use', partner(PARTNER), { code: b.code })).status).toBe(200);
    const c = await h.call('POST', `/v1/users/${b.user}/rewards/${b.userRewardId}/cancel`, admin, { reason: 'used' });
    expect([c.status, c.body.code]).toEqual([409, 'reward_not_cancellable']);
    expect((await h.walletOf(b.user)).points).toBe(900);
  });

  it('the expiry job reminds 7 and 1 days before and expires unused rewards once, however often it runs', async () => {
    const a = await issuedCode();
    const b = await issuedCode();
    const c = await issuedCode();
    await h.db.query(`update user_rewards set expires_at = now() + interval '6 days' where id = $1`, [a.userRewardId]);
    await h.db.query(`update user_rewards set expires_at = now() + interval '12 hours' where id = $1`, [b.userRewardId]);
    await h.db.query(`update user_rewards set expires_at = now() - interval '1 minute' where id = $1`, [c.userRewardId]);
    await h.jobs.expiry.runOnce();
    await h.jobs.expiry.runOnce();
    const events = async (id: string) => (await h.db.query(`select type, payload->'data'->>'days_left' as days from outbox where payload->'data'->>'user_reward_id' = $1 and type in ('reward_expiring', 'reward_expired') order by seq`, [id])) as { type: string; days: string | null }[];
    expect(await events(a.userRewardId)).toEqual([{ type: 'reward_expiring', days: '7' }]);
    expect(await events(b.userRewardId)).toEqual([{ type: 'reward_expiring', days: '1' }]);
    expect(await events(c.userRewardId)).toEqual([{ type: 'reward_expired', days: null }]);
    await h.db.query(`update user_rewards set expires_at = now() + interval '20 hours' where id = $1`, [a.userRewardId]);
    await h.jobs.expiry.runOnce();
    expect((await events(a.userRewardId)).map((e) => e.days)).toEqual(['7', '1']);
    const expired = await h.call('POST', '/v1/reward-codes/validate', partner(PARTNER), { code: c.code });
    expect([expired.status, expired.body.code]).toEqual([422, 'code_expired']);
    const list = await h.call('GET', `/v1/users/${c.user}/rewards?status=expired`, resident(c.user));
    expect(list.body.data).toHaveLength(1);
  });
});

it('every event the rewards-service wrote carries its contract (reward_issue, reward_used, reward_expiring, reward_expired, reward_cancelled, reward_code_rate_limited)', async () => {
  const rows = (await h.db.query('select type, payload from outbox')) as { type: string; payload: { data: unknown } }[];
  const types = new Set(rows.map((r) => r.type));
  for (const t of ['reward_issue', 'reward_used', 'reward_expiring', 'reward_expired', 'reward_cancelled', 'reward_code_rate_limited']) expect(types).toContain(t);
  for (const r of rows) {
    expect(isKnownEventType(r.type)).toBe(true);
    if (isKnownEventType(r.type)) expect([r.type, eventDataProblems(r.type, r.payload.data)]).toEqual([r.type, []]);
  }
});
