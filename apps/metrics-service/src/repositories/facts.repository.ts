import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Fact } from '../domain/facts';
import { ROLLUP_FIGURES, type DayChange, type SystemDayChange, type UserDay } from '../domain/rollup';

/** A (user, local day) whose row is to be recomputed; `user_id` null for a fact about no user. */
export interface DayKey {
  user_id: string | null;
  day: string;
}

const FIGURES = [
  'points_earned', 'points_spent', 'money_earned', 'money_spent', 'collections', 'grams', 'co2_avoided_g', 'water_saved_ml', 'fund_amount',
  'donated_money', 'donated_points', 'withdrawn_money', 'rewards_redeemed', 'wallet_events',
] as const;

// user_metrics / system_metrics call the facts' `grams` grams_collected (the column the first rollups named).
const ROLLUP_COLUMNS = FIGURES.map((f) => (f === 'grams' ? 'grams_collected' : f));
const USER_DAY = `user_id, to_char(date, 'YYYY-MM-DD') as day, ${ROLLUP_COLUMNS.join(', ')}, grams_by_material, last_collection_at, last_points_at`;

/** Adds two {material: grams} maps in SQL, dropping what sums to 0. */
const ADD_MATERIALS = (a: string, b: string) =>
  `(select coalesce(jsonb_object_agg(key, total) filter (where total <> 0), '{}'::jsonb)
      from (select key, sum(value::bigint) as total from (select * from jsonb_each_text(${a}) union all select * from jsonb_each_text(${b})) u group by key) x)`;

/** Period starts of a local day, in SQL (`d` a date expression). */
const PERIOD_START = (period: string, d: string) =>
  `case ${period} when 'week' then date_trunc('week', ${d}::timestamp)::date when 'month' then date_trunc('month', ${d}::timestamp)::date
                  when 'year' then date_trunc('year', ${d}::timestamp)::date else date '1970-01-01' end`;

/**
 * Facts and the rows derived from them. A user's day is recomputed from its facts, never incremented,
 * so applying an event again, late or out of order gives the same row. A programme day and a
 * leaderboard entry are sums of user days: they move by what the recomputation changed (after −
 * before), which is nothing for a replay, so they too stay exact, at the cost of the users a batch
 * touched rather than of everyone active that day.
 */
@Injectable()
export class FactsRepository {
  /**
   * Inserts the facts not recorded yet (keyed by event id; a fact never changes) and returns the
   * (user, day) of every given event, recorded now or before: a replay still recomputes its rows.
   */
  async record(tx: EntityManager, facts: readonly Fact[], timeZone: string): Promise<DayKey[]> {
    if (facts.length === 0) return [];
    const rows = (await tx.query(
      `with ins as (
         insert into metric_facts (event_id, event_type, kind, user_id, business_at, day, event_occurred_at, ${FIGURES.join(', ')}, grams_by_material, impact_version)
         select f.event_id, f.event_type, f.kind, f.user_id, f.business_at, (f.business_at at time zone $2::text)::date, f.event_occurred_at,
                ${FIGURES.map((c) => `f.${c}`).join(', ')}, f.grams_by_material, f.impact_version
           from jsonb_to_recordset($1::jsonb) as f(event_id uuid, event_type text, kind text, user_id uuid, business_at timestamptz, event_occurred_at timestamptz,
                ${FIGURES.map((c) => `${c} bigint`).join(', ')}, grams_by_material jsonb, impact_version int)
         on conflict (event_id) do nothing
         returning user_id, day)
       select user_id, to_char(day, 'YYYY-MM-DD') as day from ins
       union
       select user_id, to_char(day, 'YYYY-MM-DD') from metric_facts where event_id = any($3::uuid[])`,
      [JSON.stringify(facts), timeZone, facts.map((f) => f.event_id)],
    )) as DayKey[];
    return rows;
  }

  /**
   * Serialises the batches that touch the same users (two consumers may briefly own a partition
   * during a rebalance): each reads a user's rows only after the other committed, so a change is
   * never counted from the same "before" twice. Locks taken in one global order (no deadlock).
   */
  async lockUsers(tx: EntityManager, userIds: readonly string[]): Promise<void> {
    if (userIds.length === 0) return;
    await tx.query(
      `select pg_advisory_xact_lock(1302, h) from (select distinct hashtext(u::text) as h from unnest($1::uuid[]) as u order by 1) as s`,
      [userIds],
    );
  }

  /** The (user, day) rows as they stand, locked (in a fixed order) until the batch commits. */
  async lockUserDays(tx: EntityManager, keys: readonly DayKey[]): Promise<UserDay[]> {
    const users = keys.filter((k) => k.user_id !== null);
    if (users.length === 0) return [];
    return (await tx.query(
      `select ${USER_DAY} from user_metrics
        where (user_id, date) in (select * from unnest($1::uuid[], $2::date[]))
        order by user_id, date for update`,
      [users.map((k) => k.user_id), users.map((k) => k.day)],
    )) as UserDay[];
  }

  /** Recomputes each (user, day) row from that user's facts of the day; returns the rows. */
  async recomputeUserDays(tx: EntityManager, keys: readonly DayKey[]): Promise<UserDay[]> {
    const users = keys.filter((k) => k.user_id !== null);
    if (users.length === 0) return [];
    return (await tx.query(
      `insert into user_metrics as m (user_id, date, ${ROLLUP_COLUMNS.join(', ')}, grams_by_material, last_collection_at, last_points_at, updated_at)
       select k.user_id, k.date, ${FIGURES.map((c) => `coalesce(sum(f.${c}), 0)`).join(', ')},
              coalesce((select jsonb_object_agg(e.key, e.total) from (
                          select g.key, sum(g.value::bigint) as total from metric_facts f2, jsonb_each_text(f2.grams_by_material) g
                           where f2.user_id = k.user_id and f2.day = k.date group by g.key) e), '{}'::jsonb),
              max(f.business_at) filter (where f.collections > 0), max(f.business_at) filter (where f.points_earned > 0), now()
         from (select distinct t.user_id, t.date from unnest($1::uuid[], $2::date[]) as t(user_id, date)) k
         left join metric_facts f on f.user_id = k.user_id and f.day = k.date
        group by k.user_id, k.date
        order by k.user_id, k.date
       on conflict (user_id, date) do update set
         ${[...ROLLUP_COLUMNS, 'grams_by_material', 'last_collection_at', 'last_points_at', 'updated_at'].map((c) => `${c} = excluded.${c}`).join(', ')}
       returning ${USER_DAY}`,
      [users.map((k) => k.user_id), users.map((k) => k.day)],
    )) as UserDay[];
  }

  /**
   * Records the days on which users collected for the first time (`candidates`: days that now have a
   * collection and had none); an earlier day replaces a later one. Returns each move: `from` null
   * for a user new to the metrics.
   */
  async firstCollections(tx: EntityManager, candidates: readonly { user_id: string; day: string }[]): Promise<{ from: string | null; to: string }[]> {
    if (candidates.length === 0) return [];
    return (await tx.query(
      `with c as (select t.user_id, min(t.day) as day from unnest($1::uuid[], $2::date[]) as t(user_id, day) group by 1),
            old as (select mu.user_id, mu.first_collection_day from metric_users mu join c using (user_id)),
            up as (insert into metric_users (user_id, first_collection_day) select user_id, day from c order by user_id
                   on conflict (user_id) do update set first_collection_day = excluded.first_collection_day
                   where excluded.first_collection_day < metric_users.first_collection_day
                   returning user_id, first_collection_day)
       select to_char(old.first_collection_day, 'YYYY-MM-DD') as "from", to_char(up.first_collection_day, 'YYYY-MM-DD') as "to"
         from up left join old using (user_id)`,
      [candidates.map((c) => c.user_id), candidates.map((c) => c.day)],
    )) as { from: string | null; to: string }[];
  }

  /** Marks changed (user, day) rows for the next `metrics_update` batch (a replay changes none, so marks none). */
  async markPending(tx: EntityManager, changes: readonly DayChange[]): Promise<void> {
    if (changes.length === 0) return;
    await tx.query(
      `insert into metrics_update_pending (user_id, day)
       select distinct t.user_id, t.day from unnest($1::uuid[], $2::date[]) as t(user_id, day) order by 1, 2
       on conflict do nothing`,
      [changes.map((c) => c.user_id), changes.map((c) => c.day)],
    );
  }

  /** Moves each leaderboard entry (week, month, year, all) holding a changed user day by that change. */
  async moveLeaderboard(tx: EntityManager, changes: readonly DayChange[]): Promise<void> {
    if (changes.length === 0) return;
    await tx.query(
      `with c as (select * from jsonb_to_recordset($1::jsonb) as c(user_id uuid, day date, grams_collected bigint, points_earned bigint, co2_avoided_g bigint,
                                                                 last_collection_at timestamptz, last_points_at timestamptz)),
       moves as (
         select c.user_id, p.period, ${PERIOD_START('p.period', 'c.day')} as start, sum(c.grams_collected)::bigint as grams, sum(c.points_earned)::bigint as points,
                sum(c.co2_avoided_g)::bigint as co2_g, max(c.last_collection_at) as grams_at, max(c.last_points_at) as points_at
           from c cross join (values ('week'), ('month'), ('year'), ('all')) as p(period)
          group by 1, 2, 3),
       up as (
         insert into leaderboard_entries as l (period, period_start, user_id, grams, points, co2_g, grams_at, points_at)
         select period, start, user_id, grams, points, co2_g, grams_at, points_at from moves order by user_id, period, start
         on conflict (period, period_start, user_id) do update set
           grams = l.grams + excluded.grams, points = l.points + excluded.points, co2_g = l.co2_g + excluded.co2_g,
           grams_at = greatest(l.grams_at, excluded.grams_at), points_at = greatest(l.points_at, excluded.points_at)
         returning l.period, l.period_start, l.user_id, l.grams, l.points, l.co2_g),
       scores as (
         select up.period, up.period_start, m.metric, m.width, m.score as new_score, m.score - m.moved as old_score
           from up join moves mv on mv.user_id = up.user_id and mv.period = up.period and mv.start = up.period_start
          cross join lateral (values ('kg', up.grams, mv.grams, 1000), ('points', up.points, mv.points, 10), ('co2', up.co2_g, mv.co2_g, 1000))
                as m(metric, score, moved, width)),
       buckets as (
         select period, period_start, metric, bucket, sum(d) as d
           from (select period, period_start, metric, new_score / width as bucket, 1 as d from scores where new_score > 0
                 union all
                 select period, period_start, metric, old_score / width, -1 from scores where old_score > 0) x
          group by 1, 2, 3, 4 having sum(d) <> 0)
       insert into leaderboard_counts as lc (period, period_start, metric, bucket, users)
       select period, period_start, metric, bucket, d from buckets order by 1, 2, 3, 4
       on conflict (period, period_start, metric, bucket) do update set users = lc.users + excluded.users`,
      [JSON.stringify(changes)],
    );
  }

  /**
   * Moves the programme days by their users' changes. Last in the batch: the day's row is the one
   * every partition writes, so its lock is held only until the commit. Days in order (no deadlock).
   */
  async moveSystemDays(tx: EntityManager, changes: readonly SystemDayChange[]): Promise<void> {
    if (changes.length === 0) return;
    const cols = [...ROLLUP_FIGURES, 'active_users', 'new_users'];
    await tx.query(
      `insert into system_metrics as s (date, ${cols.join(', ')}, grams_by_material, updated_at)
       select c.day, ${cols.map((k) => `c.${k}`).join(', ')}, c.grams_by_material, now()
         from jsonb_to_recordset($1::jsonb) as c(day date, ${cols.map((k) => `${k} bigint`).join(', ')}, grams_by_material jsonb)
        order by c.day
       on conflict (date) do update set
         ${cols.map((k) => `${k} = s.${k} + excluded.${k}`).join(', ')},
         grams_by_material = ${ADD_MATERIALS('s.grams_by_material', 'excluded.grams_by_material')}, updated_at = now()`,
      [JSON.stringify(changes)],
    );
  }
}
