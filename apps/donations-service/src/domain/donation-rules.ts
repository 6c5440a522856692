import { createHash, createHmac } from 'node:crypto';
import type { CampaignStatus } from '@wozamali/contracts';

/**
 * The South African tax year a moment falls in, named by the calendar year it ends in: 1 March
 * 2025 to 28/29 February 2026 is `2026`. Taken in South African time (UTC+2, no DST).
 */
export function taxYearOf(at: Date): number {
  const local = new Date(at.getTime() + 2 * 3_600_000);
  const year = local.getUTCFullYear();
  return local.getUTCMonth() >= 2 ? year + 1 : year;
}

/** First and last instant (exclusive end) of a tax year, as UTC dates (SAST midnight). */
export function taxYearBounds(taxYear: number): { from: Date; to: Date } {
  return { from: new Date(Date.UTC(taxYear - 1, 2, 1) - 2 * 3_600_000), to: new Date(Date.UTC(taxYear, 2, 1) - 2 * 3_600_000) };
}

/** `WM-2026-000123`: the tax year and the gap-free sequence within it. */
export function receiptNumber(taxYear: number, seq: number): string {
  return `WM-${taxYear}-${String(seq).padStart(6, '0')}`;
}

/** Bonus points for a money donation: `perRand` points per whole R1 (100 cents) given. */
export function bonusPoints(amountCents: number, perRand: number): number {
  return Math.floor(amountCents / 100) * perRand;
}

/** A donor's stable pseudonym: the same for every donation of theirs, not reversible without the key. */
export function donorRef(secret: string, userId: string): string {
  return `donor_${createHmac('sha256', secret).update(userId.toLowerCase()).digest('base64url').slice(0, 22)}`;
}

/**
 * The donation id of a request: derived from who asked and their Idempotency-Key, so a retry after
 * a crash (whose transaction, key row included, rolled back) makes the same wallet call with the
 * same key instead of a second transfer.
 */
export function donationIdFor(scope: string, idempotencyKey: string): string {
  const h = createHash('sha256').update(`donation\n${scope}\n${idempotencyKey}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x80; // version 8 (custom), RFC 9562
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The status changes an admin may make: draft → active → completed | cancelled (a draft may be cancelled too). */
export function canMove(from: CampaignStatus, to: CampaignStatus): boolean {
  if (from === to) return true;
  switch (from) {
    case 'draft':
      return to === 'active' || to === 'cancelled';
    case 'active':
      return to === 'completed' || to === 'cancelled';
    case 'completed':
    case 'cancelled':
      return false;
  }
}

/** Percentage of a target reached, capped at 100 (the real totals are reported beside it); null without a target. */
export function percentOf(raised: number, target: number | null): number | null {
  if (target === null) return null;
  return Math.min(100, Math.floor((raised * 100) / target));
}

/** Whole days left until `endsAt` (0 once passed); null when open-ended. */
export function daysLeft(endsAt: Date | null, now: Date): number | null {
  if (!endsAt) return null;
  return Math.max(0, Math.ceil((endsAt.getTime() - now.getTime()) / 86_400_000));
}

/** Every target the campaign has is met (a campaign without any target is never met). */
export function targetsMet(targets: { amount: number | null; points: number | null }, raised: { amount: number; points: number }): boolean {
  if (targets.amount === null && targets.points === null) return false;
  return (targets.amount === null || raised.amount >= targets.amount) && (targets.points === null || raised.points >= targets.points);
}
