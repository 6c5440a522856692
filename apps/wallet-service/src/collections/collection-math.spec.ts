import { computeCollection, decimalString, divHalfUp, kgToGrams } from './collection-math';
import type { RateCardLine } from '../ledger/catalog.service';

const line = (code: string, cents: number, points: number, fundBp = 0): RateCardLine => ({
  code, name: code, cents_per_kg: cents, points_per_kg: points, fund_share_bp: fundBp, co2_g_per_kg: 1700, water_ml_per_kg: 30000,
});

describe('collection math', () => {
  it('parses kg decimal strings into exact grams and rejects anything else', () => {
    expect(kgToGrams('5')).toBe(5000);
    expect(kgToGrams('2.375')).toBe(2375);
    expect(kgToGrams('0.1')).toBe(100);
    expect(kgToGrams('0.001')).toBe(1);
    expect(kgToGrams('1.2345')).toBeNull();
    expect(kgToGrams('-1')).toBeNull();
    expect(kgToGrams('1e3')).toBeNull();
    expect(kgToGrams('')).toBeNull();
  });

  it('rounds half up once', () => {
    expect(divHalfUp(5n, 2n)).toBe(3n);
    expect(divHalfUp(4n, 2n)).toBe(2n);
    expect(divHalfUp(1499n, 1000n)).toBe(1n);
    expect(divHalfUp(1500n, 1000n)).toBe(2n);
    expect(decimalString(1234n, 3, 3)).toBe('1.234');
    expect(decimalString(5n, 3, 3)).toBe('0.005');
  });

  it("holds the seed's example: 5 kg of plastic at 10 points/kg and 50 cents/kg is 50 points and R2.50", () => {
    const r = computeCollection([{ material: 'PLASTIC', grams: 5000, kg: '5' }], new Map([['PLASTIC', line('PLASTIC', 50, 10)]]), 10_000);
    expect(r).toMatchObject({ points: 50, gross_amount: 250, fund_amount: 0, amount: 250, total_grams: 5000 });
  });

  it('rounds the total once, not each line: three lines of 1.333 c each make 4 c, not 3', () => {
    const card = new Map([['A', line('A', 1333, 0)]]);
    const r = computeCollection([{ material: 'A', grams: 1, kg: '0.001' }, { material: 'A', grams: 1, kg: '0.001' }, { material: 'A', grams: 1, kg: '0.001' }], card, 10_000);
    expect(r.gross_amount).toBe(4); // 3 × 1.333 = 3.999 → 4
  });

  it('sends the fund share of PET to the fund and keeps gross = resident + fund to the cent', () => {
    const card = new Map([['PET', line('PET', 150, 10, 10_000)], ['GLASS', line('GLASS', 120, 10, 0)]]);
    const r = computeCollection([{ material: 'PET', grams: 2333, kg: '2.333' }, { material: 'GLASS', grams: 1000, kg: '1' }], card, 10_000);
    expect(r.fund_amount).toBe(350); // 2.333 × 150 = 349.95 → 350
    expect(r.gross_amount).toBe(470); // 349.95 + 120 = 469.95 → 470
    expect(r.amount).toBe(120);
    expect(r.amount + r.fund_amount).toBe(r.gross_amount);
  });

  it('applies the tier multiplier to points only', () => {
    const card = new Map([['A', line('A', 100, 10)]]);
    const silver = computeCollection([{ material: 'A', grams: 5000, kg: '5' }], card, 11_000);
    expect(silver.points).toBe(55);
    expect(silver.gross_amount).toBe(500);
    const platinum = computeCollection([{ material: 'A', grams: 333, kg: '0.333' }], card, 15_000);
    expect(platinum.points).toBe(5); // 3.33 × 1.5 = 4.995 → 5
  });

  it('reports environmental impact without floats', () => {
    const r = computeCollection([{ material: 'PET', grams: 5000, kg: '5' }], new Map([['PET', line('PET', 150, 10)]]), 10_000);
    expect(r.impact).toEqual({ co2_avoided_g: 8500, water_saved_ml: 150000, co2_avoided_kg: '8.500', water_saved_l: '150.000', trees_equivalent: '0.386' });
  });
});
