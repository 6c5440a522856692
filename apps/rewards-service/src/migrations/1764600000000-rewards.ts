import { createIdempotencyTable } from '@wozamali/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The catalogue (with the DOMAIN.md starting rewards), stock movements, redemptions, user rewards
 * and their codes, partner code uses, failed-validation counters, residents' tiers (from the
 * wallet's `tier_update`), settings (data) and the idempotency keys. Never edit once merged.
 */
export class RewardsTables1764600000000 implements MigrationInterface {
  name = 'RewardsTables1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await createIdempotencyTable(q);
    // Tier order for `min_tier` (the wallet's tier codes). Data: a new tier is a row.
    await q.query(`create table tiers (code text primary key, rank int not null unique)`);
    await q.query(`insert into tiers (code, rank) values ('bronze', 0), ('silver', 1), ('gold', 2), ('platinum', 3)`);
    await q.query(`create table reward_settings (key text primary key, value jsonb not null, updated_at timestamptz not null default now())`);
    await q.query(`insert into reward_settings (key, value) values
      ('code_failures_per_minute', '10'), ('use_rollback_hours', '24'), ('expiry_reminder_days', '[7, 1]')`);
    // Start of the per-user limit's period containing `at`, in Johannesburg days (ISO weeks start on Monday).
    await q.query(`create function reward_period_start(period text, at timestamptz) returns timestamptz language sql stable as $$
      select case when period = 'total' then '-infinity'::timestamptz
        else date_trunc(period, at at time zone 'Africa/Johannesburg') at time zone 'Africa/Johannesburg' end $$`);
    await q.query(`create table rewards (
      id uuid primary key default gen_random_uuid(),
      code text not null unique,
      name text not null,
      description text not null default '',
      type text not null check (type in ('discount', 'cashback', 'product', 'service', 'badge')),
      points_cost int not null check (points_cost >= 0),
      value_cents bigint not null default 0 check (value_cents >= 0),
      currency text not null default 'ZAR',
      stock_total int check (stock_total >= 0),
      stock_used int not null default 0 check (stock_used >= 0),
      per_user_limit int check (per_user_limit >= 1),
      limit_period text not null default 'total' check (limit_period in ('total', 'day', 'week', 'month')),
      min_tier text references tiers (code),
      visible_from timestamptz, visible_until timestamptz,
      available_from timestamptz, available_until timestamptz,
      valid_days int check (valid_days >= 1),
      refundable_on_cancel boolean not null default false,
      partner_service_id text,
      partner_reward_id text,
      code_prefix text,
      active boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (stock_total is null or stock_used <= stock_total),
      check (type <> 'cashback' or value_cents > 0)
    )`);
    await q.query(`create table reward_stock_movements (
      id bigserial primary key,
      reward_id uuid not null references rewards (id),
      delta int not null,
      stock_total_after int,
      kind text not null check (kind in ('set', 'redemption', 'returned')),
      reason text not null,
      redemption_id uuid,
      actor text not null,
      created_at timestamptz not null default now()
    )`);
    await q.query('create index reward_stock_movements_reward_idx on reward_stock_movements (reward_id, id)');
    await q.query(`create table redemptions (
      id uuid primary key,
      reward_id uuid not null references rewards (id),
      user_id uuid not null,
      status text not null check (status in ('pending', 'issued', 'failed')),
      wallet_request jsonb,
      transfer_id uuid,
      failure_code text,
      requested_by text not null,
      attempts int not null default 0,
      next_attempt_at timestamptz not null default now(),
      created_at timestamptz not null default now(),
      completed_at timestamptz
    )`);
    // The per-user limit counts pending and issued redemptions of a reward in its period.
    await q.query(`create index redemptions_user_reward_idx on redemptions (user_id, reward_id, created_at) where status in ('pending', 'issued')`);
    await q.query(`create index redemptions_pending_idx on redemptions (next_attempt_at) where status = 'pending'`);
    await q.query(`create table user_rewards (
      id uuid primary key,
      user_id uuid not null,
      reward_id uuid not null references rewards (id),
      redemption_id uuid unique references redemptions (id),
      source text not null check (source in ('redemption', 'badge', 'admin')),
      code text,
      code_normalised text unique,
      status text not null check (status in ('issued', 'used', 'expired', 'cancelled')),
      issued_at timestamptz not null default now(),
      expires_at timestamptz,
      used_at timestamptz,
      used_by_service_id text,
      expired_at timestamptz,
      cancelled_at timestamptz,
      cancel_reason text,
      cancelled_by text,
      refund_transfer_id uuid,
      reminded_days int[] not null default '{}',
      updated_at timestamptz not null default now()
    )`);
    // A badge is issued once per user.
    await q.query(`create unique index user_rewards_one_badge on user_rewards (user_id, reward_id) where source = 'badge'`);
    await q.query('create index user_rewards_user_idx on user_rewards (user_id, id)');
    await q.query(`create index user_rewards_expiry_idx on user_rewards (expires_at) where status = 'issued' and expires_at is not null`);
    await q.query(`create table code_uses (
      id uuid primary key,
      user_reward_id uuid not null references user_rewards (id),
      partner_service_id text not null,
      key_id text not null,
      used_at timestamptz not null default now(),
      rolled_back_at timestamptz,
      rollback_reason text
    )`);
    await q.query('create unique index code_uses_one_live on code_uses (user_reward_id) where rolled_back_at is null');
    await q.query(`create table code_failures (
      key_id text not null,
      window_start timestamptz not null,
      failures int not null,
      primary key (key_id, window_start)
    )`);
    await q.query(`create table user_tiers (
      user_id uuid primary key,
      tier text not null,
      lifetime_points bigint not null,
      updated_at timestamptz not null default now()
    )`);
    // The DOMAIN.md starting catalogue: there from the first start, changed later through the API.
    await q.query(`insert into rewards (code, name, description, type, points_cost, value_cents, stock_total, valid_days, refundable_on_cancel, min_tier) values
      ('CASHBACK_50', 'R50 cashback', 'R50 into your money wallet', 'cashback', 500, 5000, null, 30, false, null),
      ('VOUCHER_50', 'R50 voucher', 'A R50 discount voucher at a partner', 'discount', 600, 5000, null, 30, true, null),
      ('FREE_COLLECTION', 'Free collection', 'One free collection', 'service', 300, 0, null, 30, true, null),
      ('ECO_BOTTLE', 'Eco water bottle', 'An eco water bottle (while stock lasts)', 'product', 800, 0, 100, 30, true, null),
      ('BADGE_SILVER', 'Silver badge', 'Reached the Silver tier', 'badge', 0, 0, null, null, false, 'silver'),
      ('BADGE_GOLD', 'Gold badge', 'Reached the Gold tier', 'badge', 0, 0, null, null, false, 'gold'),
      ('BADGE_PLATINUM', 'Platinum badge', 'Reached the Platinum tier', 'badge', 0, 0, null, null, false, 'platinum'),
      ('BADGE_DONOR', 'Donor badge', 'Made a donation', 'badge', 0, 0, null, null, false, null)`);
    await q.query(`insert into reward_stock_movements (reward_id, delta, stock_total_after, kind, reason, actor)
      select id, stock_total, stock_total, 'set', 'starting catalogue', 'migration' from rewards where stock_total is not null`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['user_tiers', 'code_failures', 'code_uses', 'user_rewards', 'redemptions', 'reward_stock_movements', 'rewards', 'reward_settings', 'tiers', 'idempotency_keys']) {
      await q.query(`drop table if exists ${t}`);
    }
    await q.query('drop function if exists reward_period_start(text, timestamptz)');
  }
}
