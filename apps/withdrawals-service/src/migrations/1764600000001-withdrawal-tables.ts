import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Withdrawals, their append-only history, each user's known destination per method (fingerprint
 * only), and the limits as one row of data. Never edit once merged.
 */
export class WithdrawalTables1764600000001 implements MigrationInterface {
  name = 'WithdrawalTables1764600000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`create table withdrawal_limits (
      id smallint primary key default 1 check (id = 1),
      min_amount bigint not null,
      max_amount bigint not null,
      daily_amount bigint not null,
      daily_count integer not null,
      max_open integer not null,
      cooling_off_hours integer not null,
      time_zone text not null,
      two_approvals_from bigint not null,
      expire_after_hours integer not null,
      updated_by text,
      updated_at timestamptz not null default now()
    )`);
    await q.query(`insert into withdrawal_limits (min_amount, max_amount, daily_amount, daily_count, max_open, cooling_off_hours, time_zone, two_approvals_from, expire_after_hours)
      values (5000, 500000, 1000000, 3, 1, 24, 'Africa/Johannesburg', 200000, 168)`);

    await q.query(`create table withdrawals (
      id uuid primary key,
      user_id uuid not null,
      amount bigint not null check (amount > 0),
      currency text not null default 'ZAR',
      method text not null,
      status text not null,
      destination_ciphertext bytea not null,
      destination_masked jsonb not null,
      destination_fingerprint text not null,
      requested_by text not null,
      hold_request jsonb not null,
      hold_id uuid,
      hold_transfer_id uuid,
      settle_transfer_id uuid,
      after_hold_status text not null default 'pending',
      approvals text[] not null default '{}',
      failure_code text,
      attempts integer not null default 0,
      next_attempt_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      status_changed_at timestamptz not null default now()
    )`);
    // A resident's list (newest first) and the day's totals under the per-user lock.
    await q.query('create index withdrawals_user_created on withdrawals (user_id, created_at desc, id desc)');
    // The admin list: newest first, filtered by status and/or method, on 100k+ rows.
    await q.query('create index withdrawals_created on withdrawals (created_at desc, id desc)');
    await q.query('create index withdrawals_status_created on withdrawals (status, created_at desc, id desc)');
    await q.query('create index withdrawals_method_created on withdrawals (method, created_at desc, id desc)');
    // The workers: requests waiting for their hold, and undecided requests for expiry.
    await q.query(`create index withdrawals_requested_due on withdrawals (next_attempt_at) where status = 'requested'`);
    await q.query(`create index withdrawals_undecided on withdrawals (status_changed_at) where status in ('pending', 'in_review')`);

    await q.query(`create table withdrawal_history (
      id bigserial primary key,
      withdrawal_id uuid not null references withdrawals (id),
      from_status text,
      to_status text not null,
      action text not null,
      actor text not null,
      note text,
      reason text,
      transfer_id uuid,
      at timestamptz not null default now()
    )`);
    await q.query('create index withdrawal_history_withdrawal on withdrawal_history (withdrawal_id, id)');
    // Append-only: no row of the history is ever changed or removed.
    await q.query(`create function withdrawal_history_append_only() returns trigger language plpgsql as $$
      begin raise exception 'withdrawal_history is append-only'; end $$`);
    await q.query(`create trigger withdrawal_history_no_change before update or delete on withdrawal_history
      for each row execute function withdrawal_history_append_only()`);

    await q.query(`create table withdrawal_destinations (
      user_id uuid not null,
      method text not null,
      fingerprint text not null,
      since timestamptz not null,
      primary key (user_id, method)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop table if exists withdrawal_destinations');
    await q.query('drop trigger if exists withdrawal_history_no_change on withdrawal_history');
    await q.query('drop table if exists withdrawal_history');
    await q.query('drop function if exists withdrawal_history_append_only');
    await q.query('drop table if exists withdrawals');
    await q.query('drop table if exists withdrawal_limits');
  }
}
