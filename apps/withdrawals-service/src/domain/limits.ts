// Withdrawal limits as data (DOMAIN.md defaults; an admin edits them) and the pure check of one request
// against a user's totals for the day. The repository computes the totals under a lock on the user;
// this decides. Amounts are integer cents.

import type { WithdrawalStatus } from './withdrawal-state';

/** The limits in force. Every amount in ZAR cents. */
export interface WithdrawalLimits {
  /** Smallest amount one request may ask for (default R50). */
  readonly min_amount: number;
  /** Largest amount one request may ask for (default R5,000). */
  readonly max_amount: number;
  /** Most a user may request in one local day (default R10,000). */
  readonly daily_amount: number;
  /** Most requests a user may make in one local day (default 3). */
  readonly daily_count: number;
  /** Most open requests a user may have at once (default 1). */
  readonly max_open: number;
  /** After a destination is new or changed, requests to it go to review for this long (default 24 h). */
  readonly cooling_off_hours: number;
  /** The IANA zone whose calendar days the daily limits count in (default Africa/Johannesburg). */
  readonly time_zone: string;
}

export const DEFAULT_LIMITS: WithdrawalLimits = Object.freeze({
  min_amount: 5_000,
  max_amount: 500_000,
  daily_amount: 1_000_000,
  daily_count: 3,
  max_open: 1,
  cooling_off_hours: 24,
  time_zone: 'Africa/Johannesburg',
});

/**
 * Requests that ended without money leaving do not use up the daily amount. Every request made that
 * day counts toward the daily number of requests, whatever became of it (so cancelling and asking
 * again is not a way around the count).
 */
export const NOT_COUNTED_IN_DAILY_AMOUNT: readonly WithdrawalStatus[] = ['failed', 'rejected', 'cancelled', 'expired'];

/** A user's totals the check needs, read in the same transaction as the insert. */
export interface UserWithdrawalTotals {
  /** Sum of the amounts of that day's requests, without those in {@link NOT_COUNTED_IN_DAILY_AMOUNT}. */
  readonly day_amount: number;
  /** How many requests the user made that day. */
  readonly day_count: number;
  /** How many of the user's requests are open (withdrawal-state's OPEN_STATUSES). */
  readonly open_count: number;
}

export interface DestinationHistory {
  /**
   * When this user's current destination for the method was first seen as it is now (new, or changed
   * to this), or null when this request brings it for the first time.
   */
  readonly destination_since: Date | null;
}

export type LimitRefusal = 'invalid_amount' | 'below_minimum' | 'above_maximum' | 'daily_limit_exceeded' | 'open_withdrawal_exists';

export type LimitCheck =
  | { ok: true; status: 'pending' | 'in_review' }
  | { ok: false; code: LimitRefusal; limit?: 'amount' | 'count'; allowed?: number };

/**
 * Checks one request of `amount` cents: the per-request bounds first, then one open request, then the
 * day's amount and number. On success says where it goes: straight to the queue (`pending`) or to
 * review (`in_review`) during the cooling-off of a new or changed destination.
 */
export function checkWithdrawalRequest(limits: WithdrawalLimits, amount: number, totals: UserWithdrawalTotals, destination: DestinationHistory, now: Date): LimitCheck {
  if (!Number.isSafeInteger(amount) || amount <= 0) return { ok: false, code: 'invalid_amount' };
  if (amount < limits.min_amount) return { ok: false, code: 'below_minimum', allowed: limits.min_amount };
  if (amount > limits.max_amount) return { ok: false, code: 'above_maximum', allowed: limits.max_amount };
  if (totals.open_count >= limits.max_open) return { ok: false, code: 'open_withdrawal_exists' };
  if (totals.day_count >= limits.daily_count) return { ok: false, code: 'daily_limit_exceeded', limit: 'count', allowed: limits.daily_count };
  if (totals.day_amount + amount > limits.daily_amount) {
    return { ok: false, code: 'daily_limit_exceeded', limit: 'amount', allowed: Math.max(0, limits.daily_amount - totals.day_amount) };
  }
  return { ok: true, status: inCoolingOff(limits, destination, now) ? 'in_review' : 'pending' };
}

/** Whether a request to this destination falls in the cooling-off after it became new or changed. */
export function inCoolingOff(limits: WithdrawalLimits, destination: DestinationHistory, now: Date): boolean {
  if (limits.cooling_off_hours <= 0) return false;
  if (destination.destination_since === null) return true;
  return now.getTime() - destination.destination_since.getTime() < limits.cooling_off_hours * 3_600_000;
}

/** A problem with a limits document an admin sent: the field and why. */
export interface LimitsProblem {
  readonly field: keyof WithdrawalLimits;
  readonly message: string;
}

/** Checks a complete limits document (for `PUT /v1/withdrawals/limits`): integers, sensible order, a zone Intl knows. */
export function validateLimits(limits: WithdrawalLimits): LimitsProblem[] {
  const problems: LimitsProblem[] = [];
  const int = (field: keyof WithdrawalLimits, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    const v = limits[field];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) problems.push({ field, message: `must be an integer from ${min} to ${max}` });
  };
  int('min_amount', 1);
  int('max_amount', 1);
  int('daily_amount', 1);
  int('daily_count', 1, 1000);
  int('max_open', 1, 100);
  int('cooling_off_hours', 0, 24 * 365);
  if (problems.length === 0) {
    if (limits.min_amount > limits.max_amount) problems.push({ field: 'min_amount', message: 'must not exceed max_amount' });
    if (limits.max_amount > limits.daily_amount) problems.push({ field: 'max_amount', message: 'must not exceed daily_amount' });
  }
  if (!isTimeZone(limits.time_zone)) problems.push({ field: 'time_zone', message: 'must be an IANA time zone' });
  return problems;
}

function isTimeZone(zone: unknown): boolean {
  if (typeof zone !== 'string' || zone.length === 0 || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Local days. Johannesburg has no DST (UTC+2 all year), but the zone is data, so the arithmetic asks Intl.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock fields of `instant` in `timeZone`. */
function wallClock(instant: Date, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second };
}

/** The zone's offset from UTC at `instant`, in ms (Johannesburg: +7,200,000). */
export function zoneOffsetMs(instant: Date, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The local calendar day of `instant` in `timeZone`, as `YYYY-MM-DD`. */
export function localDay(instant: Date, timeZone: string): string {
  const w = wallClock(instant, timeZone);
  return `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

/** The instants `[start, end)` of local day `day` (`YYYY-MM-DD`) in `timeZone`: for a range query on created_at. */
export function dayBounds(day: string, timeZone: string): { start: Date; end: Date } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new RangeError(`not a day: ${day}`);
  const midnight = (y: number, mo: number, d: number): Date => {
    const guess = Date.UTC(y, mo - 1, d);
    // Two passes settle the offset even where it changes near midnight.
    let t = guess - zoneOffsetMs(new Date(guess), timeZone);
    t = guess - zoneOffsetMs(new Date(t), timeZone);
    return new Date(t);
  };
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const next = new Date(Date.UTC(y, mo - 1, d + 1));
  return { start: midnight(y, mo, d), end: midnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()) };
}
