import type { WalletInternalTransferKind } from '@wozamali/contracts';
import type { Asset, OwnerType } from './ledger.types';
import type { Leg } from './postings';

/** A leg's shape: from which kind of account to which, in which asset. */
export type LegShape = `${OwnerType}->${OwnerType}:${Asset}`;

interface KindRule {
  kind: WalletInternalTransferKind;
  /** The leg shapes a transfer of this kind may have. */
  legs: readonly LegShape[];
  /**
   * Legs that may appear only beside one of the given shapes: money or points paid by the platform
   * only as the other side of the caller's own business (a cashback beside the points it costs, a
   * donation bonus beside the donation, a bonus clawback beside the refund).
   */
  onlyBeside?: Partial<Record<LegShape, readonly LegShape[]>>;
}

interface CallerPolicy {
  transfers: readonly KindRule[];
  /** May reverse transfers it made itself (never anyone else's). */
  reversesOwn: boolean;
}

/**
 * What each internal caller may do with `POST /internal/v1/transfers` and reversals: the kinds and
 * leg shapes its flows need, nothing else ("may do only what its caller needs"). The route table
 * (config/callers.ts) decides who reaches the route; this decides what it may move there.
 *
 * | caller              | kind       | legs                                                                     |
 * |---------------------|------------|--------------------------------------------------------------------------|
 * | rewards-service     | `redeem`   | user → reward sink (points); platform → user (money, a cashback, only beside the points it costs) |
 * | donations-service   | `donate`   | user → campaign (money, points); platform → user (bonus points, only beside a donation) |
 * | donations-service   | `transfer` | campaign → user (a refund); user → platform (bonus points clawed back, only beside a refund); campaign → campaign (a redirect); campaign → payout clearing (a disbursement) |
 * | withdrawals-service | `transfer` | payout clearing → user (money of a returned payout)                      |
 */
export const TRANSFER_POLICY: Readonly<Record<string, CallerPolicy>> = {
  'rewards-service': {
    transfers: [{ kind: 'redeem', legs: ['user->reward_sink:POINTS', 'platform->user:ZAR'], onlyBeside: { 'platform->user:ZAR': ['user->reward_sink:POINTS'] } }],
    reversesOwn: true,
  },
  'donations-service': {
    transfers: [
      {
        kind: 'donate',
        legs: ['user->campaign:ZAR', 'user->campaign:POINTS', 'platform->user:POINTS'],
        onlyBeside: { 'platform->user:POINTS': ['user->campaign:ZAR', 'user->campaign:POINTS'] },
      },
      {
        kind: 'transfer',
        legs: ['campaign->user:ZAR', 'campaign->user:POINTS', 'user->platform:POINTS', 'campaign->campaign:ZAR', 'campaign->campaign:POINTS', 'campaign->payout_clearing:ZAR'],
        onlyBeside: { 'user->platform:POINTS': ['campaign->user:ZAR', 'campaign->user:POINTS'] },
      },
    ],
    reversesOwn: true,
  },
  'withdrawals-service': {
    transfers: [{ kind: 'transfer', legs: ['payout_clearing->user:ZAR'] }],
    reversesOwn: false,
  },
};

export const shapeOf = (leg: Leg): LegShape => `${leg.from.type}->${leg.to.type}:${leg.asset}`;

/** Why `caller` may not make this transfer, or null when it may. */
export function transferRefusal(caller: string, kind: WalletInternalTransferKind, legs: readonly Leg[]): string | null {
  const policy = TRANSFER_POLICY[caller];
  if (!policy) return `${caller} may not make ledger transfers`;
  const rule = policy.transfers.find((r) => r.kind === kind);
  if (!rule) return `${caller} may not make ${kind} transfers (it may make: ${policy.transfers.map((r) => r.kind).join(', ')})`;
  const shapes = legs.map(shapeOf);
  const stray = shapes.find((s) => !rule.legs.includes(s));
  if (stray) return `${caller} may not move ${stray} in a ${kind} transfer`;
  for (const s of shapes) {
    const beside = rule.onlyBeside?.[s];
    if (beside && !shapes.some((other) => beside.includes(other))) return `${s} only beside ${beside.join(' or ')} in a ${kind} transfer of ${caller}`;
  }
  return null;
}

/** Why `caller` may not reverse a transfer made by `madeBy`, or null when it may. */
export function reversalRefusal(caller: string, madeBy: string | null): string | null {
  const policy = TRANSFER_POLICY[caller];
  if (!policy?.reversesOwn) return `${caller} may not reverse ledger transfers`;
  if (madeBy !== caller) return `${caller} may reverse only the transfers it made`;
  return null;
}
