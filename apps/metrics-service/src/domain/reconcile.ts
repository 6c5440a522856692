import type { WalletLedgerUserDay } from '@wozamali/contracts';

export type Asset = 'ZAR' | 'POINTS';
export const RECONCILED_FIGURES = ['earned', 'spent', 'donated', 'withdrawn'] as const;
export type ReconciledFigure = (typeof RECONCILED_FIGURES)[number];

/** A user's day in the metrics, per asset, in the ledger's terms. */
export type MetricsUserDay = WalletLedgerUserDay;

/** One figure that differs: what the metrics say and what the ledger says. */
export interface Difference {
  user_id: string;
  asset: Asset;
  figure: ReconciledFigure;
  metrics: number;
  ledger: number;
}

/** The metrics' user row of a day as the ledger's per-asset movements. */
export function metricsSide(row: {
  user_id: string; money_earned: number; money_spent: number; points_earned: number; points_spent: number; donated_money: number; donated_points: number; withdrawn_money: number;
}): MetricsUserDay[] {
  const n = Number;
  return [
    { user_id: row.user_id, asset: 'ZAR', earned: n(row.money_earned), spent: n(row.money_spent), donated: n(row.donated_money), withdrawn: n(row.withdrawn_money) },
    { user_id: row.user_id, asset: 'POINTS', earned: n(row.points_earned), spent: n(row.points_spent), donated: n(row.donated_points), withdrawn: 0 },
  ];
}

/**
 * Every (user, asset, figure) where the metrics and the ledger disagree; a side with no row counts
 * as zeros (a user the metrics never heard of, or figures the ledger does not have). Sorted.
 */
export function reconcile(metrics: readonly MetricsUserDay[], ledger: readonly WalletLedgerUserDay[]): Difference[] {
  const key = (r: { user_id: string; asset: string }) => `${r.user_id.toLowerCase()} ${r.asset}`;
  const m = new Map(metrics.map((r) => [key(r), r]));
  const l = new Map(ledger.map((r) => [key(r), r]));
  const out: Difference[] = [];
  for (const k of [...new Set([...m.keys(), ...l.keys()])].sort()) {
    const [user_id, asset] = k.split(' ') as [string, Asset];
    for (const figure of RECONCILED_FIGURES) {
      const a = m.get(k)?.[figure] ?? 0;
      const b = l.get(k)?.[figure] ?? 0;
      if (a !== b) out.push({ user_id, asset, figure, metrics: a, ledger: b });
    }
  }
  return out;
}
