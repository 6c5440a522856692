import { defineEvent } from './event-definition';
import { Topics } from './topics';

// Published by the wallet-service; wallet_update, points_update and tier_update are built in SQL
// (ledger_execute), collection_recorded by the service and written with its transfer.

/** A user's money or points changed (the seed's `wallet_update`, plus currency, transfer and held). */
export interface WalletUpdateData {
  /** The resident. */
  user_id: string;
  /** The resident's wallet (their money account); the same id in every event about them. */
  wallet_id: string;
  /** The ledger transfer that made the change. */
  transfer_id: string;
  /** Transfer kind: `earn`, `spend`, `collection`, `redeem`, `donate`, `transfer`, `withdraw_hold`, `withdraw_post`, `withdraw_void`, `expire`, `adjust`, `reverse`. */
  kind: string;
  /** Currency of the money amounts (`ZAR`). */
  currency: string;
  /** Change of the money balance, in cents (negative for a debit; 0 when only points or a hold changed). */
  balance_change: number;
  /** Change of the points balance, in points (negative for a debit). */
  points_change: number;
  /** The transfer's description. */
  description: string;
  /** Money balance after the change, in cents (held money included). */
  new_balance: number;
  /** Points balance after the change. */
  new_points: number;
  /** Money held for pending withdrawals after the change, in cents; available = new_balance − held. */
  held: number;
}

/** Points were earned or spent. */
export interface PointsUpdateData {
  /** The resident. */
  user_id: string;
  /** The ledger transfer that moved the points. */
  transfer_id: string;
  /** Transfer kind (as in `wallet_update`). */
  kind: string;
  /** Change of the points balance (negative for a debit). */
  points_change: number;
  /** Points balance after the change. */
  new_points: number;
  /** Lifetime points earned after the change (what tiers are computed from; spending never lowers it). */
  lifetime_points: number;
  /** Why: the transfer's description. */
  reason: string;
}

/** A user's tier changed (their lifetime points crossed a threshold). */
export interface TierUpdateData {
  /** The resident. */
  user_id: string;
  /** Tier code before (`bronze`, `silver`, `gold`, `platinum`), or `none`. */
  previous_tier: string;
  /** Tier code after, or `none`. */
  new_tier: string;
  /** Lifetime points earned that put the user in `new_tier`. */
  lifetime_points: number;
}

/** One material line of a collection, as computed with the rate card in force. */
export interface CollectionLine {
  /** Material code on the rate card, e.g. `PET`. */
  material: string;
  /** Material name on the rate card. */
  name: string;
  /** Weight as given: kilograms, a decimal string with at most 3 decimals. */
  kg: string;
  /** Weight in grams. */
  grams: number;
  /** Rate: cents per kg. */
  cents_per_kg: number;
  /** Rate: points per kg (before the tier multiplier). */
  points_per_kg: number;
  /** Share of the line's money that goes to the Green Scholar Fund, in basis points. */
  fund_share_bp: number;
  /** CO2 avoided by this line, in grams. */
  co2_avoided_g: number;
  /** Water saved by this line, in millilitres. */
  water_saved_ml: number;
}

/** Environmental impact of a collection. */
export interface CollectionImpact {
  /** CO2 avoided, in grams. */
  co2_avoided_g: number;
  /** Water saved, in millilitres. */
  water_saved_ml: number;
  /** CO2 avoided in kg, a decimal string with 3 decimals. */
  co2_avoided_kg: string;
  /** Water saved in litres, a decimal string with 3 decimals. */
  water_saved_l: string;
  /** Trees equivalent (CO2 kg / 22), a decimal string with 3 decimals. */
  trees_equivalent: string;
}

/** A weighed collection was credited (one ledger transfer). */
export interface CollectionRecordedData {
  /** The collection. */
  collection_id: string;
  /** The resident credited. */
  user_id: string;
  /** The collector who weighed it, when recorded by one. */
  collector_id: string | null;
  /** When the recyclables were collected (ISO 8601): the business time of the collection. */
  collected_at: string;
  /** Version of the rate card used (the one in force at `collected_at`). */
  rate_card_version: number;
  /** The resident's tier code when the collection was recorded. */
  tier: string;
  /** That tier's points multiplier, in basis points (10000 = ×1). */
  tier_multiplier_bp: number;
  /** Points credited to the resident (multiplier applied). */
  points: number;
  /** Money credited to the resident, in cents: gross_amount − fund_amount. */
  amount: number;
  /** Money credited to the Green Scholar Fund, in cents. */
  fund_amount: number;
  /** All the money the collection earned, in cents. */
  gross_amount: number;
  /** Currency of the money amounts (`ZAR`). */
  currency: string;
  /** Total weight, in grams. */
  total_grams: number;
  /** The material lines. */
  lines: CollectionLine[];
  /** Environmental impact. */
  impact: CollectionImpact;
  /** The ledger transfer that credited it. */
  transfer_id: string;
  /** The material lines again (same as `lines`), under the name consumers of the first version read. */
  materials: CollectionLine[];
}

export const WalletEvents = {
  wallet_update: defineEvent<WalletUpdateData>()('wallet_update', Topics.wallet, {
    user_id: 'uuid', wallet_id: 'uuid', transfer_id: 'uuid', kind: 'string', currency: 'string', balance_change: 'int',
    points_change: 'int', description: 'string', new_balance: 'int', new_points: 'int', held: 'int',
  }),
  points_update: defineEvent<PointsUpdateData>()('points_update', Topics.wallet, {
    user_id: 'uuid', transfer_id: 'uuid', kind: 'string', points_change: 'int', new_points: 'int', lifetime_points: 'int', reason: 'string',
  }),
  tier_update: defineEvent<TierUpdateData>()('tier_update', Topics.wallet, {
    user_id: 'uuid', previous_tier: 'string', new_tier: 'string', lifetime_points: 'int',
  }),
  collection_recorded: defineEvent<CollectionRecordedData>()('collection_recorded', Topics.wallet, {
    collection_id: 'uuid', user_id: 'uuid', collector_id: 'uuid|null', collected_at: 'iso-date', rate_card_version: 'int',
    tier: 'string', tier_multiplier_bp: 'int', points: 'int', amount: 'int', fund_amount: 'int', gross_amount: 'int',
    currency: 'string', total_grams: 'int', lines: 'array', impact: 'object', transfer_id: 'uuid', materials: 'array',
  }),
};
