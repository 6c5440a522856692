import { bonusPoints, canMove, daysLeft, donationIdFor, donorRef, percentOf, receiptNumber, targetsMet, taxYearBounds, taxYearOf } from './donation-rules';

describe('donation rules', () => {
  it('a tax year runs from 1 March to the end of February (SAST) and is named by the year it ends in', () => {
    expect(taxYearOf(new Date('2026-02-28T21:59:59Z'))).toBe(2026);
    expect(taxYearOf(new Date('2026-02-28T22:00:00Z'))).toBe(2027); // 1 March 00:00 SAST
    expect(taxYearOf(new Date('2025-03-01T12:00:00Z'))).toBe(2026);
    expect(taxYearOf(new Date('2024-02-29T12:00:00Z'))).toBe(2024);
    const { from, to } = taxYearBounds(2026);
    expect(taxYearOf(from)).toBe(2026);
    expect(taxYearOf(new Date(to.getTime() - 1))).toBe(2026);
    expect(taxYearOf(to)).toBe(2027);
  });

  it('receipt numbers carry the tax year and a six-digit sequence', () => {
    expect(receiptNumber(2026, 123)).toBe('WM-2026-000123');
    expect(receiptNumber(2027, 1_000_000)).toBe('WM-2027-1000000');
  });

  it('earns one bonus point per whole rand by default', () => {
    expect(bonusPoints(0, 1)).toBe(0);
    expect(bonusPoints(199, 1)).toBe(1);
    expect(bonusPoints(10_000, 1)).toBe(100);
    expect(bonusPoints(10_000, 2)).toBe(200);
  });

  it('a donor reference is stable per donor, differs between donors and does not contain the user id', () => {
    const a = donorRef('secret-secret-secret', '0190f6b0-0000-7000-8000-000000000001');
    expect(donorRef('secret-secret-secret', '0190F6B0-0000-7000-8000-000000000001')).toBe(a);
    expect(donorRef('secret-secret-secret', '0190f6b0-0000-7000-8000-000000000002')).not.toBe(a);
    expect(a).not.toContain('0190f6b0');
  });

  it('the donation id is a UUID fixed by the caller and key', () => {
    const id = donationIdFor('user-1', 'key-1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(donationIdFor('user-1', 'key-1')).toBe(id);
    expect(donationIdFor('user-2', 'key-1')).not.toBe(id);
  });

  it('a campaign moves draft → active → completed | cancelled and never back', () => {
    expect(canMove('draft', 'active')).toBe(true);
    expect(canMove('active', 'completed')).toBe(true);
    expect(canMove('active', 'cancelled')).toBe(true);
    expect(canMove('active', 'draft')).toBe(false);
    expect(canMove('completed', 'active')).toBe(false);
    expect(canMove('cancelled', 'active')).toBe(false);
    expect(canMove('draft', 'completed')).toBe(false);
  });

  it('progress is capped at 100 % with the real totals beside it; days left never negative', () => {
    expect(percentOf(150, 100)).toBe(100);
    expect(percentOf(99, 100)).toBe(99);
    expect(percentOf(5, null)).toBeNull();
    const now = new Date('2026-01-01T00:00:00Z');
    expect(daysLeft(new Date('2026-01-03T00:00:00Z'), now)).toBe(2);
    expect(daysLeft(new Date('2025-12-01T00:00:00Z'), now)).toBe(0);
    expect(daysLeft(null, now)).toBeNull();
  });

  it('a campaign completes on targets only when every target it has is met', () => {
    expect(targetsMet({ amount: 100, points: null }, { amount: 100, points: 0 })).toBe(true);
    expect(targetsMet({ amount: 100, points: 50 }, { amount: 100, points: 49 })).toBe(false);
    expect(targetsMet({ amount: null, points: null }, { amount: 1e9, points: 1e9 })).toBe(false);
  });
});
