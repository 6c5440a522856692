/** Factors for one material: integer grams of CO2e avoided and millilitres of water saved per kg. */
export interface MaterialFactors {
  co2_g_per_kg: number;
  water_ml_per_kg: number;
}

/** A version of the impact factors, in force from `effective_from` until the next version. */
export interface ImpactFactorVersion {
  version: number;
  effective_from: string;
  source: string;
  /** Factors of every material the version does not name. */
  others: MaterialFactors;
  materials: Record<string, MaterialFactors>;
}

/** A collection line as the metrics read it. */
export interface MaterialLine {
  material: string;
  grams: number;
}

/**
 * The version in force at `at`: the newest whose effective_from is not after it. A collection older
 * than every version gets the oldest one (there is nothing better to apply). `versions` ascending.
 */
export function versionAt(versions: readonly ImpactFactorVersion[], at: Date): ImpactFactorVersion | null {
  let found: ImpactFactorVersion | null = versions[0] ?? null;
  for (const v of versions) {
    if (Date.parse(v.effective_from) <= at.getTime()) found = v;
    else break;
  }
  return found;
}

/** CO2 and water of a collection under one version, summed exactly and rounded half-up once (like the wallet). */
export function impactOf(lines: readonly MaterialLine[], version: ImpactFactorVersion): { co2_avoided_g: number; water_saved_ml: number } {
  let co2 = 0n;
  let water = 0n;
  for (const line of lines) {
    const f = Object.prototype.hasOwnProperty.call(version.materials, line.material) ? version.materials[line.material]! : version.others;
    co2 += BigInt(f.co2_g_per_kg) * BigInt(line.grams);
    water += BigInt(f.water_ml_per_kg) * BigInt(line.grams);
  }
  return { co2_avoided_g: Number(halfUp(co2, 1000n)), water_saved_ml: Number(halfUp(water, 1000n)) };
}

function halfUp(n: bigint, d: bigint): bigint {
  return (n * 2n + d) / (d * 2n);
}

/** `value / 10^scale` as a decimal string with `digits` decimals, rounded half-up (non-negative). */
export function decimal(value: bigint, scale: number, digits: number): string {
  const rounded = halfUp(value, 10n ** BigInt(scale - digits));
  const s = rounded.toString().padStart(digits + 1, '0');
  return digits === 0 ? s : `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

/** Trees equivalent = CO2 kg / 22 (DOMAIN.md), three decimals, from grams of CO2e. */
export function treesEquivalent(co2Grams: bigint): string {
  return decimal(halfUp(co2Grams * 1000n, 22n), 6, 3);
}
