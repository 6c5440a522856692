// The withdrawal's life as data: statuses, who may move it where, which wallet step each move implies,
// the four-eyes approval rule, and how a payment provider's report maps onto our status. Pure: no I/O,
// no clock (callers pass instants), so every rule is testable on its own.

/** Every status a withdrawal can be in (DOMAIN.md, issue 10). */
export const WITHDRAWAL_STATUSES = [
  'requested',
  'pending',
  'in_review',
  'approved',
  'processing',
  'needs_review',
  'completed',
  'failed',
  'rejected',
  'cancelled',
  'expired',
  'returned',
] as const;
export type WithdrawalStatus = (typeof WITHDRAWAL_STATUSES)[number];

/** Who moves a withdrawal: the service's own workers and timers, the resident, an admin, or the payment provider. */
export type Actor = 'system' | 'resident' | 'admin' | 'provider';

/**
 * What the wallet must do for a transition, each exactly once under its own key:
 * `hold` the amount (pending), `post` the hold (resident → payout clearing, on completed), `void` it
 * (failed, rejected, cancelled, expired), `credit_back` a returned payout by a linked transfer.
 */
export type WalletStep = 'none' | 'hold' | 'post' | 'void' | 'credit_back';

export interface TransitionRule {
  readonly from: WithdrawalStatus;
  readonly to: WithdrawalStatus;
  readonly actors: readonly Actor[];
  readonly wallet: WalletStep;
}

function rule(from: WithdrawalStatus, to: WithdrawalStatus, actors: readonly Actor[], wallet: WalletStep = 'none'): TransitionRule {
  return { from, to, actors, wallet };
}

/** The only allowed transitions. Anything else is `invalid_transition`. */
export const TRANSITIONS: readonly TransitionRule[] = [
  // The wallet placed the hold, or refused it (nothing was held, so nothing to void).
  rule('requested', 'pending', ['system'], 'hold'),
  rule('requested', 'failed', ['system']),
  // Cooling-off after a new or changed destination: a person looks before it queues.
  rule('pending', 'in_review', ['system', 'admin']),
  rule('in_review', 'pending', ['admin']),
  rule('pending', 'approved', ['admin']),
  rule('pending', 'rejected', ['admin'], 'void'),
  rule('in_review', 'rejected', ['admin'], 'void'),
  rule('pending', 'cancelled', ['resident', 'admin'], 'void'),
  rule('in_review', 'cancelled', ['resident', 'admin'], 'void'),
  rule('pending', 'expired', ['system'], 'void'),
  rule('in_review', 'expired', ['system'], 'void'),
  // Marked processing before the provider is called, so a crash after sending is doubt, never a resend under a new key.
  rule('approved', 'processing', ['system']),
  rule('processing', 'completed', ['provider'], 'post'),
  rule('processing', 'failed', ['provider'], 'void'),
  // 24 h of doubt: a person takes over. The hold stays.
  rule('processing', 'needs_review', ['system']),
  // From needs_review a person sends it back to the worker (ask again, resend with the same key), or records
  // what the provider confirmed; a late provider report is applied as well.
  rule('needs_review', 'processing', ['admin']),
  rule('needs_review', 'completed', ['provider', 'admin'], 'post'),
  rule('needs_review', 'failed', ['provider', 'admin'], 'void'),
  // A return is accepted however late.
  rule('completed', 'returned', ['provider', 'admin'], 'credit_back'),
];

const BY_KEY = new Map(TRANSITIONS.map((t) => [`${t.from}>${t.to}`, t]));

/** The rule for `from → to`, or undefined when that move is not allowed at all. */
export function findTransition(from: WithdrawalStatus, to: WithdrawalStatus): TransitionRule | undefined {
  return BY_KEY.get(`${from}>${to}`);
}

/** Statuses in which a resident has money on the way out: at most one such request per user (limits). */
export const OPEN_STATUSES: readonly WithdrawalStatus[] = ['requested', 'pending', 'in_review', 'approved', 'processing', 'needs_review'];

/** Statuses nothing moves out of, except `completed → returned`. */
export const FINAL_STATUSES: readonly WithdrawalStatus[] = ['completed', 'failed', 'rejected', 'cancelled', 'expired', 'returned'];

/** Statuses in which the payout may have been sent to the provider (never void these on a timeout). */
export const SENT_STATUSES: readonly WithdrawalStatus[] = ['processing', 'needs_review'];

export function isOpen(status: WithdrawalStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

/** Why a transition was refused: not a move of the graph, or not this actor's to make. */
export type TransitionRefusal = 'invalid_transition' | 'forbidden';

export type TransitionResult = { ok: true; rule: TransitionRule } | { ok: false; code: TransitionRefusal };

/** Guards one move: allowed from the current status, and by this actor. */
export function checkTransition(from: WithdrawalStatus, to: WithdrawalStatus, actor: Actor): TransitionResult {
  const found = findTransition(from, to);
  if (!found) return { ok: false, code: 'invalid_transition' };
  if (!found.actors.includes(actor)) return { ok: false, code: 'forbidden' };
  return { ok: true, rule: found };
}

/** The wallet step `from → to` implies (`none` for a move that is not allowed). */
export function walletStepOf(from: WithdrawalStatus, to: WithdrawalStatus): WalletStep {
  return findTransition(from, to)?.wallet ?? 'none';
}

/**
 * The wallet Idempotency-Key of one step of one withdrawal: one key per step, so a retried step is
 * the same wallet write and two different steps are never mistaken for each other.
 */
export function walletKey(withdrawalId: string, step: Exclude<WalletStep, 'none'>): string {
  return `withdrawal:${withdrawalId}:${step}`;
}

// ---------------------------------------------------------------------------------------------
// Approval: four eyes as data.

/** The approval rule an admin edits. Amounts in cents. */
export interface ApprovalRule {
  /** From this amount (inclusive) two different admins must approve. Default R2,000. */
  readonly two_approvals_from: number;
}

export const DEFAULT_APPROVAL_RULE: ApprovalRule = Object.freeze({ two_approvals_from: 200_000 });

/** The withdrawal as the approval rule sees it. */
export interface ApprovalSubject {
  readonly status: WithdrawalStatus;
  readonly amount: number;
  /** The resident whose money it is. */
  readonly user_id: string;
  /** Who made the request (the resident, or an admin or service acting for them). */
  readonly requested_by: string;
  /** Admins who approved so far (recorded while it waits for a second approval). */
  readonly approvals: readonly string[];
}

export type ApprovalDecision =
  | { outcome: 'approved' }
  | { outcome: 'awaiting_second_approval' }
  | { outcome: 'refused'; code: 'self_approval' | 'already_approved_by_you' | 'invalid_transition' };

/** How many different admins must approve this amount. */
export function approvalsNeeded(rule: ApprovalRule, amount: number): 1 | 2 {
  return amount >= rule.two_approvals_from ? 2 : 1;
}

/**
 * One admin's approval: refused when the withdrawal is not pending, when the approver is the
 * resident or the requester, or when this admin already approved it; otherwise approved once
 * enough different admins have approved, else waiting for another.
 */
export function decideApproval(rule: ApprovalRule, subject: ApprovalSubject, approver: string): ApprovalDecision {
  if (subject.status !== 'pending') return { outcome: 'refused', code: 'invalid_transition' };
  if (approver === subject.user_id || approver === subject.requested_by) return { outcome: 'refused', code: 'self_approval' };
  if (subject.approvals.includes(approver)) return { outcome: 'refused', code: 'already_approved_by_you' };
  const distinct = new Set([...subject.approvals, approver]).size;
  return distinct >= approvalsNeeded(rule, subject.amount) ? { outcome: 'approved' } : { outcome: 'awaiting_second_approval' };
}

// ---------------------------------------------------------------------------------------------
// The payment provider: what its answers and reports mean for us.

/** How the provider's answer to "pay this" is read. */
export type SendOutcome = 'accepted' | 'refused' | 'unknown';

/**
 * The answer to a payout request, as far as money goes: a 2xx means it took the payout; a 400 or 422
 * means it refused the request and created nothing (a definitive failure); everything else (timeout,
 * reset, 5xx, 408, 409, 429, anything unexpected) is doubt: ask again by reference, resend only with
 * the same key, and keep the hold.
 */
export function classifySendAnswer(answer: number | 'timeout' | 'network_error'): SendOutcome {
  if (typeof answer !== 'number') return 'unknown';
  if (answer >= 200 && answer < 300) return 'accepted';
  if (answer === 400 || answer === 422) return 'refused';
  return 'unknown';
}

/** The statuses a provider reports for a payout. */
export const PROVIDER_STATUSES = ['pending', 'processing', 'completed', 'failed', 'returned'] as const;
export type ProviderStatus = (typeof PROVIDER_STATUSES)[number];

export type ProviderUpdate =
  | { kind: 'advance'; path: readonly WithdrawalStatus[] }
  | { kind: 'ignore'; reason: 'already' | 'not_forward' | 'conflict' | 'not_sent' };

/**
 * What a provider's report (callback or poll) does to our status. Statuses only move forward: a late
 * or out-of-order `processing` after `completed` is ignored; after `completed` only a return counts.
 * A `returned` for a payout we still think in flight means it completed first: both steps, in order.
 * A report contradicting a final status (failed after completed, completed after failed) is a
 * `conflict` for a person, never applied.
 */
export function applyProviderStatus(current: WithdrawalStatus, reported: ProviderStatus): ProviderUpdate {
  switch (current) {
    case 'requested':
    case 'pending':
    case 'in_review':
    case 'approved':
    case 'rejected':
    case 'cancelled':
    case 'expired':
      return { kind: 'ignore', reason: 'not_sent' };
    case 'processing':
    case 'needs_review':
      return IN_FLIGHT[reported];
    case 'completed':
    case 'failed':
    case 'returned':
      return AFTER[current][reported];
  }
}

const advance = (...path: WithdrawalStatus[]): ProviderUpdate => ({ kind: 'advance', path });
const ignore = (reason: 'already' | 'not_forward' | 'conflict'): ProviderUpdate => ({ kind: 'ignore', reason });

const IN_FLIGHT: Record<ProviderStatus, ProviderUpdate> = {
  pending: ignore('already'),
  processing: ignore('already'),
  completed: advance('completed'),
  failed: advance('failed'),
  returned: advance('completed', 'returned'),
};

const AFTER: Record<'completed' | 'failed' | 'returned', Record<ProviderStatus, ProviderUpdate>> = {
  completed: { pending: ignore('not_forward'), processing: ignore('not_forward'), completed: ignore('already'), failed: ignore('conflict'), returned: advance('returned') },
  failed: { pending: ignore('not_forward'), processing: ignore('not_forward'), completed: ignore('conflict'), failed: ignore('already'), returned: ignore('conflict') },
  returned: { pending: ignore('not_forward'), processing: ignore('not_forward'), completed: ignore('not_forward'), failed: ignore('conflict'), returned: ignore('already') },
};

// ---------------------------------------------------------------------------------------------
// Time rules (data with defaults; callers pass the clock).

/** Timings an admin may change. Milliseconds. */
export interface WithdrawalTimings {
  /** A pending or in-review request not decided within this expires (default 7 days). */
  readonly expire_after_ms: number;
  /** A payout in doubt this long goes to `needs_review` (default 24 h). */
  readonly doubt_review_after_ms: number;
  /** Poll the provider every `poll_fast_every_ms` for the first `poll_fast_for_ms` after sending, then every `poll_slow_every_ms`. */
  readonly poll_fast_every_ms: number;
  readonly poll_fast_for_ms: number;
  readonly poll_slow_every_ms: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const DEFAULT_TIMINGS: WithdrawalTimings = Object.freeze({
  expire_after_ms: 7 * 24 * HOUR,
  doubt_review_after_ms: 24 * HOUR,
  poll_fast_every_ms: MINUTE,
  poll_fast_for_ms: 15 * MINUTE,
  poll_slow_every_ms: 15 * MINUTE,
});

/** Whether an undecided request (pending or in review since `since`) has expired at `now`. */
export function hasExpired(timings: WithdrawalTimings, status: WithdrawalStatus, since: Date, now: Date): boolean {
  return (status === 'pending' || status === 'in_review') && now.getTime() - since.getTime() >= timings.expire_after_ms;
}

/**
 * Whether a payout still without a final answer at `now` goes to a person. `processingSince` is when it
 * last entered `processing` (a person sending it back from `needs_review` starts a new period of doubt).
 */
export function needsReview(timings: WithdrawalTimings, status: WithdrawalStatus, processingSince: Date, now: Date): boolean {
  return status === 'processing' && now.getTime() - processingSince.getTime() >= timings.doubt_review_after_ms;
}

/** When to ask the provider next about a payout sent at `sentAt`, last asked (or sent) at `lastAt`. */
export function nextPollAt(timings: WithdrawalTimings, sentAt: Date, lastAt: Date): Date {
  const fast = lastAt.getTime() - sentAt.getTime() < timings.poll_fast_for_ms;
  return new Date(lastAt.getTime() + (fast ? timings.poll_fast_every_ms : timings.poll_slow_every_ms));
}
