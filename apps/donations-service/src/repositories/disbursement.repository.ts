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

  async insert(m: EntityManager, d: Pick<Disbursement, 'id' | 'campaign_id' | 'beneficiary' | 'amount' | 'reference' | 'requested_by'>): Promise<Disbursement> {
    await m.query(
      `insert into disbursements (id, campaign_id, beneficiary, amount, reference, status, requested_by) values ($1, $2, $3, $4, $5, 'requested', $6)`,
      [d.id, d.campaign_id, d.beneficiary, d.amount, d.reference, d.requested_by],
    );
    return (await this.getById(d.id, m))!;
  }

  async addApproval(m: EntityManager, id: string, adminId: string): Promise<void> {
    await m.query('insert into disbursement_approvals (disbursement_id, admin_id) values ($1, $2) on conflict do nothing', [id, adminId]);
  }

  async setStatus(m: EntityManager, id: string, status: DisbursementStatus, fields: { transfer_id?: string; wallet_request?: unknown; rejected_by?: string; reason?: string } = {}): Promise<Disbursement> {
    await m.query(
      `update disbursements set status = $2, transfer_id = coalesce($3, transfer_id), wallet_request = coalesce($4::jsonb, wallet_request),
         rejected_by = coalesce($5, rejected_by), reason = coalesce($6, reason), updated_at = now() where id = $1`,
      [id, status, fields.transfer_id ?? null, fields.wallet_request === undefined ? null : JSON.stringify(fields.wallet_request), fields.rejected_by ?? null, fields.reason ?? null],
    );
    return (await this.getById(id, m))!;
  }

  /** Money promised to disbursements not yet rejected or failed (requested or approved, not yet moved). */
  async openAmount(m: EntityManager, campaignId: string): Promise<number> {
    const [r] = (await m.query(`select coalesce(sum(amount), 0)::text as n from disbursements where campaign_id = $1 and status = 'requested'`, [campaignId])) as { n: string }[];
    return Number(r!.n);
  }
}
