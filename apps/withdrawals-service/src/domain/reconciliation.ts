// The daily reconciliation: our payouts of a day beside the provider's report of that day, matched by
// reference. Pure: the caller reads both sides and keeps the result.

import type { ProviderStatus, WithdrawalStatus } from './withdrawal-state';

/** One of our payouts that was sent to the provider (the withdrawal id is the reference). */
export interface OurPayout {
  readonly reference: string;
  readonly amount: number;
  readonly status: WithdrawalStatus;
}

/** One row of the provider's daily report. */
export interface ProviderPayout {
  readonly reference: string;
  readonly amount: number;
  readonly status: ProviderStatus;
}

export type ReconciliationOutcome = 'matched' | 'missing_at_provider' | 'missing_here' | 'amount_mismatch' | 'status_mismatch' | 'duplicate_at_provider';

export interface ReconciliationLine {
  readonly reference: string;
  readonly outcome: ReconciliationOutcome;
  readonly ours: OurPayout | null;
  readonly theirs: ProviderPayout | null;
}

export interface ReconciliationResult {
  readonly lines: readonly ReconciliationLine[];
  readonly counts: Readonly<Record<ReconciliationOutcome, number>>;
  /** True when every line matched. */
  readonly clean: boolean;
}

/**
 * Whether our status agrees with the provider's. In flight on both sides (ours processing or
 * needs_review, theirs pending or processing) agrees; a final status must be the same final status.
 */
export function statusesAgree(ours: WithdrawalStatus, theirs: ProviderStatus): boolean {
  switch (ours) {
    case 'processing':
    case 'needs_review':
      return theirs === 'pending' || theirs === 'processing';
    case 'completed':
      return theirs === 'completed';
    case 'failed':
      return theirs === 'failed';
    case 'returned':
      return theirs === 'returned';
    case 'requested':
    case 'pending':
    case 'in_review':
    case 'approved':
    case 'rejected':
    case 'cancelled':
    case 'expired':
      // Never sent: the provider should not know it at all.
      return false;
  }
}

/**
 * Compares both sides by reference. Every reference on either side gives exactly one line: matched,
 * missing on one side, amount mismatch (checked first: money matters most), status mismatch, or a
 * reference the provider reports twice. Lines are sorted by reference.
 */
export function reconcile(ours: readonly OurPayout[], theirs: readonly ProviderPayout[]): ReconciliationResult {
  const mine = new Map(ours.map((p) => [p.reference, p]));
  const providerRows = new Map<string, ProviderPayout[]>();
  for (const row of theirs) providerRows.set(row.reference, [...(providerRows.get(row.reference) ?? []), row]);
  const references = [...new Set([...mine.keys(), ...providerRows.keys()])].sort();
  const lines: ReconciliationLine[] = references.map((reference) => {
    const o = mine.get(reference) ?? null;
    const rows = providerRows.get(reference) ?? [];
    const t = rows[0] ?? null;
    let outcome: ReconciliationOutcome;
    if (rows.length > 1) outcome = 'duplicate_at_provider';
    else if (!t) outcome = 'missing_at_provider';
    else if (!o) outcome = 'missing_here';
    else if (o.amount !== t.amount) outcome = 'amount_mismatch';
    else if (!statusesAgree(o.status, t.status)) outcome = 'status_mismatch';
    else outcome = 'matched';
    return { reference, outcome, ours: o, theirs: t };
  });
  const counts: Record<ReconciliationOutcome, number> = { matched: 0, missing_at_provider: 0, missing_here: 0, amount_mismatch: 0, status_mismatch: 0, duplicate_at_provider: 0 };
  for (const l of lines) counts[l.outcome] += 1;
  return { lines, counts, clean: lines.every((l) => l.outcome === 'matched') };
}
