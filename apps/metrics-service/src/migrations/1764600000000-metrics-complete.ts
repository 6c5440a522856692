import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13, the rest: frozen leaderboards of closed periods, the batching of `metrics_update`
 * events, and the reconciliation with the ledger. Never edit once merged.
 */
export class MetricsComplete1764600000000 implements MigrationInterface {
  name = 'MetricsComplete1764600000000';

  async up(q: QueryRunner): Promise<void> {
    // A closed period's board, as it stood an hour after the period ended (events that happened later are not in it).
    await q.query(`
      create table leaderboard_freezes (
        period text not null check (period in ('week', 'month', 'year')),
        period_start date not null,
        metric text not null check (metric in ('kg', 'points', 'co2')),
        cutoff timestamptz not null,
        frozen_at timestamptz not null default now(),
        primary key (period, period_start, metric)
      )`);
    await q.query(`
      create table leaderboard_frozen (
        period text not null,
        period_start date not null,
        metric text not null,
        position int not null,
        user_id uuid not null,
        value bigint not null,
        rank int not null,
        primary key (period, period_start, metric, position),
        unique (period, period_start, metric, user_id),
        foreign key (period, period_start, metric) references leaderboard_freezes (period, period_start, metric)
      )`);

    // metrics_update batching: the (user, day) rows that changed and are not announced yet, when each
    // user was last announced (at most once a minute), and the programme days whose final rollup went out.
    await q.query(`
      create table metrics_update_pending (
        user_id uuid not null,
        day date not null,
        marked_at timestamptz not null default now(),
        primary key (user_id, day)
      )`);
    await q.query(`create table metrics_update_users (user_id uuid primary key, last_sent_at timestamptz not null)`);
    await q.query(`create table metrics_rollups (day date primary key, event_id uuid not null, sent_at timestamptz not null default now())`);

    // The last reconciliation of each day with the ledger, and what differed.
    await q.query(`
      create table metrics_reconciliations (
        day date primary key,
        checked_at timestamptz not null default now(),
        source text not null,
        status text not null check (status in ('ok', 'unavailable')),
        differences int not null default 0,
        details jsonb not null default '[]'
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop table if exists metrics_reconciliations');
    await q.query('drop table if exists metrics_rollups');
    await q.query('drop table if exists metrics_update_users');
    await q.query('drop table if exists metrics_update_pending');
    await q.query('drop table if exists leaderboard_frozen');
    await q.query('drop table if exists leaderboard_freezes');
  }
}
