import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { MetricsUpdateData } from '@wozamali/contracts';
import { OutboxWriter } from '@wozamali/messaging';
import { PeriodicJob } from '@wozamali/platform';
import { DataSource, type EntityManager } from 'typeorm';
import { MetricsServiceEnv } from '../config/env';

/** Users announced per run at most (the rest wait for the next run). */
const USERS_PER_RUN = 500;

interface Row {
  user_id?: string;
  day: string;
  collections: number;
  grams_collected: number;
  points_earned: number;
  points_spent: number;
  money_earned: number;
  donated_money: number;
  donated_points: number;
  withdrawn_money: number;
  rewards_redeemed: number;
  co2_avoided_g: number;
  water_saved_ml: number;
  fund_amount: number;
  active_users?: number;
  new_users?: number;
}

const FIGURES = `to_char(date, 'YYYY-MM-DD') as day, collections, grams_collected, points_earned, points_spent, money_earned, donated_money, donated_points,
                 withdrawn_money, rewards_redeemed, co2_avoided_g, water_saved_ml, fund_amount`;

/**
 * `metrics_update` events for analytics platforms, through the outbox (the dispatcher delivers them):
 * a user's changed day at most once a minute per user (the day's totals, never increments: a
 * consumer keeps the latest), and each programme day's final rollup once, an hour after it ends.
 * One run at a time across instances (an advisory lock), each in one transaction with its outbox rows.
 */
@Injectable()
export class MetricsUpdatePublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly job: PeriodicJob<{ users: number; rollups: number }>;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly outbox: OutboxWriter,
    @Inject(MetricsServiceEnv) private readonly env: MetricsServiceEnv,
  ) {
    this.job = new PeriodicJob({ name: 'MetricsUpdates', intervalMs: env.METRICS_UPDATE_INTERVAL_MS, logger: new Logger('MetricsUpdates') }, () => this.publish());
  }

  onApplicationBootstrap(): void {
    if (this.env.METRICS_JOBS_ENABLED) this.job.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }

  runOnce(): Promise<{ users: number; rollups: number }> {
    return this.job.runOnce();
  }

  private publish(): Promise<{ users: number; rollups: number }> {
    return this.ds.transaction(async (tx) => {
      const [lock] = (await tx.query('select pg_try_advisory_xact_lock(1304) as ok')) as { ok: boolean }[];
      if (!lock?.ok) return { users: 0, rollups: 0 };
      const dataAsOf = await this.dataAsOf(tx);
      return { users: await this.userUpdates(tx, dataAsOf), rollups: await this.rollups(tx, dataAsOf) };
    });
  }

  private async dataAsOf(tx: EntityManager): Promise<string> {
    const [row] = (await tx.query('select max(event_occurred_at) as at from metric_facts')) as { at: Date | null }[];
    return (row?.at ?? new Date(0)).toISOString();
  }

  /** One event per due user (not announced in the last minute): their oldest changed day. */
  private async userUpdates(tx: EntityManager, dataAsOf: string): Promise<number> {
    const due = (await tx.query(
      `select distinct on (p.user_id) p.user_id, to_char(p.day, 'YYYY-MM-DD') as day
         from metrics_update_pending p left join metrics_update_users u using (user_id)
        where u.last_sent_at is null or u.last_sent_at <= now() - interval '1 minute'
        order by p.user_id, p.day
        limit $1`,
      [USERS_PER_RUN],
    )) as { user_id: string; day: string }[];
    if (due.length === 0) return 0;
    const rows = (await tx.query(
      `select m.user_id, ${FIGURES} from user_metrics m where (m.user_id, m.date) in (select * from unnest($1::uuid[], $2::date[]))`,
      [due.map((d) => d.user_id), due.map((d) => d.day)],
    )) as Row[];
    const today = this.today();
    await this.outbox.add(tx, ...rows.map((r) => ({ type: 'metrics_update' as const, subject: r.user_id!, data: this.data('user', r, r.day < today, dataAsOf) })));
    await tx.query(`delete from metrics_update_pending where (user_id, day) in (select * from unnest($1::uuid[], $2::date[]))`, [due.map((d) => d.user_id), due.map((d) => d.day)]);
    await tx.query(
      `insert into metrics_update_users (user_id, last_sent_at) select u, now() from unnest($1::uuid[]) as u order by 1
       on conflict (user_id) do update set last_sent_at = excluded.last_sent_at`,
      [due.map((d) => d.user_id)],
    );
    return due.length;
  }

  /** The final rollup of every programme day that ended over an hour ago and has none yet (the last 7 days). */
  private async rollups(tx: EntityManager, dataAsOf: string): Promise<number> {
    const rows = (await tx.query(
      `select ${FIGURES}, active_users, new_users from system_metrics s
        where s.date < ((now() - interval '1 hour') at time zone $1::text)::date
          and s.date >= ((now() - interval '1 hour') at time zone $1::text)::date - 7
          and not exists (select 1 from metrics_rollups r where r.day = s.date)
        order by s.date`,
      [this.env.METRICS_TIME_ZONE],
    )) as Row[];
    if (rows.length === 0) return 0;
    const sent = await this.outbox.add(tx, ...rows.map((r) => ({ type: 'metrics_update' as const, subject: null, data: this.data('programme', r, true, dataAsOf) })));
    await tx.query(`insert into metrics_rollups (day, event_id) select * from unnest($1::date[], $2::uuid[]) on conflict do nothing`, [rows.map((r) => r.day), sent.map((e) => e.id)]);
    return rows.length;
  }

  /** Figures of one day for the event (programme: with actives, new users and the fund's intake). */
  data(scope: 'user' | 'programme', r: Row, final: boolean, dataAsOf: string): MetricsUpdateData {
    const n = (v: unknown) => Number(v);
    return {
      scope, user_id: scope === 'user' ? r.user_id! : null, date: r.day, timezone: this.env.METRICS_TIME_ZONE, final,
      collections: n(r.collections), grams_collected: n(r.grams_collected), points_earned: n(r.points_earned), points_spent: n(r.points_spent),
      money_earned: n(r.money_earned), money_donated: n(r.donated_money), points_donated: n(r.donated_points), money_withdrawn: n(r.withdrawn_money),
      rewards_redeemed: n(r.rewards_redeemed), co2_avoided_g: n(r.co2_avoided_g), water_saved_ml: n(r.water_saved_ml), currency: 'ZAR',
      active_users: scope === 'programme' ? n(r.active_users) : null, new_users: scope === 'programme' ? n(r.new_users) : null,
      fund_intake: scope === 'programme' ? n(r.fund_amount) : null, data_as_of: dataAsOf,
    };
  }

  private today(): string {
    return new Intl.DateTimeFormat('en-CA', { timeZone: this.env.METRICS_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  }
}
