import { parseRetryAfter, parseSchedule, RetryPolicy } from './retry-policy';

describe('RetryPolicy', () => {
  const schedule = parseSchedule('5s,5m,30m,2h,5h,10h,10h');

  it('parses the schedule of the issue into milliseconds', () => {
    expect(schedule).toEqual([5000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(parseSchedule('50ms, 1s')).toEqual([50, 1000]);
    expect(() => parseSchedule('5x')).toThrow('bad retry schedule entry');
  });

  it('waits the scheduled time within ±20% jitter, and the delivery is dead after the last attempt', () => {
    const low = new RetryPolicy({ schedule, jitter: 0.2, retryAfterMaxMs: 3_600_000 }, () => 0);
    const high = new RetryPolicy({ schedule, jitter: 0.2, retryAfterMaxMs: 3_600_000 }, () => 0.999999);
    expect(low.maxAttempts).toBe(8);
    for (let attempt = 1; attempt <= 7; attempt += 1) {
      const lo = low.afterFailure(attempt);
      const hi = high.afterFailure(attempt);
      if (lo.kind !== 'retry' || hi.kind !== 'retry') throw new Error('expected a retry');
      expect(lo.delayMs).toBe(Math.round(schedule[attempt - 1]! * 0.8));
      expect(hi.delayMs).toBeLessThanOrEqual(Math.round(schedule[attempt - 1]! * 1.2));
      expect(hi.delayMs).toBeGreaterThan(schedule[attempt - 1]!);
    }
    expect(low.afterFailure(8)).toEqual({ kind: 'dead' });
  });

  it('respects Retry-After within its bound, but never beyond the last attempt', () => {
    const policy = new RetryPolicy({ schedule, jitter: 0.2, retryAfterMaxMs: 60_000 });
    expect(policy.afterFailure(1, 30_000)).toEqual({ kind: 'retry', delayMs: 30_000 });
    expect(policy.afterFailure(1, 86_400_000)).toEqual({ kind: 'retry', delayMs: 60_000 });
    expect(policy.afterFailure(8, 1000)).toEqual({ kind: 'dead' });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-25T10:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 10:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });
});
