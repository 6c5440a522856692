import type { EventEnvelope } from '@wozamali/contracts';
import { impactOf, versionAt, type ImpactFactorVersion, type MaterialLine } from './impact';

/**
 * What one event contributes to the metrics, keyed by its id. `business_at` is when it happened in
 * the business (a collection's `collected_at`, else `occurred_at`); its local day is taken from it.
 * Columns of domains not consumed yet (donations, withdrawals, rewards) stay 0 until their handlers land.
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

/** The fact of one event (its read fields already checked by the inbox). `versions` ascending by effective_from. */
export function factOf(envelope: EventEnvelope, versions: readonly ImpactFactorVersion[]): Fact {
  const d = envelope.data as Record<string, unknown>;
  const userId = d.user_id as string;
  switch (envelope.type as FactEventType) {
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
