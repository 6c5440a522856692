import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payouts of campaign money to a campaign's beneficiary (donations-service disbursements) through the
 * same provider pipeline as withdrawals. The money already sits in payout clearing when one is
 * released; the donations-service owns the ledger side. Never edit once merged.
 */
export class DisbursementPayouts1764600000003 implements MigrationInterface {
  name = 'DisbursementPayouts1764600000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create table disbursement_payouts (
      id uuid primary key,
      campaign_id uuid not null,
      beneficiary text not null,
      amount bigint not null check (amount > 0),
      currency text not null default 'ZAR',
      method text not null,
      destination_ciphertext bytea not null,
      destination_masked jsonb not null,
      status text not null check (status in ('awaiting', 'processing', 'needs_review', 'completed', 'failed', 'returned', 'cancelled')),
      failure_code text,
      provider_payout_id text,
      provider_status text,
      sent_at timestamptz,
      processing_since timestamptz,
      next_poll_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);
    await q.query(`create index disbursement_payouts_due on disbursement_payouts (next_poll_at) where status = 'processing'`);
    await q.query('create index disbursement_payouts_sent on disbursement_payouts (sent_at) where sent_at is not null');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop table if exists disbursement_payouts');
  }
}
