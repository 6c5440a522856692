import { isUuid, uuidv7 } from './uuid';

describe('uuidv7', () => {
  it('is an RFC 9562 version 7, variant 10 UUID carrying the millisecond time', () => {
    const now = Date.UTC(2026, 10, 30, 9, 30, 0, 123);
    const id = uuidv7(now);
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect('89ab').toContain(id[19]);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
  });

  it('sorts by time and does not repeat across many draws of the random pool', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => uuidv7(1_700_000_000_000 + i));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    // The same millisecond still gives distinct ids (74 random bits each), across pool refills.
    const same = Array.from({ length: 1000 }, () => uuidv7(1_700_000_000_000));
    expect(new Set(same).size).toBe(same.length);
    // Every random hex position takes more than one value (the pool is not stuck).
    for (const pos of [16, 21, 30, 35]) expect(new Set(same.map((id) => id[pos])).size).toBeGreaterThan(4);
  });
});
