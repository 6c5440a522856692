import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Replay-safe metrics (issue 13): one fact per event, and the daily rows recomputed from the facts.
 * Impact factors become versioned data. Rows the increments wrote before this migration become
 * legacy facts (one per user and day, plus one per day for what no user row carried, such as the
 * fund's intake), so recomputing a day keeps them. Never edit once merged.
 */
export class MetricFacts1764400000000 implements MigrationInterface {
  name = 'MetricFacts1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table impact_factor_versions (
        version int primary key,
        effective_from timestamptz not null unique,
        source text not null check (length(source) between 1 and 500),
        others_co2_g_per_kg bigint not null check (others_co2_g_per_kg between 0 and 1000000000),
        others_water_ml_per_kg bigint not null check (others_water_ml_per_kg between 0 and 1000000000),
        created_by text not null,
        created_at timestamptz not null default now()
      )`);
    await q.query(`
      create table impact_factors (
        version int not null references impact_factor_versions (version),
        material text not null,
        co2_g_per_kg bigint not null check (co2_g_per_kg between 0 and 1000000000),
        water_ml_per_kg bigint not null check (water_ml_per_kg between 0 and 1000000000),
        primary key (version, material)
      )`);
    await q.query(`insert into impact_factor_versions (version, effective_from, source, others_co2_g_per_kg, others_water_ml_per_kg, created_by)
      values (1, '2020-01-01T00:00:00Z', 'WozaMali programme defaults (DOMAIN.md, environmental impact per kg)', 500, 10000, 'migration')`);
    await q.query(`insert into impact_factors (version, material, co2_g_per_kg, water_ml_per_kg) values
      (1, 'PET', 1700, 30000), (1, 'ALU_CANS', 9100, 140000), (1, 'GLASS', 800, 20000), (1, 'PAPER', 900, 15000), (1, 'CARDBOARD', 900, 15000)`);

    // Figures are what the event contributes; the columns of later domains stay 0 until their handlers land.
    await q.query(`
      create table metric_facts (
        event_id uuid primary key,
        event_type text not null,
        kind text,
        user_id uuid,
        business_at timestamptz not null,
        day date not null,
        event_occurred_at timestamptz not null,
        recorded_at timestamptz not null default now(),
        points_earned bigint not null default 0,
        points_spent bigint not null default 0,
        money_earned bigint not null default 0,
        money_spent bigint not null default 0,
        collections int not null default 0,
        grams bigint not null default 0,
        grams_by_material jsonb not null default '{}',
        co2_avoided_g bigint not null default 0,
        water_saved_ml bigint not null default 0,
        impact_version int references impact_factor_versions (version),
        fund_amount bigint not null default 0,
        donated_money bigint not null default 0,
        donated_points bigint not null default 0,
        withdrawn_money bigint not null default 0,
        rewards_redeemed int not null default 0,
        wallet_events int not null default 0
      )`);
    await q.query('create index metric_facts_user_day on metric_facts (user_id, day)');
    await q.query('create index metric_facts_occurred on metric_facts (event_occurred_at)');

    for (const table of ['user_metrics', 'system_metrics']) {
      await q.query(`alter table ${table}
        add column water_saved_ml bigint not null default 0,
        add column grams_by_material jsonb not null default '{}',
        add column donated_money bigint not null default 0,
        add column donated_points bigint not null default 0,
        add column withdrawn_money bigint not null default 0,
        add column rewards_redeemed int not null default 0`);
    }
    await q.query(`alter table user_metrics
        add column fund_amount bigint not null default 0,
        add column last_collection_at timestamptz,
        add column last_points_at timestamptz`);
    await q.query(`alter table system_metrics
        add column active_users int not null default 0,
        add column new_users int not null default 0`);
    await q.query('create index user_metrics_date on user_metrics (date)');

    // First collection per user: who is new on which day.
    await q.query(`create table metric_users (user_id uuid primary key, first_collection_day date not null)`);
    await q.query('create index metric_users_first_day on metric_users (first_collection_day)');

    // Per user and period (week, month, year, all), totals and when each was reached (ties: first there, first listed).
    await q.query(`
      create table leaderboard_entries (
        period text not null check (period in ('week', 'month', 'year', 'all')),
        period_start date not null,
        user_id uuid not null,
        grams bigint not null,
        points bigint not null,
        co2_g bigint not null,
        grams_at timestamptz,
        points_at timestamptz,
        primary key (period, period_start, user_id)
      )`);
    await q.query('create index leaderboard_grams on leaderboard_entries (period, period_start, grams desc, grams_at, user_id) where grams > 0');
    await q.query('create index leaderboard_points on leaderboard_entries (period, period_start, points desc, points_at, user_id) where points > 0');
    await q.query('create index leaderboard_co2 on leaderboard_entries (period, period_start, co2_g desc, grams_at, user_id) where co2_g > 0');
    // How many entries score in each bucket (1 kg, 10 points, 1 kg CO2e): a rank counts buckets above, then entries within one.
    await q.query(`
      create table leaderboard_counts (
        period text not null,
        period_start date not null,
        metric text not null check (metric in ('kg', 'points', 'co2')),
        bucket bigint not null,
        users int not null,
        primary key (period, period_start, metric, bucket)
      )`);

    // What the increments counted so far becomes facts (they were UTC days of occurred_at).
    await q.query(`
      insert into metric_facts (event_id, event_type, user_id, business_at, day, event_occurred_at, points_earned, points_spent, money_earned, money_spent,
                                collections, grams, co2_avoided_g, wallet_events)
      select gen_random_uuid(), 'legacy_rollup', user_id, date::timestamp at time zone 'UTC', date, updated_at, points_earned, points_spent, money_earned, money_spent,
             collections, grams_collected, co2_avoided_g, wallet_events
        from user_metrics`);
    await q.query(`
      insert into metric_facts (event_id, event_type, business_at, day, event_occurred_at, points_earned, points_spent, money_earned, money_spent,
                                collections, grams, co2_avoided_g, fund_amount, wallet_events)
      select gen_random_uuid(), 'legacy_rollup', s.date::timestamp at time zone 'UTC', s.date, s.updated_at,
             s.points_earned - coalesce(u.points_earned, 0), s.points_spent - coalesce(u.points_spent, 0), s.money_earned - coalesce(u.money_earned, 0),
             s.money_spent - coalesce(u.money_spent, 0), s.collections - coalesce(u.collections, 0), s.grams_collected - coalesce(u.grams, 0),
             s.co2_avoided_g - coalesce(u.co2, 0), s.fund_amount, s.wallet_events - coalesce(u.wallet_events, 0)
        from system_metrics s
        left join (select date, sum(points_earned) points_earned, sum(points_spent) points_spent, sum(money_earned) money_earned, sum(money_spent) money_spent,
                          sum(collections) collections, sum(grams_collected) grams, sum(co2_avoided_g) co2, sum(wallet_events) wallet_events
                     from user_metrics group by date) u on u.date = s.date`);
    await q.query(`insert into metric_users (user_id, first_collection_day) select user_id, min(date) from user_metrics where collections > 0 group by user_id`);
    // And what the new columns and tables say of them (their business time: the legacy facts').
    await q.query(`update user_metrics set last_collection_at = case when collections > 0 then date::timestamp at time zone 'UTC' end,
                                           last_points_at = case when points_earned > 0 then date::timestamp at time zone 'UTC' end`);
    await q.query(`update system_metrics s set
        active_users = (select count(*) from user_metrics m where m.date = s.date and m.collections > 0),
        new_users = (select count(*) from metric_users u where u.first_collection_day = s.date)`);
    await q.query(`
      insert into leaderboard_entries (period, period_start, user_id, grams, points, co2_g, grams_at, points_at)
      select p.period,
             case p.period when 'week' then date_trunc('week', m.date::timestamp)::date when 'month' then date_trunc('month', m.date::timestamp)::date
                           when 'year' then date_trunc('year', m.date::timestamp)::date else date '1970-01-01' end,
             m.user_id, sum(m.grams_collected), sum(m.points_earned), sum(m.co2_avoided_g), max(m.last_collection_at), max(m.last_points_at)
        from user_metrics m cross join (values ('week'), ('month'), ('year'), ('all')) as p(period)
       group by 1, 2, 3`);
    await q.query(`
      insert into leaderboard_counts (period, period_start, metric, bucket, users)
      select period, period_start, m.metric, m.score / m.width, count(*)
        from leaderboard_entries l
       cross join lateral (values ('kg', l.grams, 1000), ('points', l.points, 10), ('co2', l.co2_g, 1000)) as m(metric, score, width)
       where m.score > 0
       group by 1, 2, 3, 4`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop table if exists leaderboard_counts');
    await q.query('drop table if exists leaderboard_entries');
    await q.query('drop table if exists metric_users');
    await q.query('drop index if exists user_metrics_date');
    await q.query(`alter table system_metrics drop column active_users, drop column new_users`);
    await q.query(`alter table user_metrics drop column fund_amount, drop column last_collection_at, drop column last_points_at`);
    for (const table of ['user_metrics', 'system_metrics']) {
      await q.query(`alter table ${table} drop column water_saved_ml, drop column grams_by_material, drop column donated_money,
        drop column donated_points, drop column withdrawn_money, drop column rewards_redeemed`);
    }
    await q.query('drop table if exists metric_facts');
    await q.query('drop table if exists impact_factors');
    await q.query('drop table if exists impact_factor_versions');
  }
}
