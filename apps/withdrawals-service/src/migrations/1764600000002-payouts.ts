import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The payout's side of a withdrawal, the provider's callbacks seen, and the daily reconciliations. Never edit once merged. */
export class Payouts1764600000002 implements MigrationInterface {
  name = 'Payouts1764600000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table withdrawals
      add column provider_payout_id text,
      add column provider_status text,
      add column sent_at timestamptz,
      add column processing_since timestamptz,
      add column next_poll_at timestamptz,
      add column return_transfer_id uuid`);
    // The payout worker: approved rows to send, processing rows due for a question to the provider.
    await q.query(`create index withdrawals_payout_due on withdrawals (next_poll_at) where status in ('approved', 'processing')`);
    // Reconciliation of a day: the payouts sent, by when they were sent.
    await q.query('create index withdrawals_sent on withdrawals (sent_at) where sent_at is not null');
    await q.query(`create table provider_callbacks (
      webhook_id text primary key,
      reference text not null,
      type text not null,
      outcome text not null,
      received_at timestamptz not null default now()
    )`);
    await q.query(`create table withdrawal_reconciliations (
      id uuid primary key,
      day date not null,
      clean boolean not null,
      counts jsonb not null,
      lines jsonb not null,
      created_at timestamptz not null default now()
    )`);
    await q.query('create index withdrawal_reconciliations_day on withdrawal_reconciliations (day desc, created_at desc)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop table if exists withdrawal_reconciliations');
    await q.query('drop table if exists provider_callbacks');
    await q.query('drop index if exists withdrawals_sent');
    await q.query('drop index if exists withdrawals_payout_due');
    await q.query(`alter table withdrawals drop column provider_payout_id, drop column provider_status, drop column sent_at,
      drop column processing_since, drop column next_poll_at, drop column return_transfer_id`);
  }
}
