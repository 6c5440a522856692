import { Injectable, Logger } from '@nestjs/common';
import { SecretBox } from '@wozamali/platform';
import { DataSource, type EntityManager } from 'typeorm';
import { WithdrawalsServiceEnv } from '../config/env';
import { maskDestination, parseDestination, type Destination, type WithdrawalMethod } from '../domain/destination';
import { applyProviderStatus, checkTransition, needsReview, nextPollAt, type WithdrawalStatus, type WithdrawalTimings } from '../domain/withdrawal-state';
import type { DisbursementPayoutDto } from '../dtos/withdrawal.dto';
import { WithdrawalException } from '../errors/withdrawal.exception';
import type { ProviderPayout } from '../payout/payout-client';
import { PayoutProviders } from '../payout/payout-providers';

/** `awaiting` until the donations-service releases it (the money is then in payout clearing); then as a withdrawal's payout. */
export type DisbursementPayoutStatus = 'awaiting' | 'processing' | 'needs_review' | 'completed' | 'failed' | 'returned' | 'cancelled';

export interface DisbursementPayoutRow {
  id: string;
  campaign_id: string;
  beneficiary: string;
  amount: number;
  currency: string;
  method: string;
  destination_ciphertext: Buffer;
  destination_masked: Record<string, string>;
  status: DisbursementPayoutStatus;
  failure_code: string | null;
  provider_payout_id: string | null;
  provider_status: string | null;
  sent_at: Date | null;
  processing_since: Date | null;
  next_poll_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface DisbursementPayoutView {
  id: string;
  campaign_id: string;
  beneficiary: string;
  amount: number;
  currency: string;
  method: string;
  destination: Record<string, string>;
  status: DisbursementPayoutStatus;
  failure_code: string | null;
  provider_payout_id: string | null;
  updated_at: string;
}

const COLUMNS = `id, campaign_id, beneficiary, amount::float8 as amount, currency, method, destination_ciphertext, destination_masked, status, failure_code,
  provider_payout_id, provider_status, sent_at, processing_since, next_poll_at, created_at, updated_at`;

/** The associated data a disbursement's destination is sealed with (never the same as a withdrawal's). */
const aad = (id: string) => `disbursement:${id}`;

export function disbursementPayoutView(r: DisbursementPayoutRow): DisbursementPayoutView {
  return {
    id: r.id, campaign_id: r.campaign_id, beneficiary: r.beneficiary, amount: Number(r.amount), currency: r.currency, method: r.method,
    destination: r.destination_masked, status: r.status, failure_code: r.failure_code, provider_payout_id: r.provider_payout_id, updated_at: r.updated_at.toISOString(),
  };
}

/**
 * Pays campaign money to a beneficiary through the withdrawals' provider pipeline (the same
 * {@link PayoutProviders} clients and breakers, the same rules): registered by the donations-service
 * with the destination (validated, sealed, masked as a withdrawal's), released once the ledger moved
 * the money to payout clearing, then marked `processing` before the provider is called; each round
 * asks by reference (the disbursement id) and sends only when the provider never recorded it, with
 * the disbursement id as idempotency key; doubt (timeout, 5xx, reset, open breaker) is never failure;
 * the provider's reports (answers, polls, signed callbacks) move the status forward only. The
 * ledger side (a failed or returned payout credited back to the campaign) is the donations-service's,
 * which reads these statuses.
 */
@Injectable()
export class DisbursementPayoutService {
  private readonly logger = new Logger('DisbursementPayouts');
  private readonly timings: WithdrawalTimings;

  constructor(private readonly db: DataSource, private readonly box: SecretBox, private readonly providers: PayoutProviders, private readonly env: WithdrawalsServiceEnv) {
    this.timings = {
      expire_after_ms: 0,
      doubt_review_after_ms: env.PAYOUT_DOUBT_REVIEW_MS,
      poll_fast_every_ms: env.PAYOUT_POLL_FAST_MS,
      poll_fast_for_ms: env.PAYOUT_POLL_FAST_FOR_MS,
      poll_slow_every_ms: env.PAYOUT_POLL_SLOW_MS,
    };
  }

  /** Registers a payout (idempotent on the disbursement id: the same payout again answers what exists; a different one is 409). */
  async register(id: string, dto: DisbursementPayoutDto): Promise<DisbursementPayoutView> {
    const parsed = parseDestination(dto.method, dto.destination);
    if (!parsed.ok) throw new WithdrawalException('invalid_destination', `${parsed.field} ${parsed.reason}`, { field: parsed.field });
    const d: Destination = parsed.value;
    const inserted = (await this.db.query(
      `insert into disbursement_payouts (id, campaign_id, beneficiary, amount, method, destination_ciphertext, destination_masked, status)
       values ($1, $2, $3, $4, $5, $6, $7, 'awaiting') on conflict (id) do nothing returning ${COLUMNS}`,
      [id, dto.campaign_id, dto.beneficiary, dto.amount, d.method, this.box.seal(JSON.stringify(d), aad(id)), JSON.stringify(maskDestination(d))],
    )) as DisbursementPayoutRow[];
    const row = inserted[0] ?? (await this.get(id));
    if (row.campaign_id !== dto.campaign_id || Number(row.amount) !== dto.amount || row.method !== d.method) {
      throw new WithdrawalException('disbursement_payout_conflict', 'another payout is registered under this disbursement id');
    }
    return disbursementPayoutView(row);
  }

  /** The money is in payout clearing: the payout goes to the worker (once; a repeat answers the current state). */
  async release(id: string): Promise<DisbursementPayoutView> {
    await this.db.query(
      `update disbursement_payouts set status = 'processing', processing_since = now(), next_poll_at = now(), updated_at = now() where id = $1 and status = 'awaiting'`,
      [id],
    );
    return disbursementPayoutView(await this.get(id));
  }

  /**
   * The disbursement was rejected, or its ledger move refused: an unreleased payout is cancelled, so it can never be paid
   * (idempotent: a cancelled one answers as it is; one already released is 409 `invalid_transition`).
   */
  async cancel(id: string): Promise<DisbursementPayoutView> {
    await this.db.query(`update disbursement_payouts set status = 'cancelled', next_poll_at = null, updated_at = now() where id = $1 and status = 'awaiting'`, [id]);
    const row = await this.get(id);
    if (row.status !== 'cancelled') throw new WithdrawalException('invalid_transition', `the payout is ${row.status}: only an unreleased payout is cancelled`);
    return disbursementPayoutView(row);
  }

  /**
   * A person sends a payout in `needs_review` back to the worker, as a withdrawal's `retry-payout`
   * (the same rule of the withdrawal graph, `needs_review → processing` by an admin): asked again by
   * reference, resent only with the same key, a new period of doubt. A repeat (already `processing`)
   * answers as it is.
   */
  async retry(id: string): Promise<DisbursementPayoutView> {
    return this.db.transaction(async (m) => {
      const row = await this.lockForUpdate(m, id);
      if (!row) throw new WithdrawalException('disbursement_payout_not_found', 'no payout registered for this disbursement');
      if (row.status === 'processing') return disbursementPayoutView(row);
      if (row.status === 'awaiting' || !checkTransition(row.status, 'processing', 'admin').ok) {
        throw new WithdrawalException('invalid_transition', `the payout is ${row.status}: only a payout in needs_review is sent back`);
      }
      const [rows] = (await m.query(
        `update disbursement_payouts set status = 'processing', failure_code = null, processing_since = now(), next_poll_at = now(), updated_at = now() where id = $1 returning ${COLUMNS}`,
        [id],
      )) as [DisbursementPayoutRow[], number];
      this.logger.log(`disbursement payout ${id}: processing (sent back by a person from ${row.status})`);
      return disbursementPayoutView(rows[0]!);
    });
  }

  async get(id: string, m: DataSource | EntityManager = this.db): Promise<DisbursementPayoutRow> {
    const [row] = (await m.query(`select ${COLUMNS} from disbursement_payouts where id = $1`, [id])) as DisbursementPayoutRow[];
    if (!row) throw new WithdrawalException('disbursement_payout_not_found', 'no payout registered for this disbursement');
    return row;
  }

  async many(ids: string[]): Promise<{ data: DisbursementPayoutView[] }> {
    const rows = (await this.db.query(`select ${COLUMNS} from disbursement_payouts where id = any($1::uuid[]) order by id`, [ids])) as DisbursementPayoutRow[];
    return { data: rows.map(disbursementPayoutView) };
  }

  async lockForUpdate(m: EntityManager, id: string): Promise<DisbursementPayoutRow | null> {
    const [row] = (await m.query(`select ${COLUMNS} from disbursement_payouts where id = $1 for update`, [id])) as DisbursementPayoutRow[];
    return row ?? null;
  }

  /** Asks about (or sends) every processing payout that is due, each leased for `PAYOUT_LEASE_MS`. */
  async pollDue(limit = this.env.WITHDRAWAL_WORKER_BATCH): Promise<number> {
    const [rows] = (await this.db.query(
      `update disbursement_payouts set next_poll_at = now() + $2::bigint * interval '1 millisecond'
       where id in (select id from disbursement_payouts where status = 'processing' and next_poll_at <= now() order by next_poll_at limit $1 for update skip locked)
       returning id`,
      [limit, this.env.PAYOUT_LEASE_MS],
    )) as [{ id: string }[], number];
    for (const { id } of rows) {
      try {
        await this.advance(id);
      } catch (err) {
        this.logger.warn(`disbursement payout ${id}: deferred: ${(err as Error).message}`);
      }
    }
    return rows.length;
  }

  /** One round: ask by reference; if the provider never recorded it, send it (same key); apply what it says. */
  async advance(id: string): Promise<void> {
    const row = await this.get(id);
    if (row.status !== 'processing') return;
    let known: ProviderPayout | null = null;
    const provider = this.providers.forMethod(row.method as WithdrawalMethod);
    const asked = await provider.byReference(id);
    if (asked.kind === 'found') known = asked.payout;
    if (asked.kind === 'not_found') {
      const destination = JSON.parse(this.box.open(row.destination_ciphertext, aad(id))) as Destination;
      await this.db.query('update disbursement_payouts set sent_at = coalesce(sent_at, now()), updated_at = now() where id = $1', [id]);
      const sent = await provider.send({ reference: id, amount: Number(row.amount), currency: 'ZAR', method: row.method, destination: destination.destination as unknown as Record<string, string> }, id);
      if (sent.kind === 'accepted') known = sent.payout;
      if (sent.kind === 'refused') {
        await this.db.transaction(async (m) => {
          const locked = await this.lockForUpdate(m, id);
          if (locked?.status === 'processing') await this.setStatus(m, id, 'failed', { failure_code: sent.code });
        });
        return;
      }
      if (sent.kind === 'unknown') this.logger.warn(`disbursement payout ${id}: in doubt after sending (${sent.reason}); asking again later`);
    } else if (asked.kind === 'unknown') {
      this.logger.warn(`disbursement payout ${id}: the provider could not be asked (${asked.reason})`);
    }
    await this.db.transaction(async (m) => {
      let locked = await this.lockForUpdate(m, id);
      if (!locked) return;
      if (known) locked = await this.applyReport(m, locked, known);
      if (locked.status !== 'processing') return;
      const now = new Date();
      if (needsReview(this.timings, 'processing', locked.processing_since ?? locked.updated_at, now)) {
        await this.setStatus(m, id, 'needs_review', { failure_code: 'payout_in_doubt' });
        return;
      }
      await m.query('update disbursement_payouts set next_poll_at = $2 where id = $1', [id, nextPollAt(this.timings, locked.sent_at ?? locked.processing_since ?? now, now)]);
    });
  }

  /** What the provider reports, applied to the locked row: forward only (the withdrawals' rule). */
  async applyReport(m: EntityManager, row: DisbursementPayoutRow, payout: ProviderPayout): Promise<DisbursementPayoutRow> {
    await m.query('update disbursement_payouts set provider_payout_id = coalesce($2, provider_payout_id), provider_status = $3, updated_at = now() where id = $1', [
      row.id, typeof payout.id === 'string' ? payout.id : null, payout.status,
    ]);
    if (row.status === 'awaiting' || row.status === 'cancelled') return row;
    const update = applyProviderStatus(row.status as WithdrawalStatus, payout.status);
    if (update.kind === 'ignore') {
      if (update.reason === 'conflict') this.logger.error(`disbursement payout ${row.id}: the provider reports ${payout.status} after ${row.status}; left for a person`);
      return row;
    }
    const reason = typeof payout.reason_code === 'string' && /^[a-z0-9_]{1,64}$/.test(payout.reason_code) ? payout.reason_code : undefined;
    const last = update.path[update.path.length - 1] as 'completed' | 'failed' | 'returned';
    return this.setStatus(m, row.id, last, last === 'completed' ? {} : { failure_code: reason ?? (last === 'failed' ? 'provider_failed' : 'returned') });
  }

  private async setStatus(m: EntityManager, id: string, to: DisbursementPayoutStatus, f: { failure_code?: string }): Promise<DisbursementPayoutRow> {
    const rows = (await m.query(
      `update disbursement_payouts set status = $2, failure_code = coalesce($3, failure_code),
         next_poll_at = case when $2 = 'processing' then next_poll_at else null end, updated_at = now() where id = $1 returning ${COLUMNS}`,
      [id, to, f.failure_code ?? null],
    )) as [DisbursementPayoutRow[], number];
    this.logger.log(`disbursement payout ${id}: ${to}${f.failure_code ? ` (${f.failure_code})` : ''}`);
    return rows[0][0]!;
  }

  /** At boot, after a key rotation: every disbursement destination moved onto the current key (as the withdrawals' re-seal). */
  async resealDestinations(only?: string[]): Promise<{ checked: number; resealed: number; unreadable: number }> {
    const report = { checked: 0, resealed: 0, unreadable: 0 };
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const page = (await this.db.query('select id, destination_ciphertext from disbursement_payouts where id > $1 and ($2::uuid[] is null or id = any($2::uuid[])) order by id limit 500', [after, only ?? null])) as { id: string; destination_ciphertext: Buffer }[];
      for (const row of page) {
        report.checked += 1;
        if (!this.box.isStale(row.destination_ciphertext)) continue;
        let plaintext: string;
        try {
          plaintext = this.box.open(row.destination_ciphertext, aad(row.id));
        } catch {
          report.unreadable += 1;
          this.logger.error(`disbursement payout ${row.id}: its destination is sealed with a key this process does not have`);
          continue;
        }
        const [, count] = (await this.db.query('update disbursement_payouts set destination_ciphertext = $3 where id = $1 and destination_ciphertext = $2', [
          row.id, row.destination_ciphertext, this.box.seal(plaintext, aad(row.id)),
        ])) as [unknown, number];
        if (count === 1) report.resealed += 1;
      }
      if (page.length < 500) break;
      after = page[page.length - 1]!.id;
    }
    if (report.resealed > 0 || report.unreadable > 0) this.logger.log(`re-sealed ${report.resealed} of ${report.checked} disbursement destinations; ${report.unreadable} unreadable`);
    return report;
  }

  /** Our disbursement payouts sent within [start, end), for the daily reconciliation. */
  async sentBetween(start: Date, end: Date): Promise<{ reference: string; amount: number; status: WithdrawalStatus }[]> {
    return (await this.db.query(
      'select id as reference, amount::float8 as amount, status from disbursement_payouts where sent_at >= $1 and sent_at < $2 order by id',
      [start, end],
    )) as { reference: string; amount: number; status: WithdrawalStatus }[];
  }
}
