import type { RateCardLine } from '../ledger/catalog.service';
import type { CollectionLine } from '@wozamali/contracts';

/** "5" → 5000, "2.375" → 2375; null when not a kg decimal string with at most 3 decimals. */
export function kgToGrams(kg: string): number | null {
  const m = /^(\d{1,6})(?:\.(\d{1,3}))?$/.exec(kg);
  if (!m) return null;
  return Number(m[1]) * 1000 + Number((m[2] ?? '').padEnd(3, '0'));
}

/** Integer division rounding half up (non-negative operands). */
export function divHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n);
}

/** A fixed-point decimal string of `value / 10^scale` rounded half up to `digits` decimals. */
export function decimalString(value: bigint, scale: number, digits: number): string {
  const rounded = divHalfUp(value, 10n ** BigInt(scale - digits));
  const s = rounded.toString().padStart(digits + 1, '0');
  return digits === 0 ? s : `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

/** One computed line: exactly what `collection_recorded` carries (the event contract's line). */
export type CollectionLineResult = CollectionLine;

export interface CollectionComputation {
  lines: CollectionLineResult[];
  total_grams: number;
  /** Points credited to the resident (tier multiplier applied). */
  points: number;
  /** All the money the collection earns, in cents. */
  gross_amount: number;
  /** The Green Scholar Fund's share. */
  fund_amount: number;
  /** What reaches the resident's wallet: gross − fund. */
  amount: number;
  impact: { co2_avoided_g: number; water_saved_ml: number; co2_avoided_kg: string; water_saved_l: string; trees_equivalent: string };
}

/**
 * Computes a collection exactly: every line's contribution is kept as an exact fraction, and the
 * totals are rounded half-up once, at the end (DOMAIN.md). The resident's money is the gross minus
 * the fund's share, so gross = resident + fund to the cent.
 */
export function computeCollection(items: { material: string; grams: number; kg: string }[], card: Map<string, RateCardLine>, multiplierBp: number): CollectionComputation {
  let moneyMilli = 0n; // cents × grams (÷ 1000 → cents)
  let fundMilliBp = 0n; // cents × grams × bp (÷ 10^7 → cents)
  let pointsMilli = 0n; // points × grams (÷ 1000 → points, before the multiplier)
  let co2 = 0n; // g per kg × grams (÷ 1000 → g)
  let water = 0n; // ml per kg × grams (÷ 1000 → ml)
  const lines: CollectionLineResult[] = [];
  for (const item of items) {
    const rate = card.get(item.material)!;
    const g = BigInt(item.grams);
    moneyMilli += BigInt(rate.cents_per_kg) * g;
    fundMilliBp += BigInt(rate.cents_per_kg) * g * BigInt(rate.fund_share_bp);
    pointsMilli += BigInt(rate.points_per_kg) * g;
    co2 += BigInt(rate.co2_g_per_kg) * g;
    water += BigInt(rate.water_ml_per_kg) * g;
    lines.push({
      material: item.material, name: rate.name, kg: item.kg, grams: item.grams, cents_per_kg: rate.cents_per_kg,
      points_per_kg: rate.points_per_kg, fund_share_bp: rate.fund_share_bp,
      co2_avoided_g: Number(divHalfUp(BigInt(rate.co2_g_per_kg) * g, 1000n)), water_saved_ml: Number(divHalfUp(BigInt(rate.water_ml_per_kg) * g, 1000n)),
    });
  }
  const gross = divHalfUp(moneyMilli, 1000n);
  const fund = divHalfUp(fundMilliBp, 10_000_000n);
  const points = divHalfUp(pointsMilli * BigInt(multiplierBp), 10_000_000n);
  const co2g = divHalfUp(co2, 1000n);
  const waterMl = divHalfUp(water, 1000n);
  return {
    lines,
    total_grams: items.reduce((s, i) => s + i.grams, 0),
    points: Number(points),
    gross_amount: Number(gross),
    fund_amount: Number(fund),
    amount: Number(gross - fund),
    impact: {
      co2_avoided_g: Number(co2g),
      water_saved_ml: Number(waterMl),
      co2_avoided_kg: decimalString(co2g, 3, 3),
      water_saved_l: decimalString(waterMl, 3, 3),
      // Trees equivalent = CO2 kg / 22 (DOMAIN.md), three decimals.
      trees_equivalent: decimalString(divHalfUp(co2g * 1000n, 22n), 6, 3),
    },
  };
}
