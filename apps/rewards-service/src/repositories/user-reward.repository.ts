import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

type Q = Pick<EntityManager, 'query'>;

export type UserRewardStatusValue = 'issued' | 'used' | 'expired' | 'cancelled';

/** A user reward joined with its definition's fields that events and views need. */
export interface UserRewardRow {
  id: string;
  user_id: string;
  reward_id: string;
  redemption_id: string | null;
  source: 'redemption' | 'badge' | 'admin';
  code: string | null;
  code_normalised: string | null;
  status: UserRewardStatusValue;
  issued_at: Date;
  expires_at: Date | null;
  used_at: Date | null;
  used_by_service_id: string | null;
  expired_at: Date | null;
  cancelled_at: Date | null;
  cancel_reason: string | null;
  cancelled_by: string | null;
  refund_transfer_id: string | null;
  reminded_days: number[];
  reward_code: string;
  reward_name: string;
  reward_type: string;
  partner_service_id: string | null;
  partner_reward_id: string | null;
  points_cost: number;
  value_cents: string;
  currency: string;
  refundable_on_cancel: boolean;
  transfer_id: string | null;
  holds_stock: boolean | null;
}

const SELECT = `select u.*, r.code as reward_code, r.name as reward_name, r.type as reward_type, r.partner_service_id, r.partner_reward_id,
  r.points_cost, r.value_cents, r.currency, r.refundable_on_cancel, d.transfer_id,
  case when u.redemption_id is not null then d.holds_stock else u.issue_holds_stock end as holds_stock
  from user_rewards u join rewards r on r.id = u.reward_id left join redemptions d on d.id = u.redemption_id`;

/** Issued rewards of residents: codes, status, expiry. */
@Injectable()
export class UserRewardRepository {
  constructor(private readonly ds: DataSource) {}

  async getById(id: string, q: Q = this.ds): Promise<UserRewardRow | null> {
    const rows = (await q.query(`${SELECT} where u.id = $1`, [id])) as UserRewardRow[];
    return rows[0] ?? null;
  }

  async getByRedemption(redemptionId: string, q: Q = this.ds): Promise<UserRewardRow | null> {
    const rows = (await q.query(`${SELECT} where u.redemption_id = $1`, [redemptionId])) as UserRewardRow[];
    return rows[0] ?? null;
  }

  /** The row locked for a status change (use, rollback, cancel, expiry). */
  async lockForUpdate(q: Q, id: string): Promise<UserRewardRow | null> {
    const rows = (await q.query(`${SELECT} where u.id = $1 for update of u`, [id])) as UserRewardRow[];
    return rows[0] ?? null;
  }

  async lockByCode(q: Q, normalised: string): Promise<UserRewardRow | null> {
    const rows = (await q.query(`${SELECT} where u.code_normalised = $1 for update of u`, [normalised])) as UserRewardRow[];
    return rows[0] ?? null;
  }

  async findByCode(normalised: string): Promise<UserRewardRow | null> {
    const rows = (await this.ds.query(`${SELECT} where u.code_normalised = $1`, [normalised])) as UserRewardRow[];
    return rows[0] ?? null;
  }

  listForUser(userId: string, status: string | null, cursor: string | null, limit: number): Promise<UserRewardRow[]> {
    return this.ds.query(`${SELECT} where u.user_id = $1 and ($2::text is null or u.status = $2) and ($3::uuid is null or u.id < $3) order by u.id desc limit $4`, [
      userId, status, cursor, limit + 1,
    ]) as Promise<UserRewardRow[]>;
  }

  /** Inserts an issued reward; false when the code was taken (draw another) or, for a badge, the user already has it. */
  async insert(q: Q, r: { id: string; userId: string; rewardId: string; redemptionId: string | null; source: string; code: string | null; normalised: string | null; issuedAt: Date; expiresAt: Date | null }): Promise<boolean> {
    const rows = (await q.query(
      `insert into user_rewards (id, user_id, reward_id, redemption_id, source, code, code_normalised, status, issued_at, expires_at)
       values ($1, $2, $3, $4, $5, $6, $7, 'issued', $8, $9) on conflict do nothing returning 1`,
      [r.id, r.userId, r.rewardId, r.redemptionId, r.source, r.code, r.normalised, r.issuedAt, r.expiresAt],
    )) as unknown[];
    return rows.length === 1;
  }

  async setStatus(q: Q, id: string, from: UserRewardStatusValue, to: UserRewardStatusValue, extra: Record<string, unknown> = {}): Promise<boolean> {
    const names = Object.keys(extra);
    const res = (await q.query(
      `update user_rewards set status = $3, updated_at = now()${names.map((n, i) => `, ${n} = $${i + 4}`).join('')} where id = $1 and status = $2`,
      [id, from, to, ...names.map((n) => extra[n])],
    )) as [unknown[], number];
    return res[1] === 1;
  }

  /** Unused rewards past `expires_at`, locked (skipping those another run holds). */
  claimExpired(q: Q, limit: number): Promise<UserRewardRow[]> {
    return q.query(`${SELECT} where u.status = 'issued' and u.expires_at <= now() order by u.expires_at limit $1 for update of u skip locked`, [limit]) as Promise<UserRewardRow[]>;
  }

  /** Unused rewards due a reminder (expiring within one of `days` not yet reminded of), locked. */
  claimDueReminder(q: Q, days: number[], limit: number): Promise<UserRewardRow[]> {
    return q.query(
      `${SELECT} where u.status = 'issued' and u.expires_at > now()
         and exists (select 1 from unnest($1::int[]) d where u.expires_at <= now() + make_interval(days => d) and not d = any(u.reminded_days))
         order by u.expires_at limit $2 for update of u skip locked`,
      [days, limit],
    ) as Promise<UserRewardRow[]>;
  }

  async markReminded(q: Q, id: string, days: number[]): Promise<void> {
    await q.query('update user_rewards set reminded_days = reminded_days || $2::int[] where id = $1', [id, days]);
  }
}
