import type { RewardType } from '@wozamali/contracts';

export type LimitPeriod = 'total' | 'day' | 'week' | 'month';
export const LIMIT_PERIODS: readonly LimitPeriod[] = ['total', 'day', 'week', 'month'];
export const REWARD_TYPES: readonly RewardType[] = ['discount', 'cashback', 'product', 'service', 'badge'];

/** A catalogue row as stored. */
export interface RewardRow {
  id: string;
  code: string;
  name: string;
  description: string;
  type: RewardType;
  points_cost: number;
  value_cents: string | number;
  currency: string;
  stock_total: number | null;
  stock_used: number;
  per_user_limit: number | null;
  limit_period: LimitPeriod;
  min_tier: string | null;
  visible_from: Date | null;
  visible_until: Date | null;
  available_from: Date | null;
  available_until: Date | null;
  valid_days: number | null;
  refundable_on_cancel: boolean;
  partner_service_id: string | null;
  partner_reward_id: string | null;
  code_prefix: string | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

/** Why a resident may not redeem a reward now (the redemption's refusal codes, in the order they are checked). */
export type Ineligibility = 'reward_unavailable' | 'tier_too_low' | 'limit_reached' | 'out_of_stock';

/** What the decision needs besides the reward: the resident's tier rank, the reward's minimum rank, and redemptions already counted in the period. */
export interface EligibilityFacts {
  now: Date;
  userTierRank: number;
  minTierRank: number | null;
  usedInPeriod: number;
}

/** Whether the reward can be redeemed now: inside its availability window, active, not a badge (badges are issued, never redeemed). */
export function isAvailable(r: Pick<RewardRow, 'active' | 'type' | 'available_from' | 'available_until'>, now: Date): boolean {
  if (!r.active || r.type === 'badge') return false;
  if (r.available_from && r.available_from.getTime() > now.getTime()) return false;
  if (r.available_until && r.available_until.getTime() <= now.getTime()) return false;
  return true;
}

/**
 * The first reason a resident may not redeem `r`, or null. Points are not checked here: only the
 * ledger decides whether they can afford it (the wallet refuses with `insufficient_points`).
 */
export function ineligibility(r: RewardRow, f: EligibilityFacts): Ineligibility | null {
  if (!isAvailable(r, f.now)) return 'reward_unavailable';
  if (f.minTierRank !== null && f.userTierRank < f.minTierRank) return 'tier_too_low';
  if (r.per_user_limit !== null && f.usedInPeriod >= r.per_user_limit) return 'limit_reached';
  if (r.stock_total !== null && r.stock_used >= r.stock_total) return 'out_of_stock';
  return null;
}

/** When a reward issued at `issuedAt` expires: `valid_days` later, or never (badges). */
export function expiryOf(validDays: number | null, issuedAt: Date): Date | null {
  return validDays === null ? null : new Date(issuedAt.getTime() + validDays * 86_400_000);
}
