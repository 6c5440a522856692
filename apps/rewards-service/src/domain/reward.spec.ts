import { expiryOf, ineligibility, type RewardRow } from './reward';

const now = new Date('2026-06-01T10:00:00Z');
const reward = (over: Partial<RewardRow> = {}): RewardRow => ({
  id: 'r', code: 'X', name: 'X', description: '', type: 'product', points_cost: 100, value_cents: 0, currency: 'ZAR', stock_total: null, stock_used: 0,
  per_user_limit: null, limit_period: 'total', min_tier: null, visible_from: null, visible_until: null, available_from: null, available_until: null,
  valid_days: 30, refundable_on_cancel: false, partner_service_id: null, partner_reward_id: null, code_prefix: null, active: true, created_at: now, updated_at: now,
  ...over,
});
const facts = { now, userTierRank: 0, minTierRank: null, usedInPeriod: 0 };

describe('who may redeem a reward', () => {
  it('anyone, when it is active, available, unlimited and untiered', () => {
    expect(ineligibility(reward(), facts)).toBeNull();
  });

  it('nobody when it is inactive, a badge, or outside its availability window', () => {
    expect(ineligibility(reward({ active: false }), facts)).toBe('reward_unavailable');
    expect(ineligibility(reward({ type: 'badge' }), facts)).toBe('reward_unavailable');
    expect(ineligibility(reward({ available_from: new Date('2026-06-02T00:00:00Z') }), facts)).toBe('reward_unavailable');
    expect(ineligibility(reward({ available_until: now }), facts)).toBe('reward_unavailable');
  });

  it('a resident below its minimum tier is refused tier_too_low', () => {
    expect(ineligibility(reward(), { ...facts, minTierRank: 2, userTierRank: 1 })).toBe('tier_too_low');
    expect(ineligibility(reward(), { ...facts, minTierRank: 2, userTierRank: 2 })).toBeNull();
  });

  it('the per-user limit counts what is already used in the period; stock runs out at its total', () => {
    expect(ineligibility(reward({ per_user_limit: 2 }), { ...facts, usedInPeriod: 1 })).toBeNull();
    expect(ineligibility(reward({ per_user_limit: 2 }), { ...facts, usedInPeriod: 2 })).toBe('limit_reached');
    expect(ineligibility(reward({ stock_total: 1, stock_used: 1 }), facts)).toBe('out_of_stock');
    expect(ineligibility(reward({ stock_total: 0 }), facts)).toBe('out_of_stock');
  });

  it('expires valid_days after issue, badges never', () => {
    expect(expiryOf(30, now)!.toISOString()).toBe('2026-07-01T10:00:00.000Z');
    expect(expiryOf(null, now)).toBeNull();
  });
});
