import type { UserRewardRow } from '../repositories/user-reward.repository';

/** A user reward as the API shows it; the code only to the resident and admins (it is a bearer secret). */
export interface UserRewardView {
  id: string;
  user_id: string;
  reward_id: string;
  reward_code: string;
  reward_name: string;
  reward_type: string;
  redemption_id: string | null;
  source: string;
  code: string | null;
  status: string;
  issued_at: string;
  expires_at: string | null;
  used_at: string | null;
  expired_at: string | null;
  cancelled_at: string | null;
  cancel_reason: string | null;
  points_cost: number;
  value: number;
  currency: string;
  partner_service_id: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function userRewardView(r: UserRewardRow, showCode: boolean): UserRewardView {
  return {
    id: r.id, user_id: r.user_id, reward_id: r.reward_id, reward_code: r.reward_code, reward_name: r.reward_name, reward_type: r.reward_type,
    redemption_id: r.redemption_id, source: r.source, code: showCode ? r.code : null, status: r.status, issued_at: r.issued_at.toISOString(),
    expires_at: iso(r.expires_at), used_at: iso(r.used_at), expired_at: iso(r.expired_at), cancelled_at: iso(r.cancelled_at),
    cancel_reason: r.cancel_reason, points_cost: r.source === 'redemption' ? r.points_cost : 0, value: Number(r.value_cents), currency: r.currency,
    partner_service_id: r.partner_service_id,
  };
}
