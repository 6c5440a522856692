/** Assets of the ledger: money in ZAR cents, points as whole points. */
export type Asset = 'ZAR' | 'POINTS';

export type OwnerType = 'user' | 'platform' | 'campaign' | 'reward_sink' | 'payout_clearing';

export type TransferKind =
  | 'earn' | 'spend' | 'collection' | 'redeem' | 'donate' | 'transfer' | 'withdraw_hold' | 'withdraw_post'
  | 'withdraw_void' | 'expire' | 'adjust' | 'reverse';

/** One line of a transfer as the caller describes it; the database resolves the account. */
export interface PostingSpec {
  owner_type: OwnerType;
  owner_id: string;
  asset: Asset;
  shard: number;
  amount: number;
  /** Counts towards the user's lifetime points (tiers). */
  lifetime?: boolean;
  allow_negative?: boolean;
  /** The account keeps no cached balance (the platform's funding account): no row lock, balance = sum of postings. */
  uncached?: boolean;
  /** A debit of an account spread over shards: taken from all its shards (the database locks them in order). */
  spread?: boolean;
}

/** What ledger_execute returns (and stores against the idempotency key). */
export interface LedgerResult {
  replayed: boolean;
  transfer_id: string;
  user_id: string | null;
  /** The user's money account (the wallet id of events), when the transfer concerns a user. */
  wallet_id: string | null;
  kind: TransferKind;
  created_at: string;
  money_change: number;
  points_change: number;
  hold_id: string | null;
  balance: number;
  held: number;
  points: number;
  lifetime_points: number;
  /** Every posting written, in the order applied; balance_after is null for an account without a cached balance. */
  postings: { account_id: string; owner_type: OwnerType; owner_id: string; asset: Asset; amount: number; balance_after: number | null }[];
  [extra: string]: unknown;
}

/** The idempotency scope of a write: who called, with which key, and a hash of what they asked. */
export interface WriteContext {
  clientId: string;
  key: string | null;
  requestHash: string;
  correlationId: string | null;
}
