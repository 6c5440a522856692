import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Donor lookups: an anonymous `donation_create` carries no user id (only `donor_ref`), so the
 * consumer records the donation here (in its inbox transaction) and a job asks the donations-service
 * who gave it (`GET /internal/v1/donations/{id}/donor`), then issues BADGE_DONOR once per user.
 * `pending` → `done` (badge issued, or the donor has no account) or `gave_up` (the donation is
 * unknown there). Never edit once merged.
 */
export class DonorLookups1764600003000 implements MigrationInterface {
  name = 'DonorLookups1764600003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create table donor_lookups (
      donation_id uuid primary key,
      status text not null default 'pending' check (status in ('pending', 'done', 'gave_up')),
      user_id uuid,
      attempts int not null default 0,
      next_attempt_at timestamptz not null default now(),
      last_error text,
      created_at timestamptz not null default now(),
      resolved_at timestamptz
    )`);
    await q.query(`create index donor_lookups_due_idx on donor_lookups (next_attempt_at) where status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop table if exists donor_lookups');
  }
}
