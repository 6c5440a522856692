import { impactOf, treesEquivalent, versionAt, type ImpactFactorVersion } from './impact';

const v1: ImpactFactorVersion = {
  version: 1, effective_from: '2020-01-01T00:00:00.000Z', source: 'defaults', others: { co2_g_per_kg: 500, water_ml_per_kg: 10000 },
  materials: { PET: { co2_g_per_kg: 1700, water_ml_per_kg: 30000 }, ALU_CANS: { co2_g_per_kg: 9100, water_ml_per_kg: 140000 } },
};
const v2: ImpactFactorVersion = { ...v1, version: 2, effective_from: '2026-06-01T00:00:00.000Z', materials: { PET: { co2_g_per_kg: 1500, water_ml_per_kg: 30000 } } };

describe('impact factors', () => {
  it('applies the version in force at the collection, and the others factor to unlisted materials', () => {
    expect(versionAt([v1, v2], new Date('2026-05-31T23:59:59Z'))!.version).toBe(1);
    expect(versionAt([v1, v2], new Date('2026-06-01T00:00:00Z'))!.version).toBe(2);
    expect(versionAt([v1, v2], new Date('2019-01-01T00:00:00Z'))!.version).toBe(1);
    expect(impactOf([{ material: 'PET', grams: 2500 }, { material: 'GLASS', grams: 1000 }], v1)).toEqual({ co2_avoided_g: 4750, water_saved_ml: 85000 });
    expect(impactOf([{ material: 'PET', grams: 2500 }], v2)).toEqual({ co2_avoided_g: 3750, water_saved_ml: 75000 });
  });

  it('sums exactly and rounds half-up once', () => {
    // 1 g PET = 1.7 g, 1 g of others = 0.5 g: 2.2 → 2 summed, not 2 + 1 = 3 rounded per line.
    expect(impactOf([{ material: 'PET', grams: 1 }, { material: 'X', grams: 1 }], v1).co2_avoided_g).toBe(2);
    expect(impactOf([{ material: 'X', grams: 1 }], v1).co2_avoided_g).toBe(1);
  });

  it('counts trees as CO2 kg / 22', () => {
    expect(treesEquivalent(22_000n)).toBe('1.000');
    expect(treesEquivalent(8_500n)).toBe('0.386');
  });
});
