import type { RewardRow } from '../domain/reward';
import type { UserRewardRow } from '../repositories/user-reward.repository';
import type { IssuedReward } from './issue.service';

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

/** The view of a reward just issued by a redemption, from what was written (no read back). */
export function issuedView(reward: RewardRow, userId: string, redemptionId: string, issued: IssuedReward): UserRewardView {
  return {
    id: issued.id, user_id: userId, reward_id: reward.id, reward_code: reward.code, reward_name: reward.name, reward_type: reward.type,
    redemption_id: redemptionId, source: 'redemption', code: issued.code, status: 'issued', issued_at: issued.issuedAt.toISOString(),
    expires_at: issued.expiresAt ? issued.expiresAt.toISOString() : null, used_at: null, expired_at: null, cancelled_at: null, cancel_reason: null,
    points_cost: reward.points_cost, value: Number(reward.value_cents), currency: reward.currency, partner_service_id: reward.partner_service_id,
  };
}
