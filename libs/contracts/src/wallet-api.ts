// The wallet-service's internal API (`/internal/v1/...`), for the rewards, donations and withdrawals
// services only (the gateway never routes it). Every write carries an `Idempotency-Key` header and
// an `X-Service-ID` (the key is scoped to the calling service and bound to a hash of the body): the
// same key with the same body answers the original result (200, `Idempotent-Replayed: true`).
// Amounts are integers: ZAR cents or whole points, never floats.

/** An asset of the ledger: money in ZAR cents, or whole points. */
export type WalletAsset = 'ZAR' | 'POINTS';

/** Who owns a ledger account. */
export type WalletOwnerType = 'user' | 'platform' | 'campaign' | 'reward_sink' | 'payout_clearing';

/** The kinds of transfer the internal API may make (`POST /internal/v1/transfers`). */
export type WalletInternalTransferKind = 'earn' | 'redeem' | 'donate' | 'transfer' | 'expire';

/** Every kind a ledger transfer can have (as answered in `kind`). */
export type WalletTransferKind =
  | WalletInternalTransferKind | 'spend' | 'collection' | 'withdraw_hold' | 'withdraw_post' | 'withdraw_void' | 'adjust' | 'reverse';

/** One side of a transfer: an account named by its owner (the wallet picks the asset's account and shard). */
export interface WalletAccountRef {
  /** The owner's type. */
  type: WalletOwnerType;
  /**
   * The user's or campaign's id (UUID), required for `user` and `campaign`; a `reward_sink` may
   * name itself; not used for `platform` and `payout_clearing`.
   */
  id?: string;
}

/** Fields every transfer request has. */
export interface WalletTransferBase {
  /** What the transfer is, for the ledger and the events it publishes. */
  kind: WalletInternalTransferKind;
  /** Human-readable reason, 1-500 characters, shown in the user's history. */
  description: string;
  /** The caller's own reference (e.g. its operation id), at most 200 characters. */
  reference?: string;
  /** Free-form JSON object stored with the transfer. */
  metadata?: Record<string, unknown>;
}

/** `POST /internal/v1/transfers`, single-leg form: move one amount of one asset between two accounts. */
export interface WalletSingleTransferRequest extends WalletTransferBase {
  /** Debited account. */
  from: WalletAccountRef;
  /** Credited account (never the same as `from`). */
  to: WalletAccountRef;
  /** The asset moved. */
  asset: WalletAsset;
  /** Amount in the asset's unit (cents or points), a safe integer ≥ 1. */
  amount: number;
}

/** One leg of a multi-leg transfer: `amount` of `asset` from `from` to `to`. */
export interface WalletTransferLeg {
  /** Debited account. */
  from: WalletAccountRef;
  /** Credited account. */
  to: WalletAccountRef;
  /** The asset this leg moves. */
  asset: WalletAsset;
  /** Amount in the asset's unit (cents or points), a safe integer ≥ 1. */
  amount: number;
}

/**
 * `POST /internal/v1/transfers`, multi-leg form: several legs across assets and accounts as ONE
 * transfer with one id, all or nothing (e.g. a cashback reward: the resident's points to the reward
 * sink and platform money to the resident). Any leg refused → nothing written.
 */
export interface WalletMultiLegTransferRequest extends WalletTransferBase {
  /** The user the transfer concerns (its history and events): optional, and if sent it must be the one user the legs move. */
  user_id?: string;
  /** The legs, 1 to 10, posted together or not at all. */
  legs: WalletTransferLeg[];
}

/** Either form of `POST /internal/v1/transfers`. */
export type WalletTransferRequest = WalletSingleTransferRequest | WalletMultiLegTransferRequest;

/** One posting a transfer wrote. */
export interface WalletPosting {
  /** The ledger account (UUID). */
  account_id: string;
  /** The account's asset. */
  asset: WalletAsset;
  /** Signed amount: positive credits the account, negative debits it. */
  amount: number;
  /** The account's cached balance right after, or null for an account without a cached balance. */
  balance_after: number | null;
}

/** Answer to `POST /internal/v1/transfers` (201, or 200 on a replay). */
export interface WalletTransferResponse {
  /** The transfer's id (UUIDv7). */
  transfer_id: string;
  /** The transfer's kind. */
  kind: WalletTransferKind;
  /** The user the transfer concerns, or null for system-only transfers. */
  user_id: string | null;
  /** When it was written (ISO 8601). */
  created_at: string;
  /** What it posted, one line per account. */
  postings: WalletPosting[];
}

/** `POST /internal/v1/transfers/{id}/reverse`: undo a transfer once, with opposite postings. */
export interface WalletReverseTransferRequest {
  /** Why, 1-500 characters. */
  reason: string;
}

/** Answer to a reversal. */
export interface WalletReverseTransferResponse {
  /** The reversing transfer's id. */
  transfer_id: string;
  /** The transfer reversed. */
  reverses_transfer_id: string;
  /** The user concerned, or null. */
  user_id: string | null;
  /** When it was written (ISO 8601). */
  created_at: string;
  /** The opposite postings. */
  postings: WalletPosting[];
}

/** A user's wallet as it stands right after a write. */
export interface WalletView {
  /** The user (UUID). */
  user_id: string;
  /** The user's money account (UUID), null before the first money posting. */
  wallet_id: string | null;
  /** Always ZAR. */
  currency: 'ZAR';
  /** Money in cents, including held money. */
  balance: number;
  /** Money held for pending withdrawals, in cents. */
  held: number;
  /** `balance - held`, in cents. */
  available: number;
  /** Points balance. */
  points: number;
  /** Points ever earned (tiers). */
  lifetime_points: number;
  /** The tier's code. */
  tier: string;
  /** The next tier's code, or null at the top. */
  next_tier: string | null;
  /** Points still needed for the next tier, or null at the top. */
  points_to_next_tier: number | null;
  /** When the wallet last changed (ISO 8601), or null. */
  updated_at: string | null;
}

/** `POST /internal/v1/holds`: hold a user's money (ZAR cents) for a withdrawal. */
export interface WalletCreateHoldRequest {
  /** The user (UUID). */
  user_id: string;
  /** Cents to hold, a safe integer ≥ 1, at most the user's available money. */
  amount: number;
  /** Why, 1-500 characters. */
  description: string;
  /** The caller's reference, at most 200 characters. */
  reference?: string;
}

/** Answer to a hold. */
export interface WalletHoldResponse {
  /** The hold's id (UUIDv7): post or void it later. */
  hold_id: string;
  /** The transfer that recorded the hold. */
  transfer_id: string;
  /** Always `pending` when created. */
  status: 'pending';
  /** Cents held. */
  amount: number;
  /** The user. */
  user_id: string;
  /** When the ledger wrote the transfer (ISO 8601): the instant the wallet's day reports count it on. */
  created_at: string;
  /** The wallet right after. */
  wallet: WalletView;
}

/** `POST /internal/v1/holds/{id}/post` or `/void`. */
export interface WalletSettleHoldRequest {
  /** Optional reason, at most 500 characters (the wallet has a default). */
  description?: string;
}

/** Answer to posting (paying out) or voiding (releasing) a hold. */
export interface WalletSettleHoldResponse {
  /** The hold settled. */
  hold_id: string;
  /** The transfer that settled it. */
  transfer_id: string;
  /** `posted`: the money left the wallet for payout clearing; `voided`: it is available again. */
  status: 'posted' | 'voided';
  /** The user. */
  user_id: string;
  /** When the ledger wrote the transfer (ISO 8601): the instant the wallet's day reports count it on. */
  created_at: string;
  /** The wallet right after. */
  wallet: WalletView;
}

/** One asset's totals of an owner's accounts (summed over their shards). */
export interface WalletAssetBalance {
  /** The asset. */
  asset: WalletAsset;
  /** Credited minus debited, in the asset's unit. */
  balance: number;
  /** Sum of all credits (positive postings). */
  credited: number;
  /** Sum of all debits, as a positive number. */
  debited: number;
}

/** Owners whose balances the internal read answers (a user's wallet is `GET /v1/wallets/{user_id}`). */
export type WalletBalanceOwnerType = Exclude<WalletOwnerType, 'user'>;

/** Answer to `GET /internal/v1/accounts/{owner_type}/{owner_id}/balances`. */
export interface WalletAccountBalancesResponse {
  /** The owner's type. */
  owner_type: WalletBalanceOwnerType;
  /** The owner's id (a campaign's UUID, `rewards`, `payouts`, …). */
  owner_id: string;
  /** One entry per asset (ZAR and POINTS; zeros for an asset that never moved). */
  balances: WalletAssetBalance[];
}

/**
 * One user's movements of one asset on one local day, as the ledger's transfers say (for the
 * metrics-service's reconciliation). Every figure is a non-negative total of that day's transfers:
 * `earned`/`spent` the positive/negative net of each transfer on the user's accounts; `donated`
 * the debits of `donate` transfers less the credits of their reversals; `withdrawn` the debits of
 * `withdraw_post` transfers less the credits of their reversals.
 */
export interface WalletLedgerUserDay {
  user_id: string;
  asset: WalletAsset;
  earned: number;
  spent: number;
  donated: number;
  withdrawn: number;
}

/** Answer to `GET /internal/v1/reports/user-days?date=YYYY-MM-DD&time_zone=Africa/Johannesburg` (the metrics-service only). */
export interface WalletLedgerUserDaysResponse {
  date: string;
  time_zone: string;
  /** Every (user, asset) with a posting on a user account that day. */
  users: WalletLedgerUserDay[];
}

/** The wallet's own problem codes (the wallet-service's exception answers exactly these). */
export type WalletDomainProblemCode =
  | 'insufficient_points'
  | 'insufficient_funds'
  | 'idempotency_key_reused'
  | 'idempotency_key_required'
  | 'invalid_id'
  | 'unknown_material'
  | 'invalid_weight'
  /** A collector named another collector as `collector_id` (403): a collection carries its collector's own id. */
  | 'collector_mismatch'
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
  /** The calling service may not make this transfer or reversal (its kind or legs are not its business; 403). */
  | 'transfer_not_permitted'
  | 'ledger_busy';

/** Codes the shared HTTP layer answers with on any service (bad JSON, validation, auth …). */
export type WalletHttpProblemCode =
  | 'validation_failed' | 'malformed_request' | 'not_found' | 'method_not_allowed' | 'unsupported_media_type'
  | 'payload_too_large' | 'unauthorized' | 'forbidden' | 'conflict' | 'rate_limited' | 'service_unavailable' | 'internal_error'
  | 'unauthenticated' | 'forbidden_caller';

/** Every `code` a wallet problem may carry. */
export type WalletProblemCode = WalletDomainProblemCode | WalletHttpProblemCode;

/** Every {@link WalletProblemCode}, for checking a code read off the wire. */
export const WALLET_PROBLEM_CODES: readonly WalletProblemCode[] = [
  'insufficient_points', 'insufficient_funds', 'idempotency_key_reused', 'idempotency_key_required', 'invalid_id',
  'unknown_material', 'invalid_weight', 'collector_mismatch', 'no_rate_card', 'invalid_rate_card', 'invalid_tiers', 'collection_already_recorded',
  'transfer_not_found', 'transfer_not_reversible', 'transfer_already_reversed', 'hold_not_found', 'hold_not_pending',
  'amount_out_of_range', 'invalid_account', 'transfer_not_permitted', 'ledger_busy',
  'validation_failed', 'malformed_request', 'not_found', 'method_not_allowed', 'unsupported_media_type',
  'payload_too_large', 'unauthorized', 'forbidden', 'conflict', 'rate_limited', 'service_unavailable', 'internal_error',
  'unauthenticated', 'forbidden_caller',
];

export function isWalletProblemCode(value: unknown): value is WalletProblemCode {
  return typeof value === 'string' && (WALLET_PROBLEM_CODES as readonly string[]).includes(value);
}

/** The `application/problem+json` body of a wallet refusal (RFC 9457 with a stable `code`). */
export interface WalletProblem {
  /** URI naming the problem type. */
  type: string;
  /** Short summary of the type. */
  title: string;
  /** The HTTP status. */
  status: number;
  /** Stable machine-readable code (a string the client does not know is kept here as sent). */
  code: string;
  /** What went wrong this time (e.g. which asset was short). */
  detail?: string;
  /** The request id of the call. */
  correlation_id: string | null;
  /** Per-field validation messages, on `validation_failed`. */
  errors?: { field: string; messages: string[] }[];
  /** On `insufficient_funds` / `insufficient_points`: the asset that was short (of a multi-leg transfer too). */
  asset?: WalletAsset;
  /** Other extensions. */
  [extension: string]: unknown;
}
