// The withdrawals-service's success answers as JSON Schema, per controller method (`Controller.method`),
// as its views build them (services/views.ts, services/payout.service.ts, repositories/withdrawal.repository.ts
// settings). The gateway merges them with the operations emitted from this service's controllers and
// DTOs (apps/withdrawals-service/openapi.json, rewritten by `npm run build`); the contract test
// validates real answers against them.
import { openapi, type DeclaredResponse } from '@wozamali/contracts';
import { statusOf, type WithdrawalErrorCode } from '../errors/withdrawal.exception';
import { WITHDRAWAL_METHODS } from '../domain/destination';
import { WITHDRAWAL_STATUSES } from '../domain/withdrawal-state';

const { object, nullable, uuid, time, int, str, bool, page, list, arrayOf, oneOfStrings } = openapi;
const maybeUuid = nullable('string', { format: 'uuid' });
const cents = { type: 'integer', description: 'cents' };
const STATUS = oneOfStrings(...WITHDRAWAL_STATUSES);

const WITHDRAWAL_FIELDS = {
  id: uuid, user_id: uuid, amount: cents, currency: str, method: oneOfStrings(...WITHDRAWAL_METHODS), status: STATUS,
  destination: { type: 'object', additionalProperties: { type: 'string' }, description: 'masked; never in clear' },
  hold_id: maybeUuid, approvals: arrayOf(str), failure_code: nullable('string'), requested_by: str, created_at: time, updated_at: time,
};
const WITHDRAWAL = object(WITHDRAWAL_FIELDS);
const HISTORY = object({ from: nullable('string'), to: str, action: str, actor: str, note: nullable('string'), reason: nullable('string'), transfer_id: maybeUuid, at: time });
const WITHDRAWAL_WITH_HISTORY = object({ ...WITHDRAWAL_FIELDS, history: arrayOf(HISTORY) });

const SETTINGS = object({
  min_amount: cents, max_amount: cents, daily_amount: cents, daily_count: int, max_open: int, cooling_off_hours: int, time_zone: str,
  two_approvals_from: { ...cents, description: 'from this amount (cents, inclusive) two different admins approve' }, expire_after_hours: int,
});

const OUTCOMES = ['matched', 'missing_at_provider', 'missing_here', 'amount_mismatch', 'status_mismatch', 'duplicate_at_provider'];
const PAYOUT = { anyOf: [object({ reference: str, amount: cents, status: str }), { type: 'null' }] };
const RECONCILIATION = object({
  id: uuid, day: { type: 'string', format: 'date' }, clean: bool,
  counts: object(Object.fromEntries(OUTCOMES.map((o) => [o, int]))),
  lines: arrayOf(object({ reference: str, outcome: oneOfStrings(...OUTCOMES), ours: PAYOUT, theirs: PAYOUT })),
  created_at: time,
});

/** The service's own problem codes an operation answers with (statuses from its code table); the gateway adds the platform's. */
const p = (...codes: WithdrawalErrorCode[]) => openapi.problems(statusOf, ...codes);

export const RESPONSES: Record<string, DeclaredResponse> = {
  'UserWithdrawalsController.create': { errors: p('withdrawal_not_found', 'invalid_destination', 'invalid_amount', 'open_withdrawal_exists', 'below_minimum', 'above_maximum', 'daily_limit_exceeded', 'insufficient_funds', 'wallet_refused'), operationId: 'userWithdrawalsCreate', summary: 'Request a withdrawal of cents to a destination: 201 held, 202 accepted while the wallet is away', schema: WITHDRAWAL, alsoStatuses: [202] },
  'UserWithdrawalsController.list': { errors: p('withdrawal_not_found'), operationId: 'userWithdrawalsList', summary: "A user's withdrawals, newest first", schema: page(WITHDRAWAL) },
  'UserWithdrawalsController.get': { errors: p('withdrawal_not_found'), operationId: 'userWithdrawalsGet', summary: "One of a user's withdrawals with its history", schema: WITHDRAWAL_WITH_HISTORY },
  'UserWithdrawalsController.cancel': { errors: p('withdrawal_not_found', 'forbidden', 'invalid_transition', 'wallet_refused', 'wallet_unavailable'), operationId: 'userWithdrawalsCancel', summary: 'Cancel an undecided withdrawal (the hold is released)', schema: WITHDRAWAL },
  'AdminWithdrawalsController.list': { errors: {}, operationId: 'withdrawalsList', summary: 'Every withdrawal, newest first (admin)', schema: page(WITHDRAWAL) },
  'AdminWithdrawalsController.get': { errors: p('withdrawal_not_found'), operationId: 'withdrawalsGet', summary: 'One withdrawal with its history (admin)', schema: WITHDRAWAL_WITH_HISTORY },
  'AdminWithdrawalsController.limits': { errors: {}, operationId: 'withdrawalsGetLimits', summary: 'The withdrawal limits in force (admin)', schema: SETTINGS },
  'AdminWithdrawalsController.saveLimits': { errors: p('forbidden', 'invalid_limits'), operationId: 'withdrawalsPutLimits', summary: 'Replace the withdrawal limits (admin)', schema: SETTINGS },
  'AdminWithdrawalsController.approve': { errors: p('forbidden', 'self_approval', 'withdrawal_not_found', 'invalid_transition', 'already_approved_by_you'), summary: 'Approve a withdrawal (two admins from the four-eyes amount)', schema: WITHDRAWAL },
  'AdminWithdrawalsController.reject': { errors: p('forbidden', 'withdrawal_not_found', 'invalid_transition', 'wallet_refused', 'wallet_unavailable'), summary: 'Reject a withdrawal (the hold is released)', schema: WITHDRAWAL },
  'AdminWithdrawalsController.retryPayout': { errors: p('forbidden', 'withdrawal_not_found', 'invalid_transition'), summary: 'Send a failed payout again (admin)', schema: WITHDRAWAL },
  'PayoutCallbackController.callback': { errors: p('invalid_callback', 'invalid_signature', 'withdrawal_not_found', 'invalid_transition', 'wallet_refused', 'wallet_unavailable'), operationId: 'withdrawalsPayoutCallback',
    summary: "The payment provider's signed payout callback (Standard Webhooks signature)",
    schema: object({ received: { type: 'boolean', const: true }, withdrawal_id: uuid, status: str, outcome: oneOfStrings('applied', 'ignored', 'duplicate') }),
  },
  'ReconciliationsController.list': { errors: {}, summary: 'Daily payout reconciliations against the provider, newest first (admin)', schema: list(RECONCILIATION) },
};
