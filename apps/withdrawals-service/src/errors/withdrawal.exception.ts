import type { WalletProblemCode } from '@wozamali/contracts';
import { DomainException } from '@wozamali/platform';

/** The closed set of problems the withdrawals-service reports. */
export type WithdrawalErrorCode =
  | 'invalid_destination'
  | 'invalid_amount'
  | 'invalid_limits'
  | 'note_required'
  | 'withdrawal_not_found'
  | 'insufficient_funds'
  | 'below_minimum'
  | 'above_maximum'
  | 'daily_limit_exceeded'
  | 'open_withdrawal_exists'
  | 'invalid_transition'
  | 'already_approved_by_you'
  | 'self_approval'
  | 'forbidden'
  | 'wallet_refused'
  | 'wallet_unavailable'
  | 'invalid_signature'
  | 'invalid_callback'
  | 'provider_unavailable'
  | 'disbursement_payout_not_found'
  | 'disbursement_payout_conflict';

export function statusOf(code: WithdrawalErrorCode): number {
  switch (code) {
    case 'invalid_destination':
    case 'invalid_amount':
    case 'invalid_limits':
    case 'note_required':
    case 'invalid_callback':
      return 400;
    case 'invalid_signature':
      return 401;
    case 'self_approval':
    case 'forbidden':
      return 403;
    case 'withdrawal_not_found':
    case 'disbursement_payout_not_found':
      return 404;
    case 'open_withdrawal_exists':
    case 'invalid_transition':
    case 'already_approved_by_you':
    case 'disbursement_payout_conflict':
      return 409;
    case 'insufficient_funds':
    case 'below_minimum':
    case 'above_maximum':
    case 'daily_limit_exceeded':
    case 'wallet_refused':
      return 422;
    case 'wallet_unavailable':
    case 'provider_unavailable':
      return 503;
  }
}

export class WithdrawalException extends DomainException<WithdrawalErrorCode> {
  constructor(code: WithdrawalErrorCode, detail?: string, extensions: Record<string, unknown> = {}) {
    super(code, statusOf(code), detail, extensions);
    this.name = 'WithdrawalException';
  }

  /** A wallet refusal of a hold: `insufficient_funds` as is, anything else as `wallet_refused` with the wallet's code. */
  static fromWalletRefusal(code: WalletProblemCode): WithdrawalException {
    return code === 'insufficient_funds'
      ? new WithdrawalException('insufficient_funds', 'the wallet does not hold enough available money for this withdrawal')
      : new WithdrawalException('wallet_refused', `the wallet refused the hold (${code})`, { wallet_code: code });
  }
}
