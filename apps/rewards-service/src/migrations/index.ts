import { MessagingTables1764000000000 } from '@wozamali/messaging';
import { RewardsTables1764600000000 } from './1764600000000-rewards';
import { RedemptionHoldsStock1764600001000 } from './1764600001000-redemption-holds-stock';
import { RedeemFunction1764600002000 } from './1764600002000-redeem-function';
import { DonorLookups1764600003000 } from './1764600003000-donor-lookups';
import { AdminIssue1764600004000 } from './1764600004000-admin-issue';

/** Every migration of rewards-service, in order. Migrations are never edited once merged. */
export const migrations = [MessagingTables1764000000000, RewardsTables1764600000000, RedemptionHoldsStock1764600001000, RedeemFunction1764600002000, DonorLookups1764600003000, AdminIssue1764600004000];
