import { Injectable } from '@nestjs/common';
import type { WalletTransferRequest } from '@wozamali/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { GroupCommit } from '@wozamali/database';

type Q = Pick<EntityManager, 'query'>;

export interface RedemptionRow {
  id: string;
  reward_id: string;
  user_id: string;
  status: 'pending' | 'issued' | 'failed';
  /** The wallet request, stored once and resent unchanged with the same key; null for a free reward. */
  wallet_request: WalletTransferRequest | null;
  /** Whether it took a unit of a stock-limited reward (given back if it fails or is cancelled). */
  holds_stock: boolean;
  transfer_id: string | null;
  failure_code: string | null;
  requested_by: string;
  attempts: number;
  next_attempt_at: Date;
  created_at: Date;
  completed_at: Date | null;
}

/** One redemption's outcome `issued`, as {@link RedemptionRepository.issueOnce} records it. */
export interface IssueInput {
  id: string; transferId: string | null; userRewardId: string; code: string | null; normalised: string | null; issuedAt: Date; expiresAt: Date | null;
  outbox: { id: string; topic: string; key: string | null; type: string; payload: unknown };
}

/** Redemptions: the locally committed decision, then the wallet's outcome. */
@Injectable()
export class RedemptionRepository {
  constructor(private readonly ds: DataSource) {}

  async getById(id: string, q: Q = this.ds): Promise<RedemptionRow | null> {
    const rows = (await q.query('select * from redemptions where id = $1', [id])) as RedemptionRow[];
    return rows[0] ?? null;
  }

  /**
   * pending → issued, the user reward with its code, and its event in the outbox: ONE statement
   * (atomic without a transaction of its own, one round trip). False when another request or the
   * worker got there first. A code already taken (60 bits: rare) fails the statement with 23505 on
   * `user_rewards_code_normalised_key`; the caller draws another. Group-committed (see
   * {@link GroupCommit}): outcomes that arrive while two statements run go together, never two of
   * one redemption in one statement; a failed statement is made again one outcome at a time, so
   * only the outcome whose code was taken sees the 23505.
   */
  issueOnce(r: IssueInput): Promise<boolean> {
    return this.issues.submit(r);
  }

  /** Statements and outcomes so far (tests and metrics). */
  get issueStats(): Readonly<GroupCommit<IssueInput, unknown>['stats']> {
    return this.issues.stats;
  }

  private readonly issues = new GroupCommit<IssueInput, boolean>((items) => this.issueMany(items), { maxBatch: 32, maxInFlight: 1 }, (item, taken) => !taken.some((t) => t.id === item.id));

  private async issueMany(items: IssueInput[]): Promise<boolean[]> {
    const col = <T>(f: (x: IssueInput) => T) => items.map(f);
    const rows = (await this.ds.query(
      `with i as (select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::uuid[], $9::text[], $10::text[], $11::text[], $12::jsonb[]) with ordinality
                    t(id, transfer_id, user_reward_id, code, normalised, issued_at, expires_at, outbox_id, topic, key, type, payload, ord)),
       d as (update redemptions r set status = 'issued', transfer_id = i.transfer_id, completed_at = now() from i where r.id = i.id and r.status = 'pending' returning r.id, r.user_id, r.reward_id),
       u as (insert into user_rewards (id, user_id, reward_id, redemption_id, source, code, code_normalised, status, issued_at, expires_at)
             select i.user_reward_id, d.user_id, d.reward_id, d.id, 'redemption', i.code, i.normalised, 'issued', i.issued_at, i.expires_at from d join i on i.id = d.id order by i.ord returning redemption_id),
       o as (insert into outbox (id, topic, key, type, payload) select i.outbox_id, i.topic, i.key, i.type, i.payload from u join i on i.id = u.redemption_id order by i.ord)
       select redemption_id as id from u`,
      [col((x) => x.id), col((x) => x.transferId), col((x) => x.userRewardId), col((x) => x.code), col((x) => x.normalised), col((x) => x.issuedAt), col((x) => x.expiresAt),
        col((x) => x.outbox.id), col((x) => x.outbox.topic), col((x) => x.outbox.key), col((x) => x.outbox.type), col((x) => JSON.stringify(x.outbox.payload))],
    )) as { id: string }[];
    const won = new Set(rows.map((r) => r.id));
    return items.map((x) => won.has(x.id));
  }

  /** pending → failed, once: only the caller that wins gives the stock back. */
  async markFailed(q: Q, id: string, code: string): Promise<boolean> {
    const res = (await q.query(`update redemptions set status = 'failed', failure_code = $2, completed_at = now() where id = $1 and status = 'pending'`, [id, code])) as [unknown[], number];
    return res[1] === 1;
  }

  /** The wallet could not be reached: try again after a backoff that grows with the attempts (at most a minute). */
  async deferAfterUnavailable(id: string): Promise<void> {
    await this.ds.query(
      `update redemptions set attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => least(60, power(2, least(attempts, 6)))) where id = $1 and status = 'pending'`,
      [id],
    );
  }

  /** Pending redemptions due a retry, leased for `leaseMs` so no other worker takes them meanwhile. */
  async claimDue(limit: number, leaseMs: number): Promise<string[]> {
    const res = (await this.ds.query(
      `update redemptions set next_attempt_at = now() + make_interval(secs => $2::float8 / 1000) where id in (
         select id from redemptions where status = 'pending' and next_attempt_at <= now() order by next_attempt_at limit $1 for update skip locked)
       returning id`,
      [limit, leaseMs],
    )) as [{ id: string }[], number];
    return res[0].map((r) => r.id);
  }
}
