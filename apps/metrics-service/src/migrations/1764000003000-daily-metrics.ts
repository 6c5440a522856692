import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Daily rollups per user and for the whole platform, fed by wallet events. Never edit once merged. */
export class DailyMetrics1764000003000 implements MigrationInterface {
  name = 'DailyMetrics1764000003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table user_metrics (
        user_id uuid not null,
        date date not null,
        points_earned bigint not null default 0,
        points_spent bigint not null default 0,
        money_earned bigint not null default 0,
        money_spent bigint not null default 0,
        collections int not null default 0,
        grams_collected bigint not null default 0,
        co2_avoided_g bigint not null default 0,
        wallet_events int not null default 0,
        updated_at timestamptz not null default now(),
        primary key (user_id, date)
      )`);
    await q.query(`
      create table system_metrics (
        date date primary key,
        points_earned bigint not null default 0,
        points_spent bigint not null default 0,
        money_earned bigint not null default 0,
        money_spent bigint not null default 0,
        collections int not null default 0,
        grams_collected bigint not null default 0,
        co2_avoided_g bigint not null default 0,
        fund_amount bigint not null default 0,
        wallet_events int not null default 0,
        updated_at timestamptz not null default now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop table if exists system_metrics');
    await q.query('drop table if exists user_metrics');
  }
}
