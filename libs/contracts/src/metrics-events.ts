import { defineEvent } from './event-definition';
import { Topics } from './topics';

// Published by the metrics-service (issue 13), batched: at most one per user per minute, plus the
// programme's daily rollup. Figures are the day's totals so far (recomputed, never increments), so
// a consumer keeps the latest per (scope, user, date) and a duplicate changes nothing.

/** A user's or the programme's figures for one local day changed. */
export interface MetricsUpdateData {
  /** Whose figures: one resident's (`user`) or the whole programme's (`programme`). */
  scope: 'user' | 'programme';
  /** The resident (`scope: user`), else null. */
  user_id: string | null;
  /** The local day, `YYYY-MM-DD` in `timezone`. */
  date: string;
  /** IANA time zone that days are counted in, e.g. `Africa/Johannesburg`. */
  timezone: string;
  /** True for the rollup of a day that has ended; false while the day is still open. */
  final: boolean;
  /** Collections that day. */
  collections: number;
  /** Weight collected, in grams. */
  grams_collected: number;
  /** Points earned. */
  points_earned: number;
  /** Points spent (redemptions and other debits), as a positive number. */
  points_spent: number;
  /** Money earned, in minor units of `currency`. */
  money_earned: number;
  /** Money donated, in minor units of `currency`. */
  money_donated: number;
  /** Points donated. */
  points_donated: number;
  /** Money withdrawn (payouts completed), in minor units of `currency`. */
  money_withdrawn: number;
  /** Rewards redeemed. */
  rewards_redeemed: number;
  /** CO2 avoided, in grams. */
  co2_avoided_g: number;
  /** Water saved, in millilitres. */
  water_saved_ml: number;
  /** Currency of the money figures (`ZAR`). */
  currency: string;
  /** Programme only: residents with at least one collection that day; null for a user. */
  active_users: number | null;
  /** Programme only: residents whose first collection ever was that day; null for a user. */
  new_users: number | null;
  /** Programme only: the Green Scholar Fund's intake that day, in minor units of `currency`; null for a user. */
  fund_intake: number | null;
  /** The figures include every event consumed up to this time (ISO 8601). */
  data_as_of: string;
}

export const MetricsEvents = {
  metrics_update: defineEvent<MetricsUpdateData>()('metrics_update', Topics.metrics, {
    scope: 'string', user_id: 'uuid|null', date: 'string', timezone: 'string', final: 'boolean', collections: 'int',
    grams_collected: 'int', points_earned: 'int', points_spent: 'int', money_earned: 'int', money_donated: 'int', points_donated: 'int',
    money_withdrawn: 'int', rewards_redeemed: 'int', co2_avoided_g: 'int', water_saved_ml: 'int', currency: 'string',
    active_users: 'int|null', new_users: 'int|null', fund_intake: 'int|null', data_as_of: 'iso-date',
  }),
};
