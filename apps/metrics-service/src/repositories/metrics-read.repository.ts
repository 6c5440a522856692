import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export type Granularity = 'day' | 'week' | 'month';
export type LeaderboardPeriod = 'week' | 'month' | 'year' | 'all';
export type LeaderboardMetric = 'kg' | 'points' | 'co2';

/** The figures of one day, week or month (labelled by its first day in the range). */
export interface SeriesRow {
  date: string;
  points_earned: number;
  points_spent: number;
  money_earned: number;
  money_spent: number;
  collections: number;
  grams_collected: number;
  grams_by_material: Record<string, number>;
  co2_avoided_g: number;
  water_saved_ml: number;
  fund_amount: number;
  donated_money: number;
  donated_points: number;
  withdrawn_money: number;
  rewards_redeemed: number;
  wallet_events: number;
  active_users?: number;
  new_users?: number;
}

const SUMMED = [
  'points_earned', 'points_spent', 'money_earned', 'money_spent', 'collections', 'grams_collected', 'co2_avoided_g', 'water_saved_ml', 'fund_amount',
  'donated_money', 'donated_points', 'withdrawn_money', 'rewards_redeemed', 'wallet_events',
];

/** Leaderboard columns per metric: the score and when it was reached (ties: first there, first listed). */
const BOARD: Record<LeaderboardMetric, { score: string; at: string; width: number }> = {
  kg: { score: 'grams', at: 'grams_at', width: 1000 },
  points: { score: 'points', at: 'points_at', width: 10 },
  co2: { score: 'co2_g', at: 'grams_at', width: 1000 },
};

/** A leaderboard period: its first and last local days, and when it freezes (null: never, for `all`). */
export interface LeaderboardWindow {
  start: string;
  end: string;
  day: string;
  freezeAt: Date | null;
  closed: boolean;
}

/** Reads of the derived rows: series, impact totals, leaderboards. */
@Injectable()
export class MetricsReadRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Buckets of `table` rows (user_metrics for a user, system_metrics for the programme) between two
   * local days, summed per day, week (from Monday) or month; only buckets with rows.
   */
  async series(table: 'user_metrics' | 'system_metrics', userId: string | null, from: string, to: string, granularity: Granularity): Promise<SeriesRow[]> {
    const extra = table === 'system_metrics' ? ['new_users', ...(granularity === 'day' ? ['active_users'] : [])] : [];
    const params: unknown[] = [from, to, granularity];
    if (userId) params.push(userId);
    const where = `r.date between $1 and $2${userId ? ' and r.user_id = $4' : ''}`;
    if (granularity === 'day' && userId) {
      // A user's day is one row: nothing to sum.
      return (await this.ds.query(
        `select to_char(r.date, 'YYYY-MM-DD') as date, ${[...SUMMED, ...extra].map((c) => `r.${c}`).join(', ')}, r.grams_by_material
           from ${table} r where r.date between $1 and $2 and r.user_id = $3 order by r.date`,
        [from, to, userId],
      )) as SeriesRow[];
    }
    return (await this.ds.query(
      `with picked as (select date_trunc($3, r.date::timestamp)::date as bucket, r.* from ${table} r where ${where}),
            mat as (select bucket, jsonb_object_agg(key, total) as g
                      from (select p.bucket, e.key, sum(e.value::bigint) as total from picked p, jsonb_each_text(p.grams_by_material) e group by 1, 2) x
                     group by bucket)
       select to_char(p.bucket, 'YYYY-MM-DD') as date, ${[...SUMMED, ...extra].map((c) => `sum(p.${c})::bigint as ${c}`).join(', ')},
              coalesce(mat.g, '{}'::jsonb) as grams_by_material
         from picked p left join mat using (bucket)
        group by p.bucket, mat.g
        order by p.bucket`,
      params,
    )) as SeriesRow[];
  }

  /** Distinct residents with at least one collection per week or month bucket (a week's actives are not the sum of its days'). */
  async activeUsers(from: string, to: string, granularity: Granularity): Promise<Map<string, number>> {
    const rows = (await this.ds.query(
      `select to_char(date_trunc($3, date::timestamp)::date, 'YYYY-MM-DD') as date, count(distinct user_id)::int as n
         from user_metrics where date between $1 and $2 and collections > 0 group by 1`,
      [from, to, granularity],
    )) as { date: string; n: number }[];
    return new Map(rows.map((r) => [r.date, r.n]));
  }

  /** Material codes with grams in the range (for CSV columns). */
  async materials(table: 'user_metrics' | 'system_metrics', userId: string | null, from: string, to: string): Promise<string[]> {
    const rows = (await this.ds.query(
      `select distinct jsonb_object_keys(grams_by_material) as m from ${table} where date between $1 and $2${userId ? ' and user_id = $3' : ''} order by 1`,
      userId ? [from, to, userId] : [from, to],
    )) as { m: string }[];
    return rows.map((r) => r.m);
  }

  /** Programme totals of collections between two local days. */
  async impactTotals(from: string, to: string): Promise<{ grams: number; co2_avoided_g: number; water_saved_ml: number; collections: number; by_material: Record<string, number> }> {
    const [row] = (await this.ds.query(
      `with picked as (select * from system_metrics where date between $1 and $2)
       select coalesce(sum(grams_collected), 0)::bigint as grams, coalesce(sum(co2_avoided_g), 0)::bigint as co2_avoided_g,
              coalesce(sum(water_saved_ml), 0)::bigint as water_saved_ml, coalesce(sum(collections), 0)::bigint as collections,
              coalesce((select jsonb_object_agg(key, total) from (select e.key, sum(e.value::bigint) as total from picked p, jsonb_each_text(p.grams_by_material) e group by 1) x), '{}'::jsonb) as by_material
         from picked`,
      [from, to],
    )) as { grams: number; co2_avoided_g: number; water_saved_ml: number; collections: number; by_material: Record<string, number> }[];
    return row!;
  }

  /** When the newest event in the figures happened (null before any). */
  async dataAsOf(): Promise<string | null> {
    const [row] = (await this.ds.query('select max(event_occurred_at) as at from metric_facts')) as { at: Date | null }[];
    return row?.at ? row.at.toISOString() : null;
  }

  /** The local day now, and the period holding a local day (its first day and the day after its last). */
  async period(period: LeaderboardPeriod, day: string | null, timeZone: string): Promise<LeaderboardWindow> {
    const [row] = (await this.ds.query(
      `with d as (select coalesce($2::date, (now() at time zone $3::text)::date) as day),
            p as (select day, case $1::text when 'week' then date_trunc('week', day::timestamp)::date when 'month' then date_trunc('month', day::timestamp)::date
                                           when 'year' then date_trunc('year', day::timestamp)::date else date '1970-01-01' end as start from d)
       select to_char(day, 'YYYY-MM-DD') as day, to_char(start, 'YYYY-MM-DD') as start,
              to_char(case $1::text when 'week' then start + 6 when 'month' then (start + interval '1 month')::date - 1
                                    when 'year' then (start + interval '1 year')::date - 1 else day end, 'YYYY-MM-DD') as "end",
              -- An hour after the period's last local day ends ('all' never closes).
              case when $1::text = 'all' then null
                   else ((case $1::text when 'week' then start + 7 when 'month' then (start + interval '1 month')::date
                                        else (start + interval '1 year')::date end)::timestamp at time zone $3::text) + interval '1 hour' end as freeze_at
         from p`,
      [period, day, timeZone],
    )) as { start: string; end: string; day: string; freeze_at: Date | null }[];
    const r = row!;
    return { start: r.start, end: r.end, day: r.day, freezeAt: r.freeze_at, closed: r.freeze_at !== null && r.freeze_at.getTime() <= Date.now() };
  }

  /**
   * Freezes a closed period's board: its entries as they stand, ranked as the live board (ties share
   * a rank, the first there listed first), kept from then on, so an event arriving later moves the
   * residents' own figures but not the board. Made by the freeze job soon after `freeze_at`, or by
   * the first read after it, once (a concurrent reader waits for the first one's commit).
   */
  async freeze(period: LeaderboardPeriod, start: string, metric: LeaderboardMetric, freezeAt: Date): Promise<boolean> {
    if (period === 'all') return false;
    const { score, at } = BOARD[metric];
    return this.ds.transaction(async (tx) => {
      const made = (await tx.query(
        `insert into leaderboard_freezes (period, period_start, metric, cutoff) values ($1, $2, $3, $4) on conflict do nothing returning 1`,
        [period, start, metric, freezeAt],
      )) as unknown[];
      if (made.length === 0) return false;
      await tx.query(
        `insert into leaderboard_frozen (period, period_start, metric, position, user_id, value, rank)
         select $1, $2, $3, row_number() over (order by ${score} desc, ${at} asc nulls last, user_id), user_id, ${score}, rank() over (order by ${score} desc)
           from leaderboard_entries where period = $1 and period_start = $2 and ${score} > 0`,
        [period, start, metric],
      );
      return true;
    });
  }

  /** The top `limit` of a frozen board. */
  async frozenBoard(period: LeaderboardPeriod, start: string, metric: LeaderboardMetric, limit: number): Promise<{ user_id: string; value: number; rank: number }[]> {
    return (await this.ds.query(
      `select user_id, value, rank from leaderboard_frozen where period = $1 and period_start = $2 and metric = $3 order by position limit $4`,
      [period, start, metric, limit],
    )) as { user_id: string; value: number; rank: number }[];
  }

  /** A user's standing on a frozen board, or null when they scored nothing then. */
  async frozenStanding(period: LeaderboardPeriod, start: string, metric: LeaderboardMetric, userId: string): Promise<{ value: number; rank: number } | null> {
    const [row] = (await this.ds.query(
      `select value, rank from leaderboard_frozen where period = $1 and period_start = $2 and metric = $3 and user_id = $4`,
      [period, start, metric, userId],
    )) as { value: number; rank: number }[];
    return row ?? null;
  }

  /** The top `limit` of a period with standard competition ranks (ties share a rank; first there, first listed). */
  async leaderboard(period: LeaderboardPeriod, start: string, metric: LeaderboardMetric, limit: number): Promise<{ user_id: string; value: number; rank: number }[]> {
    const { score, at } = BOARD[metric];
    return (await this.ds.query(
      `select user_id, ${score} as value, rank() over (order by ${score} desc)::int as rank
         from leaderboard_entries
        where period = $1 and period_start = $2 and ${score} > 0
        order by ${score} desc, ${at} asc nulls last, user_id
        limit $3`,
      [period, start, limit],
    )) as { user_id: string; value: number; rank: number }[];
  }

  /**
   * A user's standing in a period: their score and rank (1 + how many scored more), or null without
   * a score. Who scored more: the counts of the buckets above theirs, and the entries above them in theirs.
   */
  async standing(period: LeaderboardPeriod, start: string, metric: LeaderboardMetric, userId: string): Promise<{ value: number; rank: number } | null> {
    const { score, width } = BOARD[metric];
    const [row] = (await this.ds.query(
      `select l.${score} as value,
              (1 + coalesce((select sum(c.users) from leaderboard_counts c
                              where c.period = $1 and c.period_start = $2 and c.metric = $4 and c.bucket > l.${score} / $5), 0)
                 + (select count(*) from leaderboard_entries o
                     where o.period = $1 and o.period_start = $2 and o.${score} > 0 and o.${score} > l.${score} and o.${score} < (l.${score} / $5 + 1) * $5))::int as rank
         from leaderboard_entries l where l.period = $1 and l.period_start = $2 and l.user_id = $3 and l.${score} > 0`,
      [period, start, userId, metric, width],
    )) as { value: number; rank: number }[];
    return row ?? null;
  }
}
