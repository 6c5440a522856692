import { DomainException } from '@wozamali/platform';
import type { WalletProblemCode } from '@wozamali/contracts';

/** Every problem code the donations-service answers with (besides the shared HTTP layer's). */
export type DonationCode =
  | 'invalid_id'
  | 'nothing_to_donate'
  | 'campaign_not_found'
  | 'campaign_not_active'
  | 'campaign_completed'
  | 'invalid_transition'
  | 'target_below_raised'
  | 'campaign_has_money'
  | 'invalid_redirect'
  | 'insufficient_funds'
  | 'insufficient_points'
  | 'insufficient_campaign_balance'
  | 'donation_not_found'
  | 'donation_not_refundable'
  | 'receipt_not_found'
  | 'disbursement_not_found'
  | 'disbursement_not_pending'
  | 'approver_already_approved'
  | 'payout_not_in_review'
  | 'wallet_refused'
  | 'wallet_unavailable'
  | 'invalid_destination'
  | 'payouts_unavailable';

export function statusOf(code: DonationCode): number {
  switch (code) {
    case 'invalid_id':
    case 'nothing_to_donate':
    case 'invalid_destination':
      return 400;
    case 'campaign_not_found':
    case 'donation_not_found':
    case 'receipt_not_found':
    case 'disbursement_not_found':
      return 404;
    case 'campaign_not_active':
    case 'campaign_completed':
    case 'invalid_transition':
    case 'campaign_has_money':
    case 'donation_not_refundable':
    case 'disbursement_not_pending':
    case 'approver_already_approved':
    case 'payout_not_in_review':
      return 409;
    case 'target_below_raised':
    case 'invalid_redirect':
    case 'insufficient_funds':
    case 'insufficient_points':
    case 'insufficient_campaign_balance':
    case 'wallet_refused':
      return 422;
    case 'wallet_unavailable':
    case 'payouts_unavailable':
      return 503;
  }
}

/** The donations-service's one exception: a code from a closed set, turned into HTTP by the platform's filter. */
export class DonationException extends DomainException<DonationCode> {
  constructor(code: DonationCode, detail?: string, extensions: Record<string, unknown> = {}) {
    super(code, statusOf(code), detail, extensions);
    this.name = 'DonationException';
  }

  /** A final wallet refusal as the donation's problem: shortfalls keep their codes, anything else is `wallet_refused`. */
  static fromWalletRefusal(code: WalletProblemCode, detail?: string): DonationException {
    if (code === 'insufficient_funds' || code === 'insufficient_points') return new DonationException(code, detail);
    return new DonationException('wallet_refused', `the wallet refused: ${code}${detail ? ` (${detail})` : ''}`, { wallet_code: code });
  }
}
