import { GREEN_SCHOLAR_FUND_CAMPAIGN_ID } from '@wozamali/contracts';
import type { Asset, OwnerType, PostingSpec, TransferKind } from './ledger.types';

/** How many rows each cached system account (fund, sinks, clearing) is spread over, so no single row serialises its credits. */
export const SYSTEM_SHARDS = 64;

/** The owner ids of the system accounts that exist once (campaigns are named by their UUID). */
export const SYSTEM_OWNER_IDS = { platform: 'funding', reward_sink: 'rewards', payout_clearing: 'payouts' } as const;

/** Picks a shard of a system account (the caller passes a random source so the builders stay pure). */
export type ShardPicker = () => number;

export const randomShard: ShardPicker = () => Math.floor(Math.random() * SYSTEM_SHARDS);

/** One side of a leg as the caller names it: an owner type and, for users and campaigns, an id. */
export interface AccountRef {
  type: OwnerType;
  id?: string;
}

/** One movement of an amount of one asset from one account to another. */
export interface Leg {
  from: AccountRef;
  to: AccountRef;
  asset: Asset;
  amount: number;
}

/** Why a set of legs can't be turned into postings (the service turns it into a 400 invalid_account). */
export class InvalidLegs extends Error {}

/**
 * The platform's funding account: pays out earned money and points, may go negative, and keeps no
 * cached balance, so every earning in the country doesn't queue behind its row lock.
 */
export function funding(asset: Asset, amount: number): PostingSpec {
  return { owner_type: 'platform', owner_id: SYSTEM_OWNER_IDS.platform, asset, shard: 0, amount, allow_negative: true, uncached: true };
}

export function userPosting(userId: string, asset: Asset, amount: number, lifetime = false): PostingSpec {
  return { owner_type: 'user', owner_id: userId, asset, shard: 0, amount, lifetime };
}

function lockKey(a: PostingSpec): string {
  return `${a.owner_type === 'user' ? 0 : 1}|${a.owner_type}|${a.owner_id}|${a.asset}|${String(a.shard).padStart(4, '0')}`;
}

/**
 * Users first, then system accounts, each in a fixed order: every transfer takes its row locks in
 * the same global order, so two transfers can't deadlock on each other. Within one account credits
 * come before debits, so a transfer that moves one account both ways is checked on its net change.
 */
export function sortForLocking(postings: readonly PostingSpec[]): PostingSpec[] {
  return [...postings].sort((a, b) => {
    const ka = lockKey(a);
    const kb = lockKey(b);
    if (ka !== kb) return ka < kb ? -1 : 1;
    return b.amount - a.amount;
  });
}

export function earnPostings(userId: string, points: number, amount: number | undefined): PostingSpec[] {
  const postings = [userPosting(userId, 'POINTS', points, true), funding('POINTS', -points)];
  if (amount) postings.push(userPosting(userId, 'ZAR', amount), funding('ZAR', -amount));
  return postings;
}

export function spendPostings(userId: string, points: number, shard: ShardPicker): PostingSpec[] {
  return [userPosting(userId, 'POINTS', -points), shardedPosting('reward_sink', SYSTEM_OWNER_IDS.reward_sink, 'POINTS', points, shard)];
}

/** A positive points adjustment counts as earned (tiers); a negative one never lowers a tier. */
export function adjustmentPostings(userId: string, asset: Asset, amount: number): PostingSpec[] {
  return [userPosting(userId, asset, amount, asset === 'POINTS' && amount > 0), funding(asset, -amount)];
}

/** A collection: points and money to the resident, the fund's share to the fund, all paid by the platform. */
export function collectionPostings(userId: string, c: { points: number; amount: number; fund_amount: number; gross_amount: number }, shard: ShardPicker): PostingSpec[] {
  const postings: PostingSpec[] = [];
  if (c.points > 0) postings.push(userPosting(userId, 'POINTS', c.points, true), funding('POINTS', -c.points));
  if (c.amount > 0) postings.push(userPosting(userId, 'ZAR', c.amount));
  if (c.fund_amount > 0) postings.push(shardedPosting('campaign', GREEN_SCHOLAR_FUND_CAMPAIGN_ID, 'ZAR', c.fund_amount, shard));
  if (c.gross_amount > 0) postings.push(funding('ZAR', -c.gross_amount));
  return postings;
}

function accountPosting(ref: AccountRef, asset: Asset, amount: number, kind: TransferKind, shard: ShardPicker): PostingSpec {
  switch (ref.type) {
    case 'user':
      if (!ref.id) throw new InvalidLegs('a user account needs id');
      return userPosting(ref.id, asset, amount, kind === 'earn' && asset === 'POINTS' && amount > 0);
    case 'campaign':
      if (!ref.id) throw new InvalidLegs('a campaign account needs id');
      return shardedPosting('campaign', ref.id, asset, amount, shard);
    case 'platform':
      return funding(asset, amount);
    case 'reward_sink':
    case 'payout_clearing':
      return shardedPosting(ref.type, SYSTEM_OWNER_IDS[ref.type], asset, amount, shard);
  }
}

/**
 * A posting on an account spread over {@link SYSTEM_SHARDS} rows (a campaign, the reward sink,
 * payout clearing): a credit lands on a random shard, so credits don't queue behind one row; a
 * debit is `spread`: the database locks every shard in order and takes from the fullest, so it is
 * refused only when the account as a whole is short.
 */
export function shardedPosting(ownerType: OwnerType, ownerId: string, asset: Asset, amount: number, shard: ShardPicker): PostingSpec {
  return amount > 0
    ? { owner_type: ownerType, owner_id: ownerId, asset, shard: shard(), amount }
    : { owner_type: ownerType, owner_id: ownerId, asset, shard: 0, amount, spread: true };
}

/** The users a set of legs moves money or points of. */
export function usersOf(legs: readonly Leg[]): string[] {
  return [...new Set(legs.flatMap((l) => [l.from, l.to]).filter((r) => r.type === 'user' && r.id).map((r) => r.id!))];
}

/** Two postings per leg: the amount leaves `from` and arrives at `to`. */
export function legPostings(kind: TransferKind, legs: readonly Leg[], shard: ShardPicker): PostingSpec[] {
  return legs.flatMap((leg) => {
    if (leg.from.type === leg.to.type && leg.from.id === leg.to.id) throw new InvalidLegs('from and to are the same account');
    return [accountPosting(leg.from, leg.asset, -leg.amount, kind, shard), accountPosting(leg.to, leg.asset, leg.amount, kind, shard)];
  });
}

/**
 * A transfer's postings and the user it concerns (whose events it writes). The single-leg form keeps
 * its rule (the paying user, else the receiving one); the legs of a multi-leg transfer move one user
 * at most. A `user_id` the caller names must be that user.
 */
export function planTransfer(
  kind: TransferKind, legs: readonly Leg[], multiLeg: boolean, requestedUser: string | undefined, shard: ShardPicker,
): { postings: PostingSpec[]; userId: string | null } {
  const postings = legPostings(kind, legs, shard);
  const users = usersOf(legs);
  if (multiLeg && users.length > 1) throw new InvalidLegs('the legs of one transfer may move the money of one user at most');
  if (requestedUser !== undefined && !users.includes(requestedUser)) throw new InvalidLegs('user_id must be the user the legs move money or points of');
  const first = legs[0]!;
  const userId = multiLeg ? users[0] ?? null : first.from.type === 'user' ? first.from.id! : first.to.type === 'user' ? first.to.id! : null;
  return { postings, userId };
}
