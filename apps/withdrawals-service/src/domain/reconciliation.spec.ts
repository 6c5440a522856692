import fc from 'fast-check';
import { type OurPayout, type ProviderPayout, reconcile, statusesAgree } from './reconciliation';
import { PROVIDER_STATUSES } from './withdrawal-state';

describe('daily reconciliation', () => {
  it('sorts every reference into matched, missing on either side, amount or status mismatch', () => {
    const ours: OurPayout[] = [
      { reference: 'a', amount: 10_000, status: 'completed' },
      { reference: 'b', amount: 20_000, status: 'completed' },
      { reference: 'c', amount: 30_000, status: 'completed' },
      { reference: 'd', amount: 40_000, status: 'processing' },
      { reference: 'e', amount: 50_000, status: 'failed' },
    ];
    const theirs: ProviderPayout[] = [
      { reference: 'a', amount: 10_000, status: 'completed' },
      { reference: 'b', amount: 20_001, status: 'completed' },
      { reference: 'c', amount: 30_000, status: 'failed' },
      { reference: 'd', amount: 40_000, status: 'processing' },
      { reference: 'z', amount: 99_000, status: 'completed' },
    ];
    const r = reconcile(ours, theirs);
    expect(r.lines.map((l) => [l.reference, l.outcome])).toEqual([
      ['a', 'matched'],
      ['b', 'amount_mismatch'],
      ['c', 'status_mismatch'],
      ['d', 'matched'],
      ['e', 'missing_at_provider'],
      ['z', 'missing_here'],
    ]);
    expect(r.counts).toEqual({ matched: 2, missing_at_provider: 1, missing_here: 1, amount_mismatch: 1, status_mismatch: 1, duplicate_at_provider: 0 });
    expect(r.clean).toBe(false);
  });

  it('a reference the provider reports twice is flagged (a payout paid twice is the worst bug)', () => {
    const r = reconcile([{ reference: 'a', amount: 10_000, status: 'completed' }], [
      { reference: 'a', amount: 10_000, status: 'completed' },
      { reference: 'a', amount: 10_000, status: 'completed' },
    ]);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0].outcome).toBe('duplicate_at_provider');
  });

  it('in flight on both sides agrees; a final status must be the same; a never-sent withdrawal never agrees', () => {
    expect(statusesAgree('needs_review', 'pending')).toBe(true);
    expect(statusesAgree('processing', 'completed')).toBe(false);
    expect(statusesAgree('returned', 'returned')).toBe(true);
    for (const s of PROVIDER_STATUSES) expect(statusesAgree('approved', s)).toBe(false);
  });

  it('both sides identical is clean; every reference of either side gets exactly one line', () => {
    const payout = fc.record({ reference: fc.uuid(), amount: fc.integer({ min: 1, max: 1_000_000 }), status: fc.constantFrom('completed' as const, 'failed' as const, 'returned' as const) });
    fc.assert(
      fc.property(fc.uniqueArray(payout, { selector: (p) => p.reference, maxLength: 30 }), fc.uniqueArray(payout, { selector: (p) => p.reference, maxLength: 30 }), (a, b) => {
        expect(reconcile(a, a).clean).toBe(true);
        const r = reconcile(a, b);
        const refs = new Set([...a, ...b].map((p) => p.reference));
        expect(r.lines.map((l) => l.reference).sort()).toEqual([...refs].sort());
        expect(Object.values(r.counts).reduce((x, y) => x + y, 0)).toBe(refs.size);
      }),
    );
  });
});
