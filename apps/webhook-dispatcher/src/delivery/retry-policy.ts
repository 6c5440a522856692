const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Parses `5s,5m,30m,2h` into milliseconds. */
export function parseSchedule(text: string): number[] {
  return text.split(',').map((part) => {
    const m = /^\s*(\d+)(ms|s|m|h)\s*$/.exec(part);
    if (!m) throw new Error(`bad retry schedule entry "${part}"`);
    return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  });
}

export interface RetryPolicyOptions {
  /** Waits before the 2nd, 3rd, … attempt; the first attempt is immediate. */
  schedule: number[];
  /** ± fraction of jitter on each wait. */
  jitter: number;
  /** Upper bound on a receiver's Retry-After. */
  retryAfterMaxMs: number;
}

/** What to do after a failed attempt: wait `delayMs` and try again, or give up (dead). */
export type RetryDecision = { kind: 'retry'; delayMs: number } | { kind: 'dead' };

export class RetryPolicy {
  constructor(private readonly opts: RetryPolicyOptions, private readonly random: () => number = Math.random) {}

  /** Attempts in one cycle: the immediate one plus one per schedule entry. */
  get maxAttempts(): number {
    return this.opts.schedule.length + 1;
  }

  /**
   * After the `attemptInCycle`-th attempt (1-based) failed. A valid Retry-After (429/503) replaces
   * the scheduled wait, bounded by `retryAfterMaxMs`; it never grants attempts beyond the schedule.
   */
  afterFailure(attemptInCycle: number, retryAfterMs: number | null = null): RetryDecision {
    if (attemptInCycle >= this.maxAttempts) return { kind: 'dead' };
    if (retryAfterMs !== null) return { kind: 'retry', delayMs: Math.min(Math.max(retryAfterMs, 0), this.opts.retryAfterMaxMs) };
    const base = this.opts.schedule[attemptInCycle - 1]!;
    const factor = 1 + this.opts.jitter * (2 * this.random() - 1);
    return { kind: 'retry', delayMs: Math.round(base * factor) };
  }
}

/** `Retry-After` as delay-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
