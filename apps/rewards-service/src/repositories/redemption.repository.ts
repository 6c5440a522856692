import { Injectable } from '@nestjs/common';
import type { WalletTransferRequest } from '@wozamali/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import type { RewardRow } from '../domain/reward';

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

  /** pending → issued, once, answering the redemption and its reward (null when another request or the worker got there first): one round trip. */
  async markIssuedReturningReward(q: Q, id: string, transferId: string | null): Promise<{ redemption: RedemptionRow; reward: RewardRow } | null> {
    const rows = (await q.query(
      `with d as (update redemptions set status = 'issued', transfer_id = $2, completed_at = now() where id = $1 and status = 'pending' returning *)
       select row_to_json(d) as redemption, row_to_json(r) as reward from d join rewards r on r.id = d.reward_id`,
      [id, transferId],
    )) as { redemption: Record<string, unknown>; reward: Record<string, unknown> }[];
    const row = rows[0];
    if (!row) return null;
    const dates = <T>(o: Record<string, unknown>, keys: string[]): T => {
      for (const k of keys) if (typeof o[k] === 'string') o[k] = new Date(o[k] as string);
      return o as T;
    };
    return {
      redemption: dates<RedemptionRow>(row.redemption, ['next_attempt_at', 'created_at', 'completed_at']),
      reward: dates<RewardRow>(row.reward, ['visible_from', 'visible_until', 'available_from', 'available_until', 'created_at', 'updated_at']),
    };
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
