import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

type Q = Pick<EntityManager, 'query'>;

export interface CodeUseRow {
  id: string;
  user_reward_id: string;
  partner_service_id: string;
  key_id: string;
  used_at: Date;
  rolled_back_at: Date | null;
  rollback_reason: string | null;
}

/** Partner uses of codes, and the failed-validation counters per API key and minute. */
@Injectable()
export class CodeUseRepository {
  constructor(private readonly ds: DataSource) {}

  async insert(q: Q, u: { id: string; userRewardId: string; partnerServiceId: string; keyId: string; usedAt: Date }): Promise<void> {
    await q.query('insert into code_uses (id, user_reward_id, partner_service_id, key_id, used_at) values ($1, $2, $3, $4, $5)', [u.id, u.userRewardId, u.partnerServiceId, u.keyId, u.usedAt]);
  }

  async lockForUpdate(q: Q, id: string): Promise<CodeUseRow | null> {
    const rows = (await q.query('select * from code_uses where id = $1 for update', [id])) as CodeUseRow[];
    return rows[0] ?? null;
  }

  async markRolledBack(q: Q, id: string, reason: string): Promise<void> {
    await q.query('update code_uses set rolled_back_at = now(), rollback_reason = $2 where id = $1', [id, reason]);
  }

  /** Failed validations of `keyId` in the current minute. */
  async failuresThisMinute(keyId: string): Promise<{ failures: number; window: Date }> {
    const rows = (await this.ds.query(
      `select date_trunc('minute', now()) as window, coalesce((select failures from code_failures where key_id = $1 and window_start = date_trunc('minute', now())), 0) as failures`,
      [keyId],
    )) as { window: Date; failures: number }[];
    return rows[0]!;
  }

  /** Counts one more failure in the current minute; answers the new count and the minute. Old minutes are pruned now and then. */
  async addFailure(q: Q, keyId: string): Promise<{ failures: number; window: Date }> {
    const rows = (await q.query(
      `insert into code_failures (key_id, window_start, failures) values ($1, date_trunc('minute', now()), 1)
       on conflict (key_id, window_start) do update set failures = code_failures.failures + 1 returning failures, window_start as window`,
      [keyId],
    )) as { failures: number; window: Date }[];
    if (Math.random() < 0.01) await q.query(`delete from code_failures where window_start < now() - interval '1 hour'`);
    return rows[0]!;
  }
}
