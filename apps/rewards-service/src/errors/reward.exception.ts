import { DomainException } from '@wozamali/platform';

/** The closed set of problems the rewards-service reports. */
export type RewardErrorCode =
  | 'reward_not_found'
  | 'user_reward_not_found'
  | 'use_not_found'
  | 'reward_code_taken'
  | 'unknown_tier'
  | 'limit_below_used'
  | 'out_of_stock'
  | 'limit_reached'
  | 'tier_too_low'
  | 'reward_unavailable'
  | 'insufficient_points'
  | 'redemption_refused'
  | 'code_not_usable'
  | 'already_used'
  | 'code_expired'
  | 'code_cancelled'
  | 'rollback_window_passed'
  | 'use_already_rolled_back'
  | 'reward_not_cancellable'
  | 'partner_only'
  | 'forbidden'
  | 'too_many_failed_validations'
  | 'wallet_unavailable';

export function statusOf(code: RewardErrorCode): number {
  switch (code) {
    case 'reward_not_found':
    case 'user_reward_not_found':
    case 'use_not_found':
      return 404;
    case 'reward_code_taken':
    case 'limit_below_used':
    case 'out_of_stock':
    case 'limit_reached':
    case 'reward_unavailable':
    case 'already_used':
    case 'rollback_window_passed':
    case 'use_already_rolled_back':
    case 'reward_not_cancellable':
      return 409;
    case 'unknown_tier':
    case 'tier_too_low':
    case 'insufficient_points':
    case 'redemption_refused':
    case 'code_not_usable':
    case 'code_expired':
    case 'code_cancelled':
      return 422;
    case 'partner_only':
    case 'forbidden':
      return 403;
    case 'too_many_failed_validations':
      return 429;
    case 'wallet_unavailable':
      return 503;
  }
}

export class RewardException extends DomainException<RewardErrorCode> {
  constructor(code: RewardErrorCode, detail?: string, extensions: Record<string, unknown> = {}) {
    super(code, statusOf(code), detail, extensions);
    this.name = 'RewardException';
  }
}
