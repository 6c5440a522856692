import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { GroupCommit } from '@wozamali/database';
import type { WalletTransferRequest } from '@wozamali/contracts';
import type { RewardRow } from '../domain/reward';

/** What {@link RewardRepository.decideRedemption} decided. */
export type RedemptionDecision =
  | { outcome: 'replay'; stored: { request_hash: string; status_code: number; response: Buffer } }
  | { outcome: 'refused'; refusal: string; reward: RewardRow }
  | { outcome: 'taken'; reward: RewardRow; walletRequest: WalletTransferRequest | null; holdsStock: boolean };

type Q = Pick<EntityManager, 'query'>;

/** One redemption's decision, as {@link RewardRepository.decideRedemption} takes it. */
export interface DecisionInput {
  caller: string; keyHash: string; requestHash: string; okStatus: number; ok: Buffer; refusals: { code: string; status: number; sealed: Buffer }[];
  redemptionId: string; rewardId: string; userId: string; actor: string; graceMs: number;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

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
   * The redemption's idempotency key and its locked decision in ONE statement (`reward_redeem`; see
   * the migration RedeemFunction1764600002000). `replay`: the key was used before (its stored row);
   * `refused`: the refusal is stored as the key's answer; `taken`: the redemption is recorded
   * `pending`. An unknown reward is `null`, nothing kept (the key included).
   *
   * Decisions are group-committed ({@link GroupCommit}): those that arrive while two statements are
   * running go together as one statement, one transaction, one `reward_redeem` call each in the
   * order of their reward (then key), so two statements lock rewards in the same order. Each call
   * takes its own snapshots (a volatile function), so it sees what the calls before it in the same
   * statement did: a limit or a unit of stock taken by the request beside it is counted. A failed
   * statement keeps nothing, and each of its decisions is made again alone.
   */
  decideRedemption(r: DecisionInput): Promise<RedemptionDecision | null> {
    return this.decisions.submit(r);
  }

  /** Statements and decisions so far (tests and metrics): fewer statements than decisions means they were grouped. */
  get decisionStats(): Readonly<GroupCommit<DecisionInput, unknown>['stats']> {
    return this.decisions.stats;
  }

  private readonly decisions = new GroupCommit<DecisionInput, RedemptionDecision | null>((items) => this.decideMany(items), { maxBatch: 32, maxInFlight: 1 });

  private async decideMany(items: DecisionInput[]): Promise<(RedemptionDecision | null)[]> {
    const order = items.map((_, i) => i).sort((a, b) => cmp(items[a]!.rewardId, items[b]!.rewardId) || cmp(items[a]!.caller + items[a]!.keyHash, items[b]!.caller + items[b]!.keyHash));
    const at = (f: (x: DecisionInput) => unknown) => order.map((i) => f(items[i]!));
    const first = items[0]!;
    const codes = first.refusals.map((x) => x.code);
    for (const x of items) {
      if (x.refusals.length !== codes.length || x.refusals.some((f, i) => f.code !== codes[i] || f.status !== first.refusals[i]!.status) || x.okStatus !== first.okStatus || x.graceMs !== first.graceMs) {
        throw new Error('decisions in one statement share their refusal codes, statuses, ok status and grace');
      }
    }
    const n = codes.length;
    const rows = (await this.ds.query(
        `select a.ord, x.o_outcome as outcome, x.o_refusal as refusal, x.o_wallet_request as wallet_request, x.o_holds_stock as holds_stock,
            x.o_replay_request_hash as replay_request_hash, x.o_replay_status as replay_status, x.o_replay_response as replay_response, (x.o_reward).*
           from unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::uuid[], $6::uuid[], $7::uuid[], $8::text[]) with ordinality
                  a(caller, key_hash, request_hash, ok, redemption_id, reward_id, user_id, actor, ord)
           cross join lateral reward_redeem(a.caller, a.key_hash, a.request_hash, $9, a.ok, $10::text[], $11::int[],
                  ($12::bytea[])[(a.ord - 1) * $13 + 1 : a.ord * $13], a.redemption_id, a.reward_id, a.user_id, a.actor, $14) x
           order by a.ord`,
        [at((x) => x.caller), at((x) => x.keyHash), at((x) => x.requestHash), at((x) => x.ok), at((x) => x.redemptionId), at((x) => x.rewardId), at((x) => x.userId), at((x) => x.actor),
          first.okStatus, codes, first.refusals.map((x) => x.status), order.flatMap((i) => items[i]!.refusals.map((x) => x.sealed)), n, first.graceMs],
      )) as (RewardRow & { ord: string; outcome: RedemptionDecision['outcome'] | 'not_found'; refusal: string | null; wallet_request: WalletTransferRequest | null; holds_stock: boolean | null; replay_request_hash: string | null; replay_status: number | null; replay_response: Buffer | null })[];
    const out: (RedemptionDecision | null)[] = new Array(items.length).fill(null);
    for (const row of rows) {
      const { ord, outcome, refusal, wallet_request, holds_stock, replay_request_hash, replay_status, replay_response, ...reward } = row;
      const i = order[Number(ord) - 1]!;
      if (outcome === 'not_found') out[i] = null;
      else if (outcome === 'replay') out[i] = { outcome, stored: { request_hash: replay_request_hash!, status_code: replay_status!, response: replay_response! } };
      else if (outcome === 'refused') out[i] = { outcome, refusal: refusal!, reward };
      else out[i] = { outcome, reward, walletRequest: wallet_request, holdsStock: holds_stock! };
    }
    if (rows.length !== items.length) throw new Error(`reward_redeem answered ${rows.length} rows for ${items.length} decisions`);
    return out;
  }

  /** A stock set on an unlimited reward counts from now on: redemptions decided while it was unlimited hold no unit. */
  async startCountingStock(q: Q, id: string): Promise<void> {
    await q.query('update rewards set stock_used = 0 where id = $1', [id]);
    await q.query('update redemptions set holds_stock = false where reward_id = $1 and holds_stock', [id]);
    await q.query('update user_rewards set issue_holds_stock = false where reward_id = $1 and issue_holds_stock', [id]);
  }

  async giveBackOne(q: Q, id: string): Promise<void> {
    await q.query('update rewards set stock_used = stock_used - 1 where id = $1 and stock_used > 0', [id]);
  }

  async recordMovement(q: Q, m: { rewardId: string; delta: number; stockTotalAfter: number | null; kind: 'set' | 'redemption' | 'returned' | 'issue'; reason: string; redemptionId?: string | null; actor: string }): Promise<void> {
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
