import { createIdempotencyTable, dropIdempotencyTable } from '@wozamali/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Campaigns (the Green Scholar Fund seeded: always active, no target), donations, receipts with a
 * gap-free counter per tax year, disbursements with their approvals, and the platform's
 * idempotency keys. Amounts are bigint cents or points. Never edit once merged.
 */
export class DonationTables1764600000000 implements MigrationInterface {
  name = 'DonationTables1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await createIdempotencyTable(q);
    await q.query(`create table campaigns (
      id uuid primary key,
      name text not null,
      description text not null default '',
      beneficiary text not null,
      target_amount bigint check (target_amount > 0),
      target_points bigint check (target_points > 0),
      currency text not null default 'ZAR',
      starts_at timestamptz,
      ends_at timestamptz,
      status text not null check (status in ('draft', 'active', 'completed', 'cancelled')),
      on_target text not null default 'complete' check (on_target in ('complete', 'continue')),
      pbo_reference text,
      external_id text,
      bonus_points_per_rand int not null default 1 check (bonus_points_per_rand between 0 and 1000),
      always_active boolean not null default false,
      completed_at timestamptz,
      completion_reason text check (completion_reason in ('target_reached', 'ended')),
      cancelled_at timestamptz,
      cancellation text check (cancellation in ('refund', 'redirect')),
      redirect_campaign_id uuid references campaigns (id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (ends_at is null or starts_at is null or ends_at > starts_at)
    )`);
    await q.query('create unique index campaigns_external_id_key on campaigns (external_id) where external_id is not null');
    await q.query('create index campaigns_status_idx on campaigns (status, created_at)');
    await q.query(`insert into campaigns (id, name, description, beneficiary, status, always_active)
      values ('00000000-0000-7000-8000-000000000001', 'Green Scholar Fund',
        'Bursaries for learners, funded by a share of every PET collection and by residents'' donations.',
        'Green Scholar Fund', 'active', true)`);

    await q.query(`create table donations (
      id uuid primary key,
      campaign_id uuid not null references campaigns (id),
      user_id uuid not null,
      donor_ref text not null,
      visibility text not null check (visibility in ('public', 'hide_amount', 'anonymous')),
      message text,
      amount bigint not null check (amount >= 0),
      points bigint not null check (points >= 0),
      bonus_points bigint not null check (bonus_points >= 0),
      status text not null check (status in ('pending', 'accepted', 'failed', 'refunded')),
      failure_code text,
      wallet_request jsonb not null,
      transfer_id uuid unique,
      receipt_number text unique,
      donated_at timestamptz,
      refund_reason text,
      refunded_by text,
      refund_transfer_id uuid,
      bonus_reclaimed bigint,
      bonus_shortfall bigint,
      refunded_at timestamptz,
      attempts int not null default 0,
      next_attempt_at timestamptz not null default now(),
      created_at timestamptz not null default now(),
      check (amount > 0 or points > 0)
    )`);
    await q.query('create index donations_campaign_idx on donations (campaign_id, status, donated_at desc)');
    await q.query('create index donations_user_idx on donations (user_id, created_at desc, id desc)');
    await q.query(`create index donations_pending_idx on donations (next_attempt_at) where status = 'pending'`);

    // Every wallet call a refund made, committed before it is sent: a retry resends an attempt whose
    // outcome is unknown before trying anything else, so a refund is never paid twice.
    await q.query(`create table refund_attempts (
      donation_id uuid not null references donations (id),
      seq int not null,
      kind text not null check (kind in ('reverse', 'transfer')),
      clawback bigint not null,
      request jsonb not null,
      status text not null check (status in ('sent', 'applied', 'refused')),
      code text,
      transfer_id uuid,
      created_at timestamptz not null default now(),
      primary key (donation_id, seq)
    )`);

    // One row per tax year (1 March to the end of February), locked by the transaction that issues
    // a number: numbers are issued in commit order, so a rolled-back donation leaves no gap.
    await q.query('create table receipt_counters (tax_year int primary key, last_seq int not null)');
    await q.query(`create table receipts (
      number text primary key,
      donation_id uuid not null unique references donations (id),
      tax_year int not null,
      seq int not null,
      kind text not null check (kind in ('section_18a', 'receipt')),
      amount bigint not null check (amount > 0),
      currency text not null,
      donor_user_id uuid not null,
      campaign_id uuid not null,
      pbo_name text,
      pbo_reference text,
      issued_at timestamptz not null,
      voided_at timestamptz,
      void_reason text,
      unique (tax_year, seq)
    )`);

    await q.query(`create table disbursements (
      id uuid primary key,
      campaign_id uuid not null references campaigns (id),
      beneficiary text not null,
      amount bigint not null check (amount > 0),
      currency text not null default 'ZAR',
      reference text,
      status text not null check (status in ('requested', 'approved', 'rejected', 'processing', 'completed', 'failed', 'cancelled')),
      requested_by text not null,
      rejected_by text,
      reason text,
      wallet_request jsonb,
      transfer_id uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);
    await q.query('create index disbursements_campaign_idx on disbursements (campaign_id, created_at desc)');
    await q.query(`create table disbursement_approvals (
      disbursement_id uuid not null references disbursements (id),
      admin_id text not null,
      approved_at timestamptz not null default now(),
      primary key (disbursement_id, admin_id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['disbursement_approvals', 'disbursements', 'refund_attempts', 'receipts', 'receipt_counters', 'donations', 'campaigns']) await q.query(`drop table if exists ${t}`);
    await dropIdempotencyTable(q);
  }
}
