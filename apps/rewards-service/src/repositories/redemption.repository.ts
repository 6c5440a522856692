import { Injectable } from '@nestjs/common';
import type { WalletTransferRequest } from '@wozamali/contracts';
import { DataSource, type EntityManager } from 'typeorm';

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
   * worker got there first. A code already taken (60 bits: rare) fails the whole statement with
   * 23505 on `user_rewards_code_normalised_key`; the caller draws another.
   */
  async issueOnce(q: Q, r: { id: string; transferId: string | null; userRewardId: string; code: string | null; normalised: string | null; issuedAt: Date; expiresAt: Date | null; outbox: { id: string; topic: string; key: string | null; type: string; payload: unknown } }): Promise<boolean> {
    const rows = (await q.query(
      `with d as (update redemptions set status = 'issued', transfer_id = $2, completed_at = now() where id = $1 and status = 'pending' returning id, user_id, reward_id),
       u as (insert into user_rewards (id, user_id, reward_id, redemption_id, source, code, code_normalised, status, issued_at, expires_at)
             select $3, d.user_id, d.reward_id, d.id, 'redemption', $4, $5, 'issued', $6, $7 from d returning id),
       o as (insert into outbox (id, topic, key, type, payload) select $8, $9, $10, $11, $12::jsonb from u)
       select count(*)::int as n from u`,
      [r.id, r.transferId, r.userRewardId, r.code, r.normalised, r.issuedAt, r.expiresAt, r.outbox.id, r.outbox.topic, r.outbox.key, r.outbox.type, JSON.stringify(r.outbox.payload)],
    )) as { n: number }[];
    return rows[0]!.n === 1;
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
