import type { MetricsUpdateData } from '@wozamali/contracts';

/**
 * A complete `metrics_update` data (a programme's figures for a day): the event tests of the
 * messaging itself carry, so the inbox's contract check lets it through.
 */
export function metricsUpdateData(date = '2026-11-25'): MetricsUpdateData {
  return {
    scope: 'programme', user_id: null, date, timezone: 'Africa/Johannesburg', final: false, collections: 1, grams_collected: 5000,
    points_earned: 50, points_spent: 0, money_earned: 250, money_donated: 0, points_donated: 0, money_withdrawn: 0, rewards_redeemed: 0,
    co2_avoided_g: 8500, water_saved_ml: 150_000, currency: 'ZAR', active_users: 1, new_users: 1, fund_intake: 0, data_as_of: new Date().toISOString(),
  };
}
