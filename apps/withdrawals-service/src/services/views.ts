import type { HistoryRow, WithdrawalRow } from '../repositories/withdrawal.repository';

/** A withdrawal as answered: the destination only masked, never in clear. */
export interface WithdrawalView {
  id: string;
  user_id: string;
  amount: number;
  currency: string;
  method: string;
  status: string;
  destination: Record<string, string>;
  hold_id: string | null;
  approvals: string[];
  failure_code: string | null;
  requested_by: string;
  created_at: string;
  updated_at: string;
}

export interface HistoryView {
  from: string | null;
  to: string;
  action: string;
  actor: string;
  note: string | null;
  reason: string | null;
  transfer_id: string | null;
  at: string;
}

export function view(row: WithdrawalRow): WithdrawalView {
  return {
    id: row.id,
    user_id: row.user_id,
    amount: Number(row.amount),
    currency: row.currency,
    method: row.method,
    status: row.status,
    destination: row.destination_masked,
    hold_id: row.hold_id,
    approvals: row.approvals,
    failure_code: row.failure_code,
    requested_by: row.requested_by,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function historyView(h: HistoryRow): HistoryView {
  return { from: h.from_status, to: h.to_status, action: h.action, actor: h.actor, note: h.note, reason: h.reason, transfer_id: h.transfer_id, at: h.at.toISOString() };
}
