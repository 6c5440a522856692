import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A disbursement is paid through the withdrawals-service's payout pipeline: its method and masked
 * destination (the clear destination is sealed there only), when the payout was released, what the
 * payout pipeline last reported, the credit back of a failed or returned payout (once), and when the
 * worker looks again. `returned` joins the statuses. Never edit once merged.
 */
export class DisbursementPayouts1764600001000 implements MigrationInterface {
  name = 'DisbursementPayouts1764600001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table disbursements
      add column method text,
      add column destination_masked jsonb,
      add column payout_released_at timestamptz,
      add column payout_status text,
      add column failure_code text,
      add column credit_back_due boolean not null default false,
      add column credit_back_transfer_id uuid,
      add column attempts integer not null default 0,
      add column next_check_at timestamptz,
      add column settled_at timestamptz`);
    await q.query('alter table disbursements drop constraint if exists disbursements_status_check');
    await q.query(`alter table disbursements add constraint disbursements_status_check
      check (status in ('requested', 'approved', 'rejected', 'processing', 'completed', 'failed', 'returned', 'cancelled'))`);
    // The worker's work: ledger moves still to make, payouts to release or watch, credits back to make.
    await q.query(`create index disbursements_due on disbursements (next_check_at) where status in ('approved', 'processing', 'completed', 'failed', 'returned')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop index if exists disbursements_due');
    await q.query('alter table disbursements drop constraint if exists disbursements_status_check');
    await q.query(`alter table disbursements add constraint disbursements_status_check
      check (status in ('requested', 'approved', 'rejected', 'processing', 'completed', 'failed', 'cancelled'))`);
    await q.query(`alter table disbursements drop column method, drop column destination_masked, drop column payout_released_at, drop column payout_status,
      drop column failure_code, drop column credit_back_due, drop column credit_back_transfer_id, drop column attempts, drop column next_check_at, drop column settled_at`);
  }
}
