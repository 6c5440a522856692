import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { WithdrawalLimits } from '../domain/limits';
import type { WithdrawalMethod } from '../domain/destination';
import type { WithdrawalStatus } from '../domain/withdrawal-state';
import { NOT_COUNTED_IN_DAILY_AMOUNT, type UserWithdrawalTotals } from '../domain/limits';
import { OPEN_STATUSES } from '../domain/withdrawal-state';

export interface WithdrawalRow {
  id: string;
  user_id: string;
  amount: number;
  currency: string;
  method: WithdrawalMethod;
  status: WithdrawalStatus;
  destination_ciphertext: Buffer;
  destination_masked: Record<string, string>;
  destination_fingerprint: string;
  requested_by: string;
  hold_request: Record<string, unknown>;
  hold_id: string | null;
  hold_transfer_id: string | null;
  settle_transfer_id: string | null;
  after_hold_status: 'pending' | 'in_review';
  approvals: string[];
  failure_code: string | null;
  attempts: number;
  next_attempt_at: Date | null;
  created_at: Date;
  updated_at: Date;
  status_changed_at: Date;
  provider_payout_id: string | null;
  provider_status: string | null;
  sent_at: Date | null;
  processing_since: Date | null;
  next_poll_at: Date | null;
  return_transfer_id: string | null;
}

/** The payout columns a step may set. */
export interface PayoutPatch {
  provider_payout_id?: string;
  provider_status?: string;
  processing_since?: Date;
  next_poll_at?: Date | null;
  return_transfer_id?: string;
}

export interface HistoryRow {
  id: string;
  withdrawal_id: string;
  from_status: WithdrawalStatus | null;
  to_status: WithdrawalStatus;
  action: string;
  actor: string;
  note: string | null;
  reason: string | null;
  transfer_id: string | null;
  at: Date;
}

/** Everything an admin edits about withdrawals: the limits and the approval and expiry rules. */
export interface WithdrawalSettings extends WithdrawalLimits {
  /** From this amount (cents, inclusive) two different admins approve. */
  readonly two_approvals_from: number;
  /** A pending or in-review request not decided within this many hours expires. */
  readonly expire_after_hours: number;
}

export interface NewWithdrawal {
  id: string;
  user_id: string;
  amount: number;
  method: WithdrawalMethod;
  destination_ciphertext: Buffer;
  destination_masked: Record<string, string>;
  destination_fingerprint: string;
  requested_by: string;
  hold_request: Record<string, unknown>;
  after_hold_status: 'pending' | 'in_review';
}

export interface ListFilter {
  user_id?: string;
  status?: WithdrawalStatus;
  method?: WithdrawalMethod;
  from?: Date;
  to?: Date;
  /** Keyset: rows strictly older than this (created_at, id). */
  before?: { created_at: Date; id: string };
  limit: number;
}

const COLUMNS = `id, user_id, amount::float8 as amount, currency, method, status, destination_ciphertext, destination_masked, destination_fingerprint,
  requested_by, hold_request, hold_id, hold_transfer_id, settle_transfer_id, after_hold_status, approvals, failure_code, attempts, next_attempt_at,
  created_at, updated_at, status_changed_at, provider_payout_id, provider_status, sent_at, processing_since, next_poll_at, return_transfer_id`;

const SETTINGS = `min_amount::float8 as min_amount, max_amount::float8 as max_amount, daily_amount::float8 as daily_amount, daily_count, max_open,
  cooling_off_hours, time_zone, two_approvals_from::float8 as two_approvals_from, expire_after_hours`;

type Runner = DataSource | EntityManager;

@Injectable()
export class WithdrawalRepository {
  constructor(private readonly db: DataSource) {}

  /** Serialises every request of one user until the transaction ends (limits are checked and the row inserted under it). */
  async lockUser(m: EntityManager, userId: string): Promise<void> {
    await m.query(`select pg_advisory_xact_lock(hashtextextended('withdrawals:user:' || $1, 0))`, [userId]);
  }

  async settings(runner: Runner = this.db): Promise<WithdrawalSettings> {
    const [row] = (await runner.query(`select ${SETTINGS} from withdrawal_limits where id = 1`)) as WithdrawalSettings[];
    return row!;
  }

  async saveSettings(s: WithdrawalSettings, by: string): Promise<WithdrawalSettings> {
    const [rows] = (await this.db.query(
      `update withdrawal_limits set min_amount = $1, max_amount = $2, daily_amount = $3, daily_count = $4, max_open = $5, cooling_off_hours = $6,
         time_zone = $7, two_approvals_from = $8, expire_after_hours = $9, updated_by = $10, updated_at = now() where id = 1 returning ${SETTINGS}`,
      [s.min_amount, s.max_amount, s.daily_amount, s.daily_count, s.max_open, s.cooling_off_hours, s.time_zone, s.two_approvals_from, s.expire_after_hours, by],
    )) as [WithdrawalSettings[], number];
    return rows[0]!;
  }

  /** The user's totals for the local day [start, end) and open requests, read under the user's lock. */
  async totals(m: EntityManager, userId: string, start: Date, end: Date): Promise<UserWithdrawalTotals> {
    const [row] = (await m.query(
      `select
         coalesce(sum(amount) filter (where created_at >= $2 and created_at < $3 and status <> all($4::text[])), 0)::float8 as day_amount,
         (count(*) filter (where created_at >= $2 and created_at < $3))::int as day_count,
         (count(*) filter (where status = any($5::text[])))::int as open_count
       from withdrawals where user_id = $1`,
      [userId, start, end, NOT_COUNTED_IN_DAILY_AMOUNT, OPEN_STATUSES],
    )) as UserWithdrawalTotals[];
    return row!;
  }

  /**
   * Records the destination this request brings and answers since when it has been the user's
   * destination for the method as it is now (null: new or changed by this request).
   */
  async recordDestination(m: EntityManager, userId: string, method: WithdrawalMethod, fingerprint: string): Promise<Date | null> {
    const [known] = (await m.query('select fingerprint, since from withdrawal_destinations where user_id = $1 and method = $2 for update', [userId, method])) as { fingerprint: string; since: Date }[];
    if (known && known.fingerprint === fingerprint) return known.since;
    await m.query(
      `insert into withdrawal_destinations (user_id, method, fingerprint, since) values ($1, $2, $3, now())
       on conflict (user_id, method) do update set fingerprint = excluded.fingerprint, since = excluded.since`,
      [userId, method, fingerprint],
    );
    return null;
  }

  async insert(m: EntityManager, w: NewWithdrawal): Promise<WithdrawalRow> {
    const [row] = (await m.query(
      `insert into withdrawals (id, user_id, amount, method, status, destination_ciphertext, destination_masked, destination_fingerprint, requested_by, hold_request, after_hold_status, next_attempt_at)
       values ($1, $2, $3, $4, 'requested', $5, $6, $7, $8, $9, $10, now()) returning ${COLUMNS}`,
      [w.id, w.user_id, w.amount, w.method, w.destination_ciphertext, JSON.stringify(w.destination_masked), w.destination_fingerprint, w.requested_by, JSON.stringify(w.hold_request), w.after_hold_status],
    )) as WithdrawalRow[];
    return row!;
  }

  async getById(id: string, runner: Runner = this.db): Promise<WithdrawalRow | null> {
    const rows = (await runner.query(`select ${COLUMNS} from withdrawals where id = $1`, [id])) as WithdrawalRow[];
    return rows[0] ?? null;
  }

  async lockForUpdate(m: EntityManager, id: string): Promise<WithdrawalRow | null> {
    const rows = (await m.query(`select ${COLUMNS} from withdrawals where id = $1 for update`, [id])) as WithdrawalRow[];
    return rows[0] ?? null;
  }

  /** Moves a locked row to `to`, with the columns the step sets. */
  async setStatus(
    m: EntityManager,
    id: string,
    to: WithdrawalStatus,
    patch: { hold_id?: string; hold_transfer_id?: string; settle_transfer_id?: string; failure_code?: string; approvals?: string[]; next_attempt_at?: Date | null } = {},
  ): Promise<WithdrawalRow> {
    const [rows] = (await m.query(
      `update withdrawals set status = $2,
         hold_id = coalesce($3, hold_id), hold_transfer_id = coalesce($4, hold_transfer_id), settle_transfer_id = coalesce($5, settle_transfer_id),
         failure_code = coalesce($6, failure_code), approvals = coalesce($7, approvals),
         next_attempt_at = case when $8::boolean then $9 else next_attempt_at end,
         status_changed_at = case when status = $2 then status_changed_at else now() end, updated_at = now()
       where id = $1 returning ${COLUMNS}`,
      [id, to, patch.hold_id ?? null, patch.hold_transfer_id ?? null, patch.settle_transfer_id ?? null, patch.failure_code ?? null, patch.approvals ?? null,
        patch.next_attempt_at !== undefined, patch.next_attempt_at ?? null],
    )) as [WithdrawalRow[], number];
    return rows[0]!;
  }

  async setApprovals(m: EntityManager, id: string, approvals: string[]): Promise<void> {
    await m.query('update withdrawals set approvals = $2, updated_at = now() where id = $1', [id, approvals]);
  }

  async updatePayout(m: EntityManager, id: string, p: PayoutPatch): Promise<void> {
    await m.query(
      `update withdrawals set provider_payout_id = coalesce($2, provider_payout_id), provider_status = coalesce($3, provider_status),
         processing_since = coalesce($4, processing_since), next_poll_at = case when $5::boolean then $6 else next_poll_at end,
         return_transfer_id = coalesce($7, return_transfer_id), updated_at = now()
       where id = $1`,
      [id, p.provider_payout_id ?? null, p.provider_status ?? null, p.processing_since ?? null, p.next_poll_at !== undefined, p.next_poll_at ?? null, p.return_transfer_id ?? null],
    );
  }

  /** Records that the payout is about to be sent (the first time only): from here on it may exist at the provider. */
  async markSent(id: string): Promise<void> {
    await this.db.query('update withdrawals set sent_at = coalesce(sent_at, now()), updated_at = now() where id = $1', [id]);
  }

  /** Approved rows to hand to the provider (locked until the caller's transaction ends). */
  async claimApproved(m: EntityManager, limit: number, only?: string[]): Promise<WithdrawalRow[]> {
    return (await m.query(
      `select ${COLUMNS} from withdrawals where status = 'approved' and ($2::uuid[] is null or id = any($2::uuid[])) order by status_changed_at limit $1 for update skip locked`,
      [limit, only ?? null],
    )) as WithdrawalRow[];
  }

  /** Processing rows due for a question to the provider, leased for `leaseMs` (another worker skips them meanwhile). */
  async claimDuePayouts(limit: number, leaseMs: number): Promise<string[]> {
    const [rows] = (await this.db.query(
      `update withdrawals set next_poll_at = now() + $2::bigint * interval '1 millisecond'
       where id in (select id from withdrawals where status = 'processing' and next_poll_at <= now() order by next_poll_at limit $1 for update skip locked)
       returning id`,
      [limit, leaseMs],
    )) as [{ id: string }[], number];
    return rows.map((r) => r.id);
  }

  /** Records a provider callback by its `webhook-id`; false when it was seen before. */
  async recordCallback(m: EntityManager, webhookId: string, reference: string, type: string): Promise<boolean> {
    const rows = (await m.query(
      `insert into provider_callbacks (webhook_id, reference, type, outcome) values ($1, $2, $3, 'received') on conflict do nothing returning 1`,
      [webhookId, reference, type],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Our payouts sent to the provider within [start, end). */
  async sentBetween(start: Date, end: Date): Promise<{ reference: string; amount: number; status: WithdrawalStatus }[]> {
    return (await this.db.query(
      'select id as reference, amount::float8 as amount, status from withdrawals where sent_at >= $1 and sent_at < $2 order by id',
      [start, end],
    )) as { reference: string; amount: number; status: WithdrawalStatus }[];
  }

  async saveReconciliation(r: { id: string; day: string; clean: boolean; counts: unknown; lines: unknown }): Promise<void> {
    await this.db.query('insert into withdrawal_reconciliations (id, day, clean, counts, lines) values ($1, $2, $3, $4, $5)', [r.id, r.day, r.clean, JSON.stringify(r.counts), JSON.stringify(r.lines)]);
  }

  async hasReconciliation(day: string): Promise<boolean> {
    const rows = (await this.db.query('select 1 from withdrawal_reconciliations where day = $1 limit 1', [day])) as unknown[];
    return rows.length > 0;
  }

  async reconciliations(limit: number, day?: string): Promise<{ id: string; day: string; clean: boolean; counts: unknown; lines: unknown; created_at: Date }[]> {
    return (await this.db.query(
      `select id, to_char(day, 'YYYY-MM-DD') as day, clean, counts, lines, created_at from withdrawal_reconciliations
       where ($2::date is null or day = $2) order by day desc, created_at desc limit $1`,
      [limit, day ?? null],
    )) as { id: string; day: string; clean: boolean; counts: unknown; lines: unknown; created_at: Date }[];
  }

  /** A `requested` row whose hold could not be placed: try again later. */
  async deferAttempt(m: EntityManager, id: string, at: Date): Promise<void> {
    await m.query('update withdrawals set attempts = attempts + 1, next_attempt_at = $2, updated_at = now() where id = $1', [id, at]);
  }

  async appendHistory(
    m: EntityManager,
    h: { withdrawal_id: string; from: WithdrawalStatus | null; to: WithdrawalStatus; action: string; actor: string; note?: string | null; reason?: string | null; transfer_id?: string | null },
  ): Promise<void> {
    await m.query(
      'insert into withdrawal_history (withdrawal_id, from_status, to_status, action, actor, note, reason, transfer_id) values ($1, $2, $3, $4, $5, $6, $7, $8)',
      [h.withdrawal_id, h.from, h.to, h.action, h.actor, h.note ?? null, h.reason ?? null, h.transfer_id ?? null],
    );
  }

  async history(id: string): Promise<HistoryRow[]> {
    return (await this.db.query(
      'select h.id::text as id, withdrawal_id, from_status, to_status, action, actor, note, reason, transfer_id, at from withdrawal_history h where withdrawal_id = $1 order by h.id',
      [id],
    )) as HistoryRow[];
  }

  /** A page, newest first, by keyset on (created_at, id). */
  async list(f: ListFilter): Promise<WithdrawalRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (f.user_id) add('user_id = ?', f.user_id);
    if (f.status) add('status = ?', f.status);
    if (f.method) add('method = ?', f.method);
    if (f.from) add('created_at >= ?', f.from);
    if (f.to) add('created_at < ?', f.to);
    if (f.before) {
      params.push(f.before.created_at, f.before.id);
      where.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(f.limit);
    return (await this.db.query(
      `select ${COLUMNS} from withdrawals ${where.length ? `where ${where.join(' and ')}` : ''} order by created_at desc, id desc limit $${params.length}`,
      params,
    )) as WithdrawalRow[];
  }

  /** Claims `requested` rows due for another hold attempt (locked until the caller's transaction ends). */
  async claimRequested(m: EntityManager, limit: number): Promise<WithdrawalRow[]> {
    return (await m.query(
      `select ${COLUMNS} from withdrawals where status = 'requested' and next_attempt_at <= now() order by next_attempt_at limit $1 for update skip locked`,
      [limit],
    )) as WithdrawalRow[];
  }

  /** Ids of pending or in-review requests undecided since before `olderThan`. */
  async undecidedBefore(olderThan: Date, limit: number): Promise<string[]> {
    const rows = (await this.db.query(
      `select id from withdrawals where status in ('pending', 'in_review') and status_changed_at < $1 order by status_changed_at limit $2`,
      [olderThan, limit],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** A page of stored destinations after `afterId` (for re-sealing under the current key). */
  async ciphertextsAfter(afterId: string, limit: number): Promise<{ id: string; destination_ciphertext: Buffer }[]> {
    return (await this.db.query('select id, destination_ciphertext from withdrawals where id > $1 order by id limit $2', [afterId, limit])) as { id: string; destination_ciphertext: Buffer }[];
  }

  async replaceCiphertext(id: string, previous: Buffer, next: Buffer): Promise<boolean> {
    const [, count] = (await this.db.query('update withdrawals set destination_ciphertext = $3 where id = $1 and destination_ciphertext = $2', [id, previous, next])) as [unknown, number];
    return count === 1;
  }
}
