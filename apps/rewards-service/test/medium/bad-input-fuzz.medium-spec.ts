import { uuidv7 } from '@wozamali/contracts';
import { breakage, broken } from '@wozamali/testing';
import type { TokenPrincipal } from '@wozamali/auth';
import fc from 'fast-check';
import { admin, partner, resident, RewardsHarness } from '../support/harness';

// Random bad input against every write (fast-check), each request a valid body broken one way:
// never a 5xx; a refusal is problem+json with a stable code and leaves the business tables as they
// were (failed code validations are counted per key by design, and refusals are kept as their
// Idempotency-Key's answer: neither is business state).
const RUNS = Number(process.env.FUZZ_RUNS || 60);
const h = new RewardsHarness();
const user = uuidv7();
let rewardId: string;
let userRewardId: string;
let useId: string;

interface Target {
  name: string;
  method: 'POST' | 'PATCH';
  path: () => string;
  principal: TokenPrincipal;
  body: () => Record<string, unknown>;
}

const targets: Target[] = [
  {
    name: 'create a reward', method: 'POST', path: () => '/v1/rewards', principal: admin,
    body: () => ({ code: `F_${uuidv7().replace(/-/g, '').slice(-12).toUpperCase()}`, name: 'fuzz', type: 'product', points_cost: 10, stock: 5, stock_reason: 'fuzz', per_user_limit: 1, limit_period: 'week', min_tier: 'silver', valid_days: 10 }),
  },
  { name: 'change a reward', method: 'PATCH', path: () => `/v1/rewards/${rewardId}`, principal: admin, body: () => ({ name: 'changed', stock: 50, stock_reason: 'fuzz', per_user_limit: 3, available_until: '2030-01-01T00:00:00.000Z' }) },
  { name: 'redeem', method: 'POST', path: () => `/v1/users/${user}/rewards`, principal: resident(user), body: () => ({ reward_id: uuidv7() }) },
  { name: 'validate a code', method: 'POST', path: () => '/v1/reward-codes/validate', principal: partner('fuzz-partner'), body: () => ({ code: 'ABCD-EFGH-JKMN' }) },
  { name: 'use a code', method: 'POST', path: () => '/v1/reward-codes/use', principal: partner('fuzz-partner'), body: () => ({ code: 'ABCD-EFGH-JKMN' }) },
  { name: 'roll back a use', method: 'POST', path: () => `/v1/reward-codes/uses/${useId}/rollback`, principal: partner('other-partner'), body: () => ({ reason: 'fuzz' }) },
  { name: 'issue a reward (admin)', method: 'POST', path: () => `/v1/users/${user}/rewards/issue`, principal: admin, body: () => ({ reward_id: rewardId, reason: 'fuzz' }) },
  { name: 'cancel a user reward', method: 'POST', path: () => `/v1/users/${uuidv7()}/rewards/${userRewardId}/cancel`, principal: admin, body: () => ({ reason: 'fuzz' }) },
];

/** Everything a refused request must leave alone (the rows this file owns: other files share the database). */
async function state(): Promise<unknown> {
  return h.db.query(`with mine as (select id from rewards where code like 'F\\_%' or id = $1) select
    (select coalesce(json_agg(r order by r.id), '[]') from (select id, code, name, stock_total, stock_used, per_user_limit, updated_at from rewards where id in (select id from mine)) r) as rewards,
    (select count(*)::int from reward_stock_movements where reward_id in (select id from mine)) as movements,
    (select coalesce(json_agg(d order by d.id), '[]') from (select id, status from redemptions where user_id = $2) d) as redemptions,
    (select coalesce(json_agg(u order by u.id), '[]') from (select id, status, updated_at from user_rewards where user_id = $2) u) as user_rewards,
    (select coalesce(json_agg(c order by c.id), '[]') from (select id, rolled_back_at from code_uses where user_reward_id = $3) c) as uses,
    (select count(*)::int from outbox where key in ($2::text, 'fuzz-partner', 'other-partner') and type <> 'reward_code_rate_limited') as events`, [rewardId, user, userRewardId]);
}

beforeAll(async () => {
  await h.start();
  rewardId = (await h.createReward({ partner_service_id: 'fuzz-owner', points_cost: 1 })).id;
  await h.earn(user, 100);
  const a = await h.call('POST', `/v1/users/${user}/rewards`, resident(user), { reward_id: rewardId });
  userRewardId = a.body.user_reward.id;
  useId = (await h.call('POST', '/v1/reward-codes/use', partner('fuzz-owner'), { code: a.body.user_reward.code })).body.use_id;
}, 120_000);
afterAll(() => h.stop());

it.each(targets.map((t) => [t.name, t] as const))('%s: never a 5xx; a refusal is problem+json with a code and changes nothing', async (_name, target) => {
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(breakage, async (b) => {
      const body = broken(target.body(), b);
      const before = await state();
      const res = await h.call(target.method, target.path(), target.principal, typeof body === 'string' ? body : JSON.stringify(body) ?? 'null');
      expect(res.status).toBeLessThan(500);
      if (res.status >= 400) {
        refused += 1;
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.body.code).toMatch(/^[a-z][a-z_]*$/);
        expect(await state()).toEqual(before);
      }
    }),
    { numRuns: RUNS },
  );
  expect(refused).toBeGreaterThan(RUNS / 2);
}, 180_000);
