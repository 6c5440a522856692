import type { WalletDomainProblemCode } from '@wozamali/contracts';
import { DomainException } from '@wozamali/platform';

/** The closed set of problems the wallet-service answers with: the wallet API contract's own codes. */
export type WalletErrorCode = WalletDomainProblemCode;

export function statusOf(code: WalletErrorCode): number {
  switch (code) {
    case 'idempotency_key_required':
    case 'invalid_id':
    case 'invalid_weight':
    case 'invalid_account':
      return 400;
    case 'collector_mismatch':
    case 'transfer_not_permitted':
      return 403;
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
