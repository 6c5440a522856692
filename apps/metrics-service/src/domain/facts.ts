import { GREEN_SCHOLAR_FUND_CAMPAIGN_ID, isUuid, type EventEnvelope } from '@wozamali/contracts';
import { impactOf, versionAt, type ImpactFactorVersion, type MaterialLine } from './impact';

/**
 * What one event contributes to the metrics, keyed by its id. `business_at` is when it happened in
 * the business (a collection's `collected_at`, else `occurred_at`); its local day is taken from it.
 * Figures are signed where an event undoes another (a donation refunded, a withdrawal returned), so a
 * day's sum is the net.
 */
export interface Fact {
  event_id: string;
  event_type: string;
  kind: string | null;
  user_id: string | null;
  business_at: string;
  event_occurred_at: string;
  points_earned: number;
  points_spent: number;
  money_earned: number;
  money_spent: number;
  collections: number;
  grams: number;
  grams_by_material: Record<string, number>;
  co2_avoided_g: number;
  water_saved_ml: number;
  impact_version: number | null;
  fund_amount: number;
  donated_money: number;
  donated_points: number;
  withdrawn_money: number;
  rewards_redeemed: number;
  wallet_events: number;
}

/**
 * The event types this service turns into facts, and the `data` fields each reads (tolerant reader).
 * `points_update` and `tier_update` are not read: a points_update repeats the points of its
 * transfer's wallet_update (counting both would count twice), and a tier is no daily figure.
 */
export const FACT_READS = {
  wallet_update: ['user_id', 'kind', 'balance_change', 'points_change'],
  collection_recorded: ['user_id', 'collected_at', 'total_grams', 'fund_amount', 'materials'],
  // Rewards: a reward issued by a redemption counts as redeemed (badges and admin grants do not).
  reward_issue: ['user_id', 'source', 'issued_at'],
  // A redeemed reward cancelled by an admin no longer counts (on the day it was cancelled, like a refund).
  reward_cancelled: ['user_id', 'source', 'cancelled_at'],
  // Donations: money and points given, net of refunds. An anonymous donation's donor is the envelope's subject.
  // Money given to the Green Scholar Fund's campaign is also the fund's intake (beside collections' fund share).
  donation_create: ['user_id', 'campaign_id', 'amount', 'points', 'donated_at'],
  donation_refunded: ['user_id', 'campaign_id', 'amount', 'points', 'refunded_at'],
  // Withdrawals: money paid out (completed), less what came back (returned).
  withdrawal_update: ['user_id', 'to', 'amount', 'changed_at'],
} as const;

export type FactEventType = keyof typeof FACT_READS;

export function isFactEvent(type: string): type is FactEventType {
  return Object.prototype.hasOwnProperty.call(FACT_READS, type);
}

function empty(envelope: EventEnvelope, userId: string | null, businessAt: string): Fact {
  return {
    event_id: envelope.id, event_type: envelope.type, kind: null, user_id: userId, business_at: businessAt, event_occurred_at: envelope.occurred_at,
    points_earned: 0, points_spent: 0, money_earned: 0, money_spent: 0, collections: 0, grams: 0, grams_by_material: {},
    co2_avoided_g: 0, water_saved_ml: 0, impact_version: null, fund_amount: 0, donated_money: 0, donated_points: 0, withdrawn_money: 0,
    rewards_redeemed: 0, wallet_events: 0,
  };
}

/** The lines of a collection, checked (the contract says only "array"); throws on a line it can't count. */
export function materialLines(value: unknown): MaterialLine[] {
  if (!Array.isArray(value)) throw new Error('materials must be an array');
  return value.map((line: unknown, i) => {
    const l = line as { material?: unknown; grams?: unknown };
    if (typeof l !== 'object' || l === null || typeof l.material !== 'string' || l.material.length === 0 || l.material.length > 100) {
      throw new Error(`materials[${i}].material must be a non-empty string`);
    }
    if (!Number.isSafeInteger(l.grams) || (l.grams as number) < 0) throw new Error(`materials[${i}].grams must be a non-negative integer`);
    return { material: l.material, grams: l.grams as number };
  });
}

/** The donor of a donation event: its `user_id`, else (anonymous) the envelope's subject. */
function donorOf(envelope: EventEnvelope, d: Record<string, unknown>): string | null {
  const id = (d.user_id as string | null) ?? envelope.subject;
  return isUuid(id) ? id.toLowerCase() : null;
}

/**
 * The fact of one event (its read fields already checked by the inbox), or null when the event
 * counts for nothing (a badge issued, a withdrawal moving between open states, a donation with no
 * known donor). `versions` ascending by effective_from.
 */
export function factOf(envelope: EventEnvelope, versions: readonly ImpactFactorVersion[]): Fact | null {
  const d = envelope.data as Record<string, unknown>;
  const userId = d.user_id as string;
  switch (envelope.type as FactEventType) {
    case 'reward_issue': {
      if (d.source !== 'redemption') return null;
      return { ...empty(envelope, userId, new Date(d.issued_at as string).toISOString()), kind: 'redemption', rewards_redeemed: 1 };
    }
    case 'reward_cancelled': {
      if (d.source !== 'redemption') return null;
      return { ...empty(envelope, userId, new Date(d.cancelled_at as string).toISOString()), kind: 'redemption_cancelled', rewards_redeemed: -1 };
    }
    case 'donation_create':
    case 'donation_refunded': {
      const donor = donorOf(envelope, d);
      if (!donor) return null;
      const refund = envelope.type === 'donation_refunded';
      const sign = refund ? -1 : 1;
      const at = new Date((refund ? d.refunded_at : d.donated_at) as string).toISOString();
      return {
        ...empty(envelope, donor, at), kind: refund ? 'donation_refund' : 'donation',
        donated_money: sign * (d.amount as number), donated_points: sign * (d.points as number),
        fund_amount: d.campaign_id === GREEN_SCHOLAR_FUND_CAMPAIGN_ID ? sign * (d.amount as number) : 0,
      };
    }
    case 'withdrawal_update': {
      const sign = d.to === 'completed' ? 1 : d.to === 'returned' ? -1 : 0;
      if (sign === 0) return null;
      return {
        ...empty(envelope, userId, new Date(d.changed_at as string).toISOString()), kind: `withdrawal_${d.to as string}`,
        withdrawn_money: sign * (d.amount as number),
      };
    }
    case 'wallet_update': {
      const money = d.balance_change as number;
      const points = d.points_change as number;
      return {
        ...empty(envelope, userId, envelope.occurred_at), kind: d.kind as string,
        points_earned: Math.max(points, 0), points_spent: Math.max(-points, 0), money_earned: Math.max(money, 0), money_spent: Math.max(-money, 0),
        wallet_events: 1,
      };
    }
    case 'collection_recorded': {
      const collectedAt = new Date(d.collected_at as string);
      const lines = materialLines(d.materials);
      const byMaterial: Record<string, number> = {};
      for (const line of lines) byMaterial[line.material] = (byMaterial[line.material] ?? 0) + line.grams;
      const version = versionAt(versions, collectedAt);
      const impact = version ? impactOf(lines, version) : { co2_avoided_g: 0, water_saved_ml: 0 };
      return {
        ...empty(envelope, userId, collectedAt.toISOString()), kind: 'collection',
        collections: 1, grams: d.total_grams as number, grams_by_material: byMaterial, ...impact, impact_version: version?.version ?? null,
        fund_amount: d.fund_amount as number,
      };
    }
  }
}
