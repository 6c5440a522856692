import { defineEvent } from './event-definition';
import { Topics } from './topics';

// Published by the rewards-service (issue 11). No event carries a user reward's redeemable code:
// it is a bearer secret, and events reach every subscribed external service.

/** Reward types of the catalogue. */
export type RewardType = 'discount' | 'cashback' | 'product' | 'service' | 'badge';

/** What every reward event says about the user reward it concerns. */
export interface UserRewardRef {
  /** The resident holding the reward. */
  user_id: string;
  /** The user reward (one issued reward of one resident). */
  user_reward_id: string;
  /** The reward definition in the catalogue. */
  reward_id: string;
  /** The definition's catalogue code, e.g. `CASHBACK_50` (never the user's redeemable code). */
  reward_code: string;
  /** The definition's type. */
  reward_type: RewardType;
  /** Service id of the partner that honours it (the `service_id` of its API keys), when there is one. */
  partner_service_id: string | null;
}

/** A user reward was issued: by a redemption, a badge or an admin. */
export interface RewardIssueData extends UserRewardRef {
  /** The definition's name. */
  reward_name: string;
  /** How it was issued. */
  source: 'redemption' | 'badge' | 'admin';
  /** The redemption that issued it (`source: redemption`), else null. */
  redemption_id: string | null;
  /** The wallet transfer that debited the points (and paid a cashback), else null (free rewards). */
  transfer_id: string | null;
  /** Points debited for it (0 for badges and free rewards). */
  points_cost: number;
  /** Its value in minor units of `currency` (a cashback's money, a voucher's face value; 0 when none). */
  value: number;
  /** Currency of `value` (`ZAR`). */
  currency: string;
  /** When it was issued (ISO 8601). */
  issued_at: string;
  /** When it expires unused (ISO 8601), or null when it never expires (badges). */
  expires_at: string | null;
}

/** A partner used a user reward (once; a rollback within 24 h makes it issued again). */
export interface RewardUsedData extends UserRewardRef {
  /** Service id of the partner that used it. */
  used_by_service_id: string;
  /** When it was used (ISO 8601). */
  used_at: string;
}

/** A reminder: an unused user reward expires soon (7 and 1 days before, by default). */
export interface RewardExpiringData extends UserRewardRef {
  /** When it expires (ISO 8601). */
  expires_at: string;
  /** Whole days left until `expires_at` when the reminder was made (7, 1, …). */
  days_left: number;
}

/** An unused user reward passed its `expires_at` and was marked expired (never refunded). */
export interface RewardExpiredData extends UserRewardRef {
  /** When it was due to expire (ISO 8601). */
  expires_at: string;
  /** When the expiry job marked it expired (ISO 8601). */
  expired_at: string;
}

/** An admin cancelled an unused user reward. */
export interface RewardCancelledData extends UserRewardRef {
  /** How the cancelled reward was issued (a cancelled redemption no longer counts as a reward redeemed). */
  source: 'redemption' | 'badge' | 'admin';
  /** The admin's reason. */
  reason: string;
  /** Who cancelled it (the admin's user id or the service's id). */
  cancelled_by: string;
  /** Points given back (0 unless the reward is `refundable_on_cancel`). */
  refunded_points: number;
  /** The wallet transfer reversing the redemption, when points were given back. */
  refund_transfer_id: string | null;
  /** Whether its unit of stock went back to the catalogue. */
  stock_restored: boolean;
  /** When it was cancelled (ISO 8601). */
  cancelled_at: string;
}

/**
 * A partner's API key failed to validate or use codes more often than allowed in a minute (10 by
 * default, data): further attempts in that minute are refused with 429. Published once per key and
 * minute, for the operators (a partner guessing codes, or a broken integration).
 */
export interface RewardCodeRateLimitedData {
  /** The partner's service id (the `service_id` of its API key). */
  partner_service_id: string;
  /** The API key (its id at the gateway) that was limited. */
  key_id: string;
  /** Failed validations counted in the minute when the limit was hit (the limit plus one). */
  failures: number;
  /** The limit in force: failed validations allowed per key per minute. */
  limit: number;
  /** Start of the minute the count belongs to (ISO 8601). */
  window_start: string;
}

const ref = {
  user_id: 'uuid', user_reward_id: 'uuid', reward_id: 'uuid', reward_code: 'string', reward_type: 'string', partner_service_id: 'string|null',
} as const;

export const RewardEvents = {
  reward_issue: defineEvent<RewardIssueData>()('reward_issue', Topics.rewards, {
    ...ref, reward_name: 'string', source: 'string', redemption_id: 'uuid|null', transfer_id: 'uuid|null', points_cost: 'int',
    value: 'int', currency: 'string', issued_at: 'iso-date', expires_at: 'iso-date|null',
  }),
  reward_used: defineEvent<RewardUsedData>()('reward_used', Topics.rewards, { ...ref, used_by_service_id: 'string', used_at: 'iso-date' }),
  reward_expiring: defineEvent<RewardExpiringData>()('reward_expiring', Topics.rewards, { ...ref, expires_at: 'iso-date', days_left: 'int' }),
  reward_expired: defineEvent<RewardExpiredData>()('reward_expired', Topics.rewards, { ...ref, expires_at: 'iso-date', expired_at: 'iso-date' }),
  reward_cancelled: defineEvent<RewardCancelledData>()('reward_cancelled', Topics.rewards, {
    ...ref, source: 'string', reason: 'string', cancelled_by: 'string', refunded_points: 'int', refund_transfer_id: 'uuid|null', stock_restored: 'boolean',
    cancelled_at: 'iso-date',
  }),
  reward_code_rate_limited: defineEvent<RewardCodeRateLimitedData>()('reward_code_rate_limited', Topics.rewards, {
    partner_service_id: 'string', key_id: 'string', failures: 'int', limit: 'int', window_start: 'iso-date',
  }),
};
