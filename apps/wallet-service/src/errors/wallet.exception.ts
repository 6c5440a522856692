import { DomainException } from '@wozamali/platform';

/** The closed set of problems the wallet-service answers with. */
export type WalletErrorCode =
  | 'insufficient_points'
  | 'insufficient_funds'
  | 'idempotency_key_reused'
  | 'idempotency_key_required'
  | 'invalid_id'
  | 'unknown_material'
  | 'invalid_weight'
  | 'no_rate_card'
  | 'invalid_rate_card'
  | 'invalid_tiers'
  | 'collection_already_recorded'
  | 'transfer_not_found'
  | 'transfer_not_reversible'
  | 'transfer_already_reversed'
  | 'hold_not_found'
  | 'hold_not_pending'
  | 'amount_out_of_range'
  | 'invalid_account'
  | 'ledger_busy';

export function statusOf(code: WalletErrorCode): number {
  switch (code) {
    case 'idempotency_key_required':
    case 'invalid_id':
    case 'invalid_weight':
    case 'invalid_account':
      return 400;
    case 'transfer_not_found':
    case 'hold_not_found':
      return 404;
    case 'idempotency_key_reused':
    case 'collection_already_recorded':
    case 'transfer_already_reversed':
    case 'hold_not_pending':
      return 409;
    case 'insufficient_points':
    case 'insufficient_funds':
    case 'unknown_material':
    case 'no_rate_card':
    case 'invalid_rate_card':
    case 'invalid_tiers':
    case 'transfer_not_reversible':
    case 'amount_out_of_range':
      return 422;
    case 'ledger_busy':
      return 503;
  }
}

export class WalletException extends DomainException<WalletErrorCode> {
  constructor(code: WalletErrorCode, detail?: string, extensions: Record<string, unknown> = {}) {
    super(code, statusOf(code), detail, extensions);
  }

  static isCode(value: string): value is WalletErrorCode {
    try {
      return typeof statusOf(value as WalletErrorCode) === 'number';
    } catch {
      return false;
    }
  }
}
