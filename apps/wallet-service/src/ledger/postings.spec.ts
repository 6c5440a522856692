import { GREEN_SCHOLAR_FUND_CAMPAIGN_ID } from '@wozamali/contracts';
import type { PostingSpec } from './ledger.types';
import {
  adjustmentPostings, collectionPostings, earnPostings, InvalidLegs, legPostings, planTransfer, sortForLocking, spendPostings, usersOf, type Leg,
} from './postings';

const USER = '0190a000-0000-7000-8000-00000000000a';
const OTHER = '0190a000-0000-7000-8000-00000000000b';
const CAMPAIGN = '0190a000-0000-7000-8000-0000000000cc';
const shard7 = () => 7;

const sumPerAsset = (postings: PostingSpec[]) =>
  postings.reduce<Record<string, number>>((acc, p) => ({ ...acc, [p.asset]: (acc[p.asset] ?? 0) + p.amount }), {});

describe('posting builders', () => {
  it('an earn credits the user (points count towards tiers) and debits the uncached platform funding account, per asset', () => {
    const postings = earnPostings(USER, 40, 250);
    expect(postings).toEqual([
      { owner_type: 'user', owner_id: USER, asset: 'POINTS', shard: 0, amount: 40, lifetime: true },
      { owner_type: 'platform', owner_id: 'funding', asset: 'POINTS', shard: 0, amount: -40, allow_negative: true, uncached: true },
      { owner_type: 'user', owner_id: USER, asset: 'ZAR', shard: 0, amount: 250, lifetime: false },
      { owner_type: 'platform', owner_id: 'funding', asset: 'ZAR', shard: 0, amount: -250, allow_negative: true, uncached: true },
    ]);
    expect(earnPostings(USER, 40, undefined)).toHaveLength(2);
    expect(earnPostings(USER, 40, 0)).toHaveLength(2);
  });

  it('a spend moves points to a shard of the reward sink', () => {
    expect(spendPostings(USER, 15, shard7)).toEqual([
      { owner_type: 'user', owner_id: USER, asset: 'POINTS', shard: 0, amount: -15, lifetime: false },
      { owner_type: 'reward_sink', owner_id: 'rewards', asset: 'POINTS', shard: 7, amount: 15 },
    ]);
  });

  it('only a positive points adjustment counts towards lifetime points', () => {
    expect(adjustmentPostings(USER, 'POINTS', 5)[0]!.lifetime).toBe(true);
    expect(adjustmentPostings(USER, 'POINTS', -5)[0]!.lifetime).toBe(false);
    expect(adjustmentPostings(USER, 'ZAR', 5)[0]!.lifetime).toBe(false);
  });

  it('a collection pays the user and the fund from the gross amount, and balances per asset', () => {
    const postings = collectionPostings(USER, { points: 30, amount: 100, fund_amount: 20, gross_amount: 120 }, shard7);
    expect(sumPerAsset(postings)).toEqual({ POINTS: 0, ZAR: 0 });
    expect(postings).toContainEqual({ owner_type: 'campaign', owner_id: GREEN_SCHOLAR_FUND_CAMPAIGN_ID, asset: 'ZAR', shard: 7, amount: 20 });
    expect(collectionPostings(USER, { points: 0, amount: 0, fund_amount: 0, gross_amount: 0 }, shard7)).toEqual([]);
  });

  it('turns each leg into a debit of from and a credit of to: a donation is one set of postings, zero-sum per asset', () => {
    const legs: Leg[] = [
      { from: { type: 'user', id: USER }, to: { type: 'campaign', id: CAMPAIGN }, asset: 'ZAR', amount: 500 },
      { from: { type: 'user', id: USER }, to: { type: 'campaign', id: CAMPAIGN }, asset: 'POINTS', amount: 50 },
      { from: { type: 'platform' }, to: { type: 'user', id: USER }, asset: 'POINTS', amount: 10 },
    ];
    const postings = legPostings('donate', legs, shard7);
    expect(postings).toHaveLength(6);
    expect(sumPerAsset(postings)).toEqual({ ZAR: 0, POINTS: 0 });
    // Credits to a campaign go to a shard; the bonus is not earned (no lifetime points) outside an earn.
    expect(postings.filter((p) => p.owner_type === 'campaign').map((p) => p.shard)).toEqual([7, 7]);
    expect(postings.find((p) => p.owner_type === 'user' && p.amount === 10)!.lifetime).toBe(false);
    expect(legPostings('earn', [legs[2]!], shard7).find((p) => p.owner_type === 'user')!.lifetime).toBe(true);
    expect(usersOf(legs)).toEqual([USER]);
  });

  it('marks every debit of a sharded system account spread (taken from all its shards) and puts credits on a shard', () => {
    const legs: Leg[] = [
      { from: { type: 'campaign', id: CAMPAIGN }, to: { type: 'payout_clearing' }, asset: 'ZAR', amount: 900 },
      { from: { type: 'reward_sink' }, to: { type: 'user', id: USER }, asset: 'POINTS', amount: 40 },
      { from: { type: 'payout_clearing' }, to: { type: 'user', id: USER }, asset: 'ZAR', amount: 300 },
    ];
    const postings = legPostings('transfer', legs, shard7);
    expect(postings.filter((p) => p.amount < 0)).toEqual([
      { owner_type: 'campaign', owner_id: CAMPAIGN, asset: 'ZAR', shard: 0, amount: -900, spread: true },
      { owner_type: 'reward_sink', owner_id: 'rewards', asset: 'POINTS', shard: 0, amount: -40, spread: true },
      { owner_type: 'payout_clearing', owner_id: 'payouts', asset: 'ZAR', shard: 0, amount: -300, spread: true },
    ]);
    expect(postings.filter((p) => p.amount > 0 && p.owner_type === 'payout_clearing')).toEqual([
      { owner_type: 'payout_clearing', owner_id: 'payouts', asset: 'ZAR', shard: 7, amount: 900 },
    ]);
    // A debit of a user or of the platform's funding account is never spread.
    expect(legPostings('transfer', [{ from: { type: 'user', id: USER }, to: { type: 'platform' }, asset: 'ZAR', amount: 1 }], shard7).some((p) => p.spread)).toBe(false);
  });

  it('refuses a leg from an account to itself', () => {
    expect(() => legPostings('transfer', [{ from: { type: 'user', id: USER }, to: { type: 'user', id: USER }, asset: 'ZAR', amount: 1 }], shard7)).toThrow(InvalidLegs);
    expect(usersOf([{ from: { type: 'user', id: USER }, to: { type: 'user', id: OTHER }, asset: 'ZAR', amount: 1 }])).toEqual([USER, OTHER]);
  });

  it('sorts postings in the global lock order: users first, then system accounts by type, owner, asset and shard; credits before debits on one account', () => {
    const p = (owner_type: PostingSpec['owner_type'], owner_id: string, asset: PostingSpec['asset'], shard: number, amount: number): PostingSpec => ({ owner_type, owner_id, asset, shard, amount });
    const sorted = sortForLocking([
      p('reward_sink', 'rewards', 'POINTS', 12, 5),
      p('campaign', CAMPAIGN, 'ZAR', 3, 5),
      p('user', OTHER, 'ZAR', 0, -5),
      p('campaign', CAMPAIGN, 'ZAR', 2, 5),
      p('user', USER, 'ZAR', 0, -7),
      p('user', USER, 'ZAR', 0, 9),
      p('user', USER, 'POINTS', 0, -1),
    ]);
    expect(sorted.map((s) => `${s.owner_type}:${s.owner_id.slice(-2)}:${s.asset}:${s.shard}:${s.amount}`)).toEqual([
      'user:0a:POINTS:0:-1', 'user:0a:ZAR:0:9', 'user:0a:ZAR:0:-7', 'user:0b:ZAR:0:-5',
      'campaign:cc:ZAR:2:5', 'campaign:cc:ZAR:3:5', 'reward_sink:ds:POINTS:12:5',
    ]);
  });

  it('plans a transfer for one user: the payer of a single leg, the one user of several legs, and refuses two users or a user_id the legs do not move', () => {
    const between: Leg = { from: { type: 'user', id: USER }, to: { type: 'user', id: OTHER }, asset: 'ZAR', amount: 5 };
    expect(planTransfer('transfer', [between], false, undefined, shard7).userId).toBe(USER);
    expect(planTransfer('earn', [{ from: { type: 'platform' }, to: { type: 'user', id: OTHER }, asset: 'ZAR', amount: 5 }], false, undefined, shard7).userId).toBe(OTHER);
    expect(() => planTransfer('transfer', [between], true, undefined, shard7)).toThrow(InvalidLegs);
    const redeem: Leg[] = [
      { from: { type: 'user', id: USER }, to: { type: 'reward_sink' }, asset: 'POINTS', amount: 100 },
      { from: { type: 'platform' }, to: { type: 'user', id: USER }, asset: 'ZAR', amount: 500 },
    ];
    expect(planTransfer('redeem', redeem, true, USER, shard7)).toMatchObject({ userId: USER, postings: expect.arrayContaining([expect.objectContaining({ owner_type: 'reward_sink', shard: 7 })]) });
    expect(() => planTransfer('redeem', redeem, true, OTHER, shard7)).toThrow(InvalidLegs);
    expect(planTransfer('transfer', [{ from: { type: 'campaign', id: CAMPAIGN }, to: { type: 'payout_clearing' }, asset: 'ZAR', amount: 1 }], true, undefined, shard7).userId).toBeNull();
  });
});
