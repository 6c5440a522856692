import fc from 'fast-check';
import { checkWithdrawalRequest, dayBounds, DEFAULT_LIMITS, inCoolingOff, localDay, validateLimits, zoneOffsetMs, type UserWithdrawalTotals, type WithdrawalLimits } from './limits';

const now = new Date('2026-11-30T10:00:00Z');
const none: UserWithdrawalTotals = { day_amount: 0, day_count: 0, open_count: 0 };
const known = { destination_since: new Date('2026-11-01T00:00:00Z') };

describe('withdrawal limits', () => {
  it('the defaults are DOMAIN.md\'s: R50 to R5,000 a request, R10,000 and 3 requests a Johannesburg day, one open, 24 h cooling-off', () => {
    expect(DEFAULT_LIMITS).toEqual({ min_amount: 5_000, max_amount: 500_000, daily_amount: 1_000_000, daily_count: 3, max_open: 1, cooling_off_hours: 24, time_zone: 'Africa/Johannesburg' });
    expect(validateLimits(DEFAULT_LIMITS)).toEqual([]);
  });

  it('an amount below R50 or above R5,000 is refused with its code; the bounds themselves are allowed', () => {
    expect(checkWithdrawalRequest(DEFAULT_LIMITS, 4_999, none, known, now)).toMatchObject({ ok: false, code: 'below_minimum', allowed: 5_000 });
    expect(checkWithdrawalRequest(DEFAULT_LIMITS, 5_000, none, known, now)).toEqual({ ok: true, status: 'pending' });
    expect(checkWithdrawalRequest(DEFAULT_LIMITS, 500_000, none, known, now)).toEqual({ ok: true, status: 'pending' });
    expect(checkWithdrawalRequest(DEFAULT_LIMITS, 500_001, none, known, now)).toMatchObject({ ok: false, code: 'above_maximum', allowed: 500_000 });
  });

  it('an amount that is not a positive whole number of cents is refused', () => {
    for (const bad of [0, -5_000, 5_000.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(checkWithdrawalRequest(DEFAULT_LIMITS, bad, none, known, now)).toMatchObject({ ok: false, code: 'invalid_amount' });
    }
  });

  it('a second open request is refused with open_withdrawal_exists', () => {
    expect(checkWithdrawalRequest(DEFAULT_LIMITS, 10_000, { ...none, open_count: 1 }, known, now)).toEqual({ ok: false, code: 'open_withdrawal_exists' });
  });

  it('the day\'s amount may reach R10,000 exactly, never more', () => {
    expect(checkWithdrawalRequest(DEFAULT_LIMITS, 500_000, { ...none, day_amount: 500_000, day_count: 1 }, known, now)).toEqual({ ok: true, status: 'pending' });
    expect(checkWithdrawalRequest(DEFAULT_LIMITS, 5_000, { ...none, day_amount: 1_000_000, day_count: 2 }, known, now)).toEqual({ ok: false, code: 'daily_limit_exceeded', limit: 'amount', allowed: 0 });
    expect(checkWithdrawalRequest(DEFAULT_LIMITS, 300_000, { ...none, day_amount: 800_000, day_count: 2 }, known, now)).toEqual({ ok: false, code: 'daily_limit_exceeded', limit: 'amount', allowed: 200_000 });
  });

  it('a fourth request in a day is refused', () => {
    expect(checkWithdrawalRequest(DEFAULT_LIMITS, 5_000, { ...none, day_count: 3, day_amount: 15_000 }, known, now)).toEqual({ ok: false, code: 'daily_limit_exceeded', limit: 'count', allowed: 3 });
  });

  it('whatever the totals, an accepted request keeps the user within every limit', () => {
    const limits = fc.record({
      min_amount: fc.integer({ min: 1, max: 10_000 }),
      max_amount: fc.integer({ min: 10_000, max: 1_000_000 }),
      daily_amount: fc.integer({ min: 1_000_000, max: 5_000_000 }),
      daily_count: fc.integer({ min: 1, max: 10 }),
      max_open: fc.integer({ min: 1, max: 3 }),
      cooling_off_hours: fc.integer({ min: 0, max: 72 }),
      time_zone: fc.constant('Africa/Johannesburg'),
    });
    const totals = fc.record({ day_amount: fc.integer({ min: 0, max: 6_000_000 }), day_count: fc.integer({ min: 0, max: 12 }), open_count: fc.integer({ min: 0, max: 4 }) });
    fc.assert(
      fc.property(limits, fc.integer({ min: -10, max: 2_000_000 }), totals, (l: WithdrawalLimits, amount, t) => {
        const r = checkWithdrawalRequest(l, amount, t, known, now);
        if (r.ok) {
          expect(amount).toBeGreaterThanOrEqual(l.min_amount);
          expect(amount).toBeLessThanOrEqual(l.max_amount);
          expect(t.day_amount + amount).toBeLessThanOrEqual(l.daily_amount);
          expect(t.day_count + 1).toBeLessThanOrEqual(l.daily_count);
          expect(t.open_count + 1).toBeLessThanOrEqual(l.max_open);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a destination new or changed within 24 h sends the request to review; an older one to the queue', () => {
    expect(checkWithdrawalRequest(DEFAULT_LIMITS, 10_000, none, { destination_since: null }, now)).toEqual({ ok: true, status: 'in_review' });
    expect(checkWithdrawalRequest(DEFAULT_LIMITS, 10_000, none, { destination_since: new Date('2026-11-29T10:00:01Z') }, now)).toEqual({ ok: true, status: 'in_review' });
    expect(checkWithdrawalRequest(DEFAULT_LIMITS, 10_000, none, { destination_since: new Date('2026-11-29T10:00:00Z') }, now)).toEqual({ ok: true, status: 'pending' });
    expect(inCoolingOff({ ...DEFAULT_LIMITS, cooling_off_hours: 0 }, { destination_since: null }, now)).toBe(false);
  });

  it('limits an admin sends are checked: whole numbers, min ≤ max ≤ daily, a real time zone', () => {
    expect(validateLimits({ ...DEFAULT_LIMITS, min_amount: 600_000 })).toEqual([{ field: 'min_amount', message: 'must not exceed max_amount' }]);
    expect(validateLimits({ ...DEFAULT_LIMITS, max_amount: 2_000_000 })).toEqual([{ field: 'max_amount', message: 'must not exceed daily_amount' }]);
    expect(validateLimits({ ...DEFAULT_LIMITS, daily_count: 0 }).map((p) => p.field)).toEqual(['daily_count']);
    expect(validateLimits({ ...DEFAULT_LIMITS, min_amount: 50.5 }).map((p) => p.field)).toEqual(['min_amount']);
    expect(validateLimits({ ...DEFAULT_LIMITS, time_zone: 'Africa/Nowhere' }).map((p) => p.field)).toEqual(['time_zone']);
    expect(validateLimits({ ...DEFAULT_LIMITS, time_zone: 'Europe/London' })).toEqual([]);
  });
});

describe('Johannesburg days', () => {
  const zone = 'Africa/Johannesburg';

  it('Johannesburg is UTC+2 all year', () => {
    expect(zoneOffsetMs(new Date('2026-01-15T12:00:00Z'), zone)).toBe(7_200_000);
    expect(zoneOffsetMs(new Date('2026-07-15T12:00:00Z'), zone)).toBe(7_200_000);
  });

  it('the day turns at 22:00 UTC', () => {
    expect(localDay(new Date('2026-11-30T21:59:59.999Z'), zone)).toBe('2026-11-30');
    expect(localDay(new Date('2026-11-30T22:00:00.000Z'), zone)).toBe('2026-12-01');
    expect(localDay(new Date('2026-12-31T22:30:00Z'), zone)).toBe('2027-01-01');
  });

  it('a day\'s bounds run from local midnight to the next', () => {
    expect(dayBounds('2026-12-01', zone)).toEqual({ start: new Date('2026-11-30T22:00:00Z'), end: new Date('2026-12-01T22:00:00Z') });
    expect(dayBounds('2026-12-31', zone)).toEqual({ start: new Date('2026-12-30T22:00:00Z'), end: new Date('2026-12-31T22:00:00Z') });
  });

  it('the zone is data: a zone with DST gets 23- and 25-hour days', () => {
    const spring = dayBounds('2026-03-29', 'Europe/London');
    expect(spring.end.getTime() - spring.start.getTime()).toBe(23 * 3_600_000);
    const autumn = dayBounds('2026-10-25', 'Europe/London');
    expect(autumn.end.getTime() - autumn.start.getTime()).toBe(25 * 3_600_000);
  });

  it('every instant falls within the bounds of its own local day', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }), fc.constantFrom(zone, 'Europe/London', 'America/New_York', 'UTC'), (ms, tz) => {
        const instant = new Date(ms);
        const { start, end } = dayBounds(localDay(instant, tz), tz);
        expect(start.getTime()).toBeLessThanOrEqual(ms);
        expect(ms).toBeLessThan(end.getTime());
        expect(localDay(start, tz)).toBe(localDay(instant, tz));
      }),
      { numRuns: 300 },
    );
  });

  it('a malformed day is refused', () => {
    expect(() => dayBounds('2026-1-1', zone)).toThrow(RangeError);
  });
});
