import type { Leg } from './postings';
import { reversalRefusal, transferRefusal } from './transfer-policy';

const U = '0194d2a0-0000-7000-8000-0000000000aa';
const C = '0194d2a0-0000-7000-8000-0000000000cc';
const user = { type: 'user' as const, id: U };
const campaign = { type: 'campaign' as const, id: C };
const leg = (from: Leg['from'], to: Leg['to'], asset: Leg['asset'], amount = 10): Leg => ({ from, to, asset, amount });

describe('what each internal caller may move', () => {
  it('lets each service make exactly the transfers its flows need', () => {
    expect(transferRefusal('rewards-service', 'redeem', [leg(user, { type: 'reward_sink' }, 'POINTS'), leg({ type: 'platform' }, user, 'ZAR')])).toBeNull();
    expect(transferRefusal('donations-service', 'donate', [leg(user, campaign, 'ZAR'), leg(user, campaign, 'POINTS'), leg({ type: 'platform' }, user, 'POINTS')])).toBeNull();
    expect(transferRefusal('donations-service', 'transfer', [leg(campaign, user, 'ZAR'), leg(user, { type: 'platform' }, 'POINTS')])).toBeNull();
    expect(transferRefusal('donations-service', 'transfer', [leg(campaign, { type: 'campaign', id: U }, 'ZAR')])).toBeNull();
    expect(transferRefusal('donations-service', 'transfer', [leg(campaign, { type: 'payout_clearing' }, 'ZAR')])).toBeNull();
    expect(transferRefusal('withdrawals-service', 'transfer', [leg({ type: 'payout_clearing' }, user, 'ZAR')])).toBeNull();
  });

  it('refuses minting: money or points from the platform to a user outside the caller\'s own business', () => {
    expect(transferRefusal('rewards-service', 'redeem', [leg({ type: 'platform' }, user, 'ZAR')])).toMatch(/only beside/);
    expect(transferRefusal('rewards-service', 'earn', [leg({ type: 'platform' }, user, 'ZAR')])).toMatch(/may not make earn/);
    expect(transferRefusal('donations-service', 'donate', [leg({ type: 'platform' }, user, 'POINTS')])).toMatch(/only beside/);
    expect(transferRefusal('donations-service', 'donate', [leg({ type: 'platform' }, user, 'ZAR'), leg(user, campaign, 'ZAR')])).toMatch(/platform->user:ZAR/);
    expect(transferRefusal('withdrawals-service', 'transfer', [leg({ type: 'platform' }, user, 'ZAR')])).toMatch(/platform->user:ZAR/);
    expect(transferRefusal('withdrawals-service', 'earn', [leg({ type: 'payout_clearing' }, user, 'ZAR')])).toMatch(/may not make earn/);
    expect(transferRefusal('donations-service', 'transfer', [leg(user, { type: 'platform' }, 'POINTS')])).toMatch(/only beside/);
    expect(transferRefusal('api-gateway', 'transfer', [leg(campaign, user, 'ZAR')])).toMatch(/may not make ledger transfers/);
  });

  it('lets rewards and donations reverse only their own transfers, and withdrawals none', () => {
    expect(reversalRefusal('rewards-service', 'rewards-service')).toBeNull();
    expect(reversalRefusal('donations-service', 'donations-service')).toBeNull();
    expect(reversalRefusal('rewards-service', 'donations-service')).toMatch(/only the transfers it made/);
    expect(reversalRefusal('rewards-service', null)).toMatch(/only the transfers it made/);
    expect(reversalRefusal('withdrawals-service', 'withdrawals-service')).toMatch(/may not reverse/);
  });
});
