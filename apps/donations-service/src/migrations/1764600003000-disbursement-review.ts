import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Disbursements: `pending` (requested while the wallet could not be asked for the campaign's balance;
 * the worker checks it), the cancellation of the payout registration of one that was rejected or whose
 * ledger move was refused (so it can never be paid), and the person who sent a payout in `needs_review`
 * back to the payout worker, with their note. Never edit once merged.
 */
export class DisbursementReview1764600003000 implements MigrationInterface {
  name = 'DisbursementReview1764600003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table disbursements
      add column payout_cancelled_at timestamptz,
      add column payout_retried_by text,
      add column payout_retry_note text,
      add column payout_retried_at timestamptz`);
    await q.query('alter table disbursements drop constraint if exists disbursements_status_check');
    await q.query(`alter table disbursements add constraint disbursements_status_check
      check (status in ('pending', 'requested', 'approved', 'rejected', 'processing', 'completed', 'failed', 'returned', 'cancelled'))`);
    // Registrations left unreleased by disbursements rejected (or refused by the wallet) before this change: the worker cancels them.
    await q.query(`update disbursements set next_check_at = now() where status in ('rejected', 'failed') and transfer_id is null`);
    await q.query('drop index if exists disbursements_due');
    await q.query(`create index disbursements_due on disbursements (next_check_at) where status in ('pending', 'approved', 'processing', 'completed', 'failed', 'returned', 'rejected')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop index if exists disbursements_due');
    await q.query(`create index disbursements_due on disbursements (next_check_at) where status in ('approved', 'processing', 'completed', 'failed', 'returned')`);
    await q.query(`update disbursements set status = 'failed' where status = 'pending'`);
    await q.query('alter table disbursements drop constraint if exists disbursements_status_check');
    await q.query(`alter table disbursements add constraint disbursements_status_check
      check (status in ('requested', 'approved', 'rejected', 'processing', 'completed', 'failed', 'returned', 'cancelled'))`);
    await q.query('alter table disbursements drop column payout_cancelled_at, drop column payout_retried_by, drop column payout_retry_note, drop column payout_retried_at');
  }
}
