import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { RewardRow } from '../domain/reward';

type Q = Pick<EntityManager, 'query'>;

/** Columns an admin may write, as named in the table. */
export type RewardColumns = Partial<Omit<RewardRow, 'id' | 'stock_used' | 'created_at' | 'updated_at'>>;

const WRITABLE: readonly (keyof RewardColumns)[] = [
  'code', 'name', 'description', 'type', 'points_cost', 'value_cents', 'currency', 'stock_total', 'per_user_limit', 'limit_period', 'min_tier',
  'visible_from', 'visible_until', 'available_from', 'available_until', 'valid_days', 'refundable_on_cancel', 'partner_service_id',
  'partner_reward_id', 'code_prefix', 'active',
];

/** The catalogue, its stock and the tiers it is judged by. */
@Injectable()
export class RewardRepository {
  constructor(private readonly ds: DataSource) {}

  async getById(id: string, q: Q = this.ds): Promise<RewardRow | null> {
    const rows = (await q.query('select * from rewards where id = $1', [id])) as RewardRow[];
    return rows[0] ?? null;
  }

  async getByCode(code: string, q: Q = this.ds): Promise<RewardRow | null> {
    const rows = (await q.query('select * from rewards where code = $1', [code])) as RewardRow[];
    return rows[0] ?? null;
  }

  /** The row locked for the rest of the transaction: every redemption of a reward is decided under this lock. */
  async lockForUpdate(q: Q, id: string): Promise<RewardRow | null> {
    const rows = (await q.query('select * from rewards where id = $1 for no key update', [id])) as RewardRow[];
    return rows[0] ?? null;
  }

  /** Active rewards visible now, by id after `cursor`; one more than `limit` tells whether a next page exists. */
  listVisible(type: string | null, cursor: string | null, limit: number): Promise<RewardRow[]> {
    return this.ds.query(
      `select * from rewards where active and (visible_from is null or visible_from <= now()) and (visible_until is null or visible_until > now())
         and ($1::text is null or type = $1) and ($2::uuid is null or id > $2) order by id limit $3`,
      [type, cursor, limit + 1],
    ) as Promise<RewardRow[]>;
  }

  async insert(q: Q, cols: RewardColumns): Promise<RewardRow | null> {
    const names = WRITABLE.filter((k) => cols[k] !== undefined);
    const rows = (await q.query(
      `insert into rewards (${names.join(', ')}) values (${names.map((_, i) => `$${i + 1}`).join(', ')}) on conflict (code) do nothing returning *`,
      names.map((k) => cols[k]),
    )) as RewardRow[];
    return rows[0] ?? null;
  }

  async update(q: Q, id: string, cols: RewardColumns): Promise<RewardRow> {
    const names = WRITABLE.filter((k) => cols[k] !== undefined);
    const rows = (await q.query(
      `update rewards set ${[...names.map((k, i) => `${k} = $${i + 2}`), 'updated_at = now()'].join(', ')} where id = $1 returning *`,
      [id, ...names.map((k) => cols[k])],
    )) as [RewardRow[], number];
    return rows[0][0]!;
  }

  /**
   * Locks the reward row for the rest of the transaction (every redemption of a reward is decided
   * under this lock; `no key update`, so the foreign keys of user rewards being issued meanwhile,
   * which take `key share` on it, do not wait for the decisions) and reads, in the same round trip, its minimum tier's rank and the resident's
   * tier rank (0 before any `tier_update`): neither changes with concurrent redemptions.
   */
  async readForRedemption(q: Q, rewardId: string, userId: string, lock: boolean): Promise<(RewardRow & { min_rank: number | null; user_rank: number }) | null> {
    const rows = (await q.query(
      `select r.*, (select rank from tiers where code = r.min_tier) as min_rank,
          coalesce((select t.rank from user_tiers u join tiers t on t.code = u.tier where u.user_id = $2), 0) as user_rank
         from rewards r where r.id = $1${lock ? ' for no key update of r' : ''}`,
      [rewardId, userId],
    )) as (RewardRow & { min_rank: number | null; user_rank: number })[];
    return rows[0] ?? null;
  }

  /**
   * Under the reward's lock, one statement: counts the resident's pending and issued redemptions in
   * the limit's period and, when a slot and a unit are left, takes the unit (conditional update),
   * records the redemption `pending` and, for a stock-limited reward, its movement. A statement of
   * its own after the lock on purpose: a statement's snapshot is taken when it starts, so a count in
   * the locking statement would miss redemptions committed while it waited (a test caught it).
   */
  async takeForRedemption(q: Q, r: { reward: RewardRow; redemptionId: string; userId: string; walletRequest: unknown; actor: string; graceMs: number }): Promise<{ used: number; taken: boolean }> {
    const limited = r.reward.stock_total !== null;
    const rows = (await q.query(
      `with used as (
         select count(*)::int as n from redemptions where $8::int is not null and user_id = $3 and reward_id = $1 and status in ('pending', 'issued')
           and created_at >= reward_period_start($7, now())),
       slot as (select ($8::int is null or (select n from used) < $8) as free),
       taken as (
         update rewards set stock_used = stock_used + 1 where $9::boolean and id = $1 and stock_used < stock_total and (select free from slot)
         returning stock_total),
       go as (select 1 from taken union all select 1 where not $9::boolean and (select free from slot)),
       redemption as (
         insert into redemptions (id, reward_id, user_id, status, wallet_request, holds_stock, requested_by, next_attempt_at)
         select $2, $1, $3, 'pending', $4::jsonb, $9, $5, now() + make_interval(secs => $6::float8 / 1000) from go returning id),
       movement as (
         insert into reward_stock_movements (reward_id, delta, stock_total_after, kind, reason, redemption_id, actor)
         select $1, -1, stock_total, 'redemption', 'redeemed', $2, $5 from taken where stock_total is not null)
       select (select n from used) as used, (select count(*)::int from redemption) as taken`,
      [r.reward.id, r.redemptionId, r.userId, r.walletRequest === null ? null : JSON.stringify(r.walletRequest), r.actor, r.graceMs, r.reward.limit_period, r.reward.per_user_limit, limited],
    )) as { used: number; taken: number }[];
    return { used: rows[0]!.used, taken: rows[0]!.taken === 1 };
  }

  /** A stock set on an unlimited reward counts from now on: redemptions decided while it was unlimited hold no unit. */
  async startCountingStock(q: Q, id: string): Promise<void> {
    await q.query('update rewards set stock_used = 0 where id = $1', [id]);
    await q.query('update redemptions set holds_stock = false where reward_id = $1 and holds_stock', [id]);
  }

  async giveBackOne(q: Q, id: string): Promise<void> {
    await q.query('update rewards set stock_used = stock_used - 1 where id = $1 and stock_used > 0', [id]);
  }

  async recordMovement(q: Q, m: { rewardId: string; delta: number; stockTotalAfter: number | null; kind: 'set' | 'redemption' | 'returned'; reason: string; redemptionId?: string | null; actor: string }): Promise<void> {
    await q.query(
      'insert into reward_stock_movements (reward_id, delta, stock_total_after, kind, reason, redemption_id, actor) values ($1, $2, $3, $4, $5, $6, $7)',
      [m.rewardId, m.delta, m.stockTotalAfter, m.kind, m.reason, m.redemptionId ?? null, m.actor],
    );
  }

  listMovements(rewardId: string, limit: number): Promise<{ id: string; delta: number; stock_total_after: number | null; kind: string; reason: string; redemption_id: string | null; actor: string; created_at: Date }[]> {
    return this.ds.query('select * from reward_stock_movements where reward_id = $1 order by id desc limit $2', [rewardId, limit]);
  }

  /** Rank of a tier code, or null when the tier is unknown. */
  async tierRank(code: string, q: Q = this.ds): Promise<number | null> {
    const rows = (await q.query('select rank from tiers where code = $1', [code])) as { rank: number }[];
    return rows[0]?.rank ?? null;
  }

  /** The resident's tier rank as last told by the wallet (`tier_update`); 0 (the lowest tier) before any. */
  async userTierRank(userId: string, q: Q = this.ds): Promise<number> {
    const rows = (await q.query('select t.rank from user_tiers u join tiers t on t.code = u.tier where u.user_id = $1', [userId])) as { rank: number }[];
    return rows[0]?.rank ?? 0;
  }

  /** Pending and issued redemptions of the resident counted against `rewardIds`' limits, each in its own period. */
  async usedInPeriod(userId: string, rewardIds: string[], q: Q = this.ds): Promise<Map<string, number>> {
    if (rewardIds.length === 0) return new Map();
    const rows = (await q.query(
      `select r.id, (select count(*)::int from redemptions d where d.user_id = $1 and d.reward_id = r.id and d.status in ('pending', 'issued')
          and d.created_at >= reward_period_start(r.limit_period, now())) as used
         from rewards r where r.id = any($2::uuid[])`,
      [userId, rewardIds],
    )) as { id: string; used: number }[];
    return new Map(rows.map((r) => [r.id, r.used]));
  }

  /** The most redemptions any one resident has in the current period of `period` (a limit may not go below it). */
  async mostUsedByOneUser(q: Q, rewardId: string, period: string): Promise<number> {
    const rows = (await q.query(
      `select coalesce(max(n), 0)::int as n from (select count(*) as n from redemptions where reward_id = $1 and status in ('pending', 'issued')
         and created_at >= reward_period_start($2, now()) group by user_id) x`,
      [rewardId, period],
    )) as { n: number }[];
    return rows[0]!.n;
  }
}
