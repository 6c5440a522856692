import { Injectable } from '@nestjs/common';
import type { DisbursementStatus, WalletMultiLegTransferRequest } from '@wozamali/contracts';
import { DataSource, type EntityManager } from 'typeorm';

export interface Disbursement {
  id: string;
  campaign_id: string;
  beneficiary: string;
  amount: number;
  currency: string;
  reference: string | null;
  status: DisbursementStatus;
  requested_by: string;
  rejected_by: string | null;
  reason: string | null;
  wallet_request: WalletMultiLegTransferRequest | null;
  transfer_id: string | null;
  method: string | null;
  destination_masked: Record<string, string> | null;
  payout_released_at: Date | null;
  payout_status: string | null;
  failure_code: string | null;
  credit_back_due: boolean;
  credit_back_transfer_id: string | null;
  attempts: number;
  next_check_at: Date | null;
  settled_at: Date | null;
  /** When the payout registration of a rejected (or move-refused) disbursement was cancelled, so it can never be paid. */
  payout_cancelled_at: Date | null;
  /** The person who last sent a payout in `needs_review` back to the payout worker, their note, and when. */
  payout_retried_by: string | null;
  payout_retry_note: string | null;
  payout_retried_at: Date | null;
  created_at: Date;
  updated_at: Date;
  approvers: string[];
}

type Row = Omit<Disbursement, 'amount' | 'approvers'> & { amount: string; approvers: string[] | null };

const SELECT = `select d.*, (select array_agg(admin_id order by approved_at) from disbursement_approvals a where a.disbursement_id = d.id) as approvers from disbursements d`;

function toDisbursement(r: Row): Disbursement {
  return { ...r, amount: Number(r.amount), approvers: r.approvers ?? [] };
}

@Injectable()
export class DisbursementRepository {
  constructor(private readonly ds: DataSource) {}

  async getById(id: string, m: EntityManager = this.ds.manager): Promise<Disbursement | null> {
    const [row] = (await m.query(`${SELECT} where d.id = $1`, [id])) as Row[];
    return row ? toDisbursement(row) : null;
  }

  async lockForUpdate(m: EntityManager, id: string): Promise<Disbursement | null> {
    await m.query('select 1 from disbursements where id = $1 for update', [id]);
    return this.getById(id, m);
  }

  async listOfCampaign(campaignId: string): Promise<Disbursement[]> {
    const rows = (await this.ds.query(`${SELECT} where d.campaign_id = $1 order by d.created_at desc limit 200`, [campaignId])) as Row[];
    return rows.map(toDisbursement);
  }

  /** `pending` (the campaign's balance still to be checked) is due for the worker at once. */
  async insert(m: EntityManager, d: Pick<Disbursement, 'id' | 'campaign_id' | 'beneficiary' | 'amount' | 'reference' | 'requested_by' | 'method' | 'destination_masked'> & { status: 'requested' | 'pending' }): Promise<Disbursement> {
    await m.query(
      `insert into disbursements (id, campaign_id, beneficiary, amount, reference, status, requested_by, method, destination_masked, next_check_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, case when $6 = 'pending' then now() end)`,
      [d.id, d.campaign_id, d.beneficiary, d.amount, d.reference, d.status, d.requested_by, d.method, JSON.stringify(d.destination_masked)],
    );
    return (await this.getById(d.id, m))!;
  }

  async addApproval(m: EntityManager, id: string, adminId: string): Promise<void> {
    await m.query('insert into disbursement_approvals (disbursement_id, admin_id) values ($1, $2) on conflict do nothing', [id, adminId]);
  }

  async setStatus(
    m: EntityManager,
    id: string,
    status: DisbursementStatus,
    fields: { transfer_id?: string; wallet_request?: unknown; rejected_by?: string; reason?: string; failure_code?: string; payout_status?: string; credit_back_due?: boolean; next_check_at?: Date | null; settled_at?: Date } = {},
  ): Promise<Disbursement> {
    await m.query(
      `update disbursements set status = $2, transfer_id = coalesce($3, transfer_id), wallet_request = coalesce($4::jsonb, wallet_request),
         rejected_by = coalesce($5, rejected_by), reason = coalesce($6, reason), failure_code = coalesce($7, failure_code), payout_status = coalesce($8, payout_status),
         credit_back_due = coalesce($9, credit_back_due), next_check_at = case when $10::boolean then $11 else next_check_at end,
         settled_at = coalesce($12, settled_at), attempts = 0, updated_at = now() where id = $1`,
      [id, status, fields.transfer_id ?? null, fields.wallet_request === undefined ? null : JSON.stringify(fields.wallet_request), fields.rejected_by ?? null, fields.reason ?? null,
        fields.failure_code ?? null, fields.payout_status ?? null, fields.credit_back_due ?? null, fields.next_check_at !== undefined, fields.next_check_at ?? null, fields.settled_at ?? null],
    );
    return (await this.getById(id, m))!;
  }

  /** Columns the worker sets without a change of status. */
  async patch(
    m: EntityManager | DataSource,
    id: string,
    f: { payout_released_at?: Date; payout_status?: string; credit_back_transfer_id?: string; credit_back_due?: boolean; next_check_at?: Date | null; payout_cancelled_at?: Date; retried?: { by: string; note: string } },
  ): Promise<void> {
    await m.query(
      `update disbursements set payout_released_at = coalesce($2, payout_released_at), payout_status = coalesce($3, payout_status),
         credit_back_transfer_id = coalesce($4, credit_back_transfer_id), credit_back_due = coalesce($5, credit_back_due),
         next_check_at = case when $6::boolean then $7 else next_check_at end, payout_cancelled_at = coalesce($8, payout_cancelled_at),
         payout_retried_by = coalesce($9, payout_retried_by), payout_retry_note = coalesce($10, payout_retry_note),
         payout_retried_at = case when $9::text is null then payout_retried_at else now() end, updated_at = now() where id = $1`,
      [id, f.payout_released_at ?? null, f.payout_status ?? null, f.credit_back_transfer_id ?? null, f.credit_back_due ?? null, f.next_check_at !== undefined, f.next_check_at ?? null,
        f.payout_cancelled_at ?? null, f.retried?.by ?? null, f.retried?.note ?? null],
    );
  }

  /** A worker round that could not finish: look again after a growing pause (1 s doubling, at most 5 min). */
  async defer(id: string): Promise<void> {
    await this.ds.query(
      `update disbursements set attempts = attempts + 1, next_check_at = now() + least(interval '5 minutes', interval '1 second' * power(2, least(attempts, 9))) where id = $1`,
      [id],
    );
  }

  /**
   * Disbursements with work due, leased for `leaseMs` (another worker skips them meanwhile): ledger moves to make
   * (`approved`), payouts to release or watch (`processing`, and `completed` within the return watch), credits back to make,
   * balances to check (`pending`), registrations to cancel (`rejected`, or `failed` before any ledger move).
   */
  async claimDue(limit: number, leaseMs: number, watchFrom: Date): Promise<Disbursement[]> {
    const [rows] = (await this.ds.query(
      `update disbursements set next_check_at = now() + $2::bigint * interval '1 millisecond'
       where id in (select id from disbursements where next_check_at <= now()
         and (status in ('pending', 'approved', 'processing') or credit_back_due or (status = 'completed' and settled_at >= $3)
           or (status in ('rejected', 'failed') and transfer_id is null and payout_cancelled_at is null))
         order by next_check_at limit $1 for update skip locked)
       returning id`,
      [limit, leaseMs, watchFrom],
    )) as [{ id: string }[], number];
    if (rows.length === 0) return [];
    const full = (await this.ds.query(`${SELECT} where d.id = any($1::uuid[])`, [rows.map((r) => r.id)])) as Row[];
    return full.map(toDisbursement);
  }

  /**
   * Money promised to disbursements whose ledger move is not made yet (pending, requested, or approved while the wallet was
   * away): the campaign still holds it. `except`: the pending disbursement being checked.
   */
  async openAmount(m: EntityManager, campaignId: string, except?: string): Promise<number> {
    const [r] = (await m.query(
      `select coalesce(sum(amount), 0)::text as n from disbursements where campaign_id = $1 and status in ('pending', 'requested', 'approved') and id is distinct from $2::uuid`,
      [campaignId, except ?? null],
    )) as { n: string }[];
    return Number(r!.n);
  }
}
