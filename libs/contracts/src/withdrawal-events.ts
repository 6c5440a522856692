import { defineEvent } from './event-definition';
import { Topics } from './topics';

// Published by the withdrawals-service (issue 10). No withdrawal event carries the destination,
// not even masked: it is personal data, and events reach every subscribed external service.

export type WithdrawalMethod = 'bank_transfer' | 'mobile_money' | 'paypal' | 'crypto';

export type WithdrawalStatus =
  | 'requested' | 'pending' | 'in_review' | 'approved' | 'processing' | 'completed' | 'failed'
  | 'rejected' | 'cancelled' | 'expired' | 'needs_review' | 'returned';

/** A resident requested a withdrawal (the seed's event); its money is held unless still `requested`. */
export interface WithdrawalRequestData {
  /** The withdrawal. */
  withdrawal_id: string;
  /** The resident. */
  user_id: string;
  /** Amount, in minor units of `currency`. */
  amount: number;
  /** Currency of `amount` (`ZAR`). */
  currency: string;
  /** Payout method. */
  method: WithdrawalMethod;
  /** Status on creation: `pending` (held), `in_review` (held, cooling-off) or `requested` (wallet not reached yet). */
  status: WithdrawalStatus;
  /** The wallet hold reserving the money, or null while `requested`. */
  hold_id: string | null;
  /** When it was requested (ISO 8601). */
  requested_at: string;
}

/** A withdrawal moved from one status to another (every transition). */
export interface WithdrawalUpdateData {
  /** The withdrawal. */
  withdrawal_id: string;
  /** The resident. */
  user_id: string;
  /** Status before. */
  from: WithdrawalStatus;
  /** Status after. */
  to: WithdrawalStatus;
  /** Amount, in minor units of `currency`. */
  amount: number;
  /** Currency of `amount` (`ZAR`). */
  currency: string;
  /** Payout method. */
  method: WithdrawalMethod;
  /** Who made the change: an admin's user id, the resident's, or `system` (workers, provider callbacks). */
  actor: string;
  /** A reason code where there is one (a provider's failure code, `expired`, …), else null. Never a free-text note. */
  reason: string | null;
  /** The wallet transfer this step wrote (hold placed, posted, voided, return credited), else null. */
  transfer_id: string | null;
  /**
   * When the change was made (ISO 8601). For `completed` and `returned` it is when the ledger wrote
   * the step's transfer, so the day it falls on is the day the wallet's reports count it on.
   */
  changed_at: string;
}

export const WithdrawalEvents = {
  withdrawal_request: defineEvent<WithdrawalRequestData>()('withdrawal_request', Topics.withdrawals, {
    withdrawal_id: 'uuid', user_id: 'uuid', amount: 'int', currency: 'string', method: 'string', status: 'string', hold_id: 'uuid|null',
    requested_at: 'iso-date',
  }),
  withdrawal_update: defineEvent<WithdrawalUpdateData>()('withdrawal_update', Topics.withdrawals, {
    withdrawal_id: 'uuid', user_id: 'uuid', from: 'string', to: 'string', amount: 'int', currency: 'string', method: 'string',
    actor: 'string', reason: 'string|null', transfer_id: 'uuid|null', changed_at: 'iso-date',
  }),
};
