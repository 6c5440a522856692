import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** One wallet call of a refund, recorded (and committed) before it is sent. */
export interface RefundAttempt {
  donation_id: string;
  seq: number;
  kind: 'reverse' | 'transfer';
  clawback: number;
  request: Record<string, unknown>;
  status: 'sent' | 'applied' | 'refused';
  code: string | null;
  transfer_id: string | null;
}

type Row = Omit<RefundAttempt, 'clawback'> & { clawback: string };

/** Each write commits on its own, outside the request's transaction: the record must outlive a rollback or a crash. */
@Injectable()
export class RefundAttemptRepository {
  constructor(private readonly ds: DataSource) {}

  async list(donationId: string): Promise<RefundAttempt[]> {
    const rows = (await this.ds.query('select * from refund_attempts where donation_id = $1 order by seq', [donationId])) as Row[];
    return rows.map((r) => ({ ...r, clawback: Number(r.clawback) }));
  }

  async record(a: Omit<RefundAttempt, 'status' | 'code' | 'transfer_id'>): Promise<void> {
    await this.ds.query(
      `insert into refund_attempts (donation_id, seq, kind, clawback, request, status) values ($1, $2, $3, $4, $5, 'sent')`,
      [a.donation_id, a.seq, a.kind, a.clawback, JSON.stringify(a.request)],
    );
  }

  async settle(donationId: string, seq: number, status: 'applied' | 'refused', code: string | null, transferId: string | null): Promise<void> {
    await this.ds.query('update refund_attempts set status = $3, code = $4, transfer_id = $5 where donation_id = $1 and seq = $2', [donationId, seq, status, code, transferId]);
  }
}
