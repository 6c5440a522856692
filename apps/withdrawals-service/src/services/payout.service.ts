import { Injectable, Logger } from '@nestjs/common';
import { planted } from '@wozamali/config';
import { uuidv7 } from '@wozamali/contracts';
import { WalletClient } from '@wozamali/wallet-client';
import { Webhook } from 'standardwebhooks';
import { DataSource, type EntityManager } from 'typeorm';
import { WithdrawalsServiceEnv } from '../config/env';
import { dayBounds, localDay } from '../domain/limits';
import { reconcile } from '../domain/reconciliation';
import { applyProviderStatus, needsReview, nextPollAt, PROVIDER_STATUSES, walletKey, type WithdrawalTimings } from '../domain/withdrawal-state';
import { WithdrawalException } from '../errors/withdrawal.exception';
import type { ProviderPayout } from '../payout/payout-client';
import { PayoutProviders } from '../payout/payout-providers';
import { WithdrawalRepository, type WithdrawalRow } from '../repositories/withdrawal.repository';
import { DisbursementPayoutService } from './disbursement-payout.service';
import { requireAdminPerson, type Who } from './principal';
import { view, type WithdrawalView } from './views';
import { WithdrawalService } from './withdrawal.service';

/**
 * A completed or returned withdrawal's event is dated by the ledger's transfer (the wallet's own
 * clock), so the metrics count it on the same local day as the wallet's day report; a wallet that
 * sent no time (an older one) leaves the status change's own time.
 */
function ledgerTime(createdAt: string | undefined): Date | undefined {
  const at = createdAt ? new Date(createdAt) : undefined;
  return at && !Number.isNaN(at.getTime()) ? at : undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface CallbackHeaders {
  'webhook-id'?: string;
  'webhook-timestamp'?: string;
  'webhook-signature'?: string;
}

/**
 * Pays approved withdrawals exactly once: marked `processing` before the provider is called, sent
 * with the withdrawal id as idempotency key and reference, the destination opened only in memory;
 * doubt keeps the hold and asks by reference (resending only with the same key); the provider's
 * reports (answers, polls, signed callbacks) move the status forward only, each wallet step under
 * its own key: `post` on completed, `void` on a definitive failure, `credit_back` on a return.
 */
@Injectable()
export class PayoutService {
  private readonly logger = new Logger('Payouts');
  private readonly webhook: Webhook;
  private readonly timings: WithdrawalTimings;

  constructor(
    private readonly db: DataSource,
    private readonly repo: WithdrawalRepository,
    private readonly withdrawals: WithdrawalService,
    private readonly wallet: WalletClient,
    private readonly providers: PayoutProviders,
    private readonly env: WithdrawalsServiceEnv,
    private readonly disbursements: DisbursementPayoutService,
  ) {
    this.webhook = new Webhook(env.PAYOUT_WEBHOOK_SECRET);
    this.timings = {
      expire_after_ms: 0,
      doubt_review_after_ms: env.PAYOUT_DOUBT_REVIEW_MS,
      poll_fast_every_ms: env.PAYOUT_POLL_FAST_MS,
      poll_fast_for_ms: env.PAYOUT_POLL_FAST_FOR_MS,
      poll_slow_every_ms: env.PAYOUT_POLL_SLOW_MS,
    };
  }

  /** Approved → processing (before any call to the provider), due for its first question now. */
  async dispatchApproved(limit = this.env.WITHDRAWAL_WORKER_BATCH, only?: string[]): Promise<number> {
    return this.db.transaction(async (m) => {
      const rows = await this.repo.claimApproved(m, limit, only);
      for (const row of rows) {
        await this.withdrawals.move(m, row, 'processing', 'system', { action: 'send' });
        await this.repo.updatePayout(m, row.id, { processing_since: new Date(), next_poll_at: new Date() });
      }
      return rows.length;
    });
  }

  /** A person sends a payout in doubt back to the worker: asked again by reference, resent only with the same key. */
  async retryPayout(m: EntityManager, who: Who, id: string, note: string): Promise<WithdrawalView> {
    requireAdminPerson(who);
    const row = await this.repo.lockForUpdate(m, id);
    if (!row) throw new WithdrawalException('withdrawal_not_found', 'no such withdrawal');
    const next = await this.withdrawals.move(m, row, 'processing', who, { action: 'retry_payout', note });
    await this.repo.updatePayout(m, id, { processing_since: new Date(), next_poll_at: new Date() });
    return view(next);
  }

  /** Asks about (or sends) every processing payout that is due. */
  async pollDue(limit = this.env.WITHDRAWAL_WORKER_BATCH): Promise<number> {
    const ids = await this.repo.claimDuePayouts(limit, this.env.PAYOUT_LEASE_MS);
    for (const id of ids) {
      try {
        await this.advance(id);
      } catch (err) {
        this.logger.warn(`payout ${id}: deferred: ${(err as Error).message}`);
      }
    }
    return ids.length;
  }

  /** One round for one payout: ask by reference; if the provider never recorded it, send it (same key); apply what it says. */
  async advance(id: string): Promise<void> {
    const row = await this.repo.getById(id);
    if (!row || row.status !== 'processing') return;
    let known: ProviderPayout | null = null;
    const provider = this.providers.forMethod(row.method);
    const asked = await provider.byReference(id);
    if (asked.kind === 'found') known = asked.payout;
    if (asked.kind === 'not_found') {
      const destination = this.withdrawals.openDestination(row);
      await this.repo.markSent(id);
      const sent = await provider.send({ reference: id, amount: Number(row.amount), currency: 'ZAR', method: row.method, destination: destination.destination as unknown as Record<string, string> }, id);
      if (sent.kind === 'accepted') known = sent.payout;
      // CHAOS-ONLY PLANT (libs/config/src/plant.ts): a timeout taken for a refusal, the hold released while the provider may have paid.
      if (sent.kind === 'refused' || (sent.kind === 'unknown' && planted('void-hold-on-timeout'))) {
        const code = sent.kind === 'refused' ? sent.code : 'provider_timeout';
        await this.db.transaction(async (m) => {
          const locked = await this.repo.lockForUpdate(m, id);
          if (!locked || locked.status !== 'processing') return;
          await this.withdrawals.releaseHold(m, locked, 'failed', 'provider', { action: 'provider_refused', reason: code, patch: { failure_code: code } });
        });
        return;
      }
      if (sent.kind === 'unknown') this.logger.warn(`payout ${id}: in doubt after sending (${sent.reason}); the hold stays, asking again later`);
    } else if (asked.kind === 'unknown') {
      this.logger.warn(`payout ${id}: the provider could not be asked (${asked.reason})`);
    }
    await this.db.transaction(async (m) => {
      let locked = await this.repo.lockForUpdate(m, id);
      if (!locked) return;
      if (known) locked = await this.applyReport(m, locked, known);
      if (locked.status !== 'processing') return;
      const now = new Date();
      if (needsReview(this.timings, 'processing', locked.processing_since ?? locked.status_changed_at, now)) {
        await this.withdrawals.move(m, locked, 'needs_review', 'system', { action: 'doubt_review', reason: 'payout_in_doubt', patch: { next_attempt_at: null } });
        await this.repo.updatePayout(m, id, { next_poll_at: null });
        return;
      }
      await this.repo.updatePayout(m, id, { next_poll_at: nextPollAt(this.timings, locked.sent_at ?? locked.processing_since ?? now, now) });
    });
  }

  /**
   * A signed callback: verified (signature, 5-minute tolerance) before anything is read, deduplicated
   * by `webhook-id`, applied forward only. The transaction is the request's (the idempotency key is the webhook-id).
   */
  async callback(m: EntityManager, raw: Buffer | undefined, headers: CallbackHeaders): Promise<{ received: true; withdrawal_id: string; status: string; outcome: string }> {
    if (!raw) throw new WithdrawalException('invalid_signature', 'no body to verify');
    let payload: unknown;
    try {
      payload = this.webhook.verify(raw.toString('utf8'), {
        'webhook-id': headers['webhook-id'] ?? '',
        'webhook-timestamp': headers['webhook-timestamp'] ?? '',
        'webhook-signature': headers['webhook-signature'] ?? '',
      });
    } catch {
      throw new WithdrawalException('invalid_signature', 'the callback signature or timestamp does not verify');
    }
    const body = payload as { id?: unknown; type?: unknown; data?: Partial<ProviderPayout> };
    const data = body.data;
    if (!data || typeof data.reference !== 'string' || !UUID.test(data.reference) || typeof data.status !== 'string' || !(PROVIDER_STATUSES as readonly string[]).includes(data.status)) {
      throw new WithdrawalException('invalid_callback', 'the callback is not a payout report this service knows');
    }
    const row = await this.repo.lockForUpdate(m, data.reference);
    if (!row) {
      // A campaign's disbursement paid through the same pipeline: same verification, deduplication and forward-only rule.
      const payout = await this.disbursements.lockForUpdate(m, data.reference);
      if (!payout) throw new WithdrawalException('withdrawal_not_found', 'no withdrawal with this reference');
      if (!(await this.repo.recordCallback(m, headers['webhook-id']!, data.reference, String(body.type ?? '')))) {
        return { received: true, withdrawal_id: payout.id, status: payout.status, outcome: 'duplicate' };
      }
      const after = await this.disbursements.applyReport(m, payout, data as ProviderPayout);
      return { received: true, withdrawal_id: payout.id, status: after.status, outcome: after.status === payout.status ? 'ignored' : 'applied' };
    }
    if (!(await this.repo.recordCallback(m, headers['webhook-id']!, data.reference, String(body.type ?? '')))) {
      return { received: true, withdrawal_id: row.id, status: row.status, outcome: 'duplicate' };
    }
    const after = await this.applyReport(m, row, data as ProviderPayout);
    const outcome = after.status === row.status ? 'ignored' : 'applied';
    return { received: true, withdrawal_id: row.id, status: after.status, outcome };
  }

  /** What the provider reports, applied to the locked row: forward only, each wallet step once under its key. */
  private async applyReport(m: EntityManager, row: WithdrawalRow, payout: ProviderPayout): Promise<WithdrawalRow> {
    await this.repo.updatePayout(m, row.id, { provider_payout_id: typeof payout.id === 'string' ? payout.id : undefined, provider_status: payout.status });
    const update = applyProviderStatus(row.status, payout.status);
    if (update.kind === 'ignore') {
      if (update.reason === 'conflict') this.logger.error(`withdrawal ${row.id}: the provider reports ${payout.status} after ${row.status}; left for a person`);
      return row;
    }
    const reason = typeof payout.reason_code === 'string' && /^[a-z0-9_]{1,64}$/.test(payout.reason_code) ? payout.reason_code : undefined;
    let current = row;
    for (const step of update.path) {
      if (step === 'completed') current = await this.postHold(m, current);
      else if (step === 'failed') {
        current = await this.withdrawals.releaseHold(m, current, 'failed', 'provider', { action: 'provider_failed', reason: reason ?? 'provider_failed', patch: { failure_code: reason ?? 'provider_failed' } });
        await this.repo.updatePayout(m, row.id, { next_poll_at: null });
      } else if (step === 'returned') current = await this.creditBack(m, current, reason ?? 'returned');
    }
    return current;
  }

  private async postHold(m: EntityManager, row: WithdrawalRow): Promise<WithdrawalRow> {
    if (!row.hold_id) throw new Error(`withdrawal ${row.id} has no hold`);
    const posted = await this.wallet.postHold(row.hold_id, { description: `Withdrawal ${row.id} paid out` }, { idempotencyKey: walletKey(row.id, 'post') });
    if (posted.kind === 'unavailable') throw new WithdrawalException('wallet_unavailable', 'the wallet could not be reached; the report is applied again later');
    if (posted.kind === 'refused') throw new WithdrawalException('wallet_refused', `the wallet refused to post the hold (${posted.code})`, { wallet_code: posted.code });
    const next = await this.withdrawals.move(m, row, 'completed', 'provider', { action: 'provider_completed', transfer_id: posted.body.transfer_id, at: ledgerTime(posted.body.created_at), patch: { settle_transfer_id: posted.body.transfer_id } });
    await this.repo.updatePayout(m, row.id, { next_poll_at: null });
    return next;
  }

  /** A completed payout came back: the resident is credited once, by a transfer linked to the withdrawal and the posted hold. */
  private async creditBack(m: EntityManager, row: WithdrawalRow, reason: string): Promise<WithdrawalRow> {
    const credited = await this.wallet.transfer(
      {
        kind: 'transfer',
        // The money comes back out of payout clearing, where the posted hold put it (the wallet's policy
        // for this service allows exactly payout_clearing → user money).
        from: { type: 'payout_clearing' },
        to: { type: 'user', id: row.user_id },
        asset: 'ZAR',
        amount: Number(row.amount),
        // The body depends on the withdrawal only: a retry after a lost answer, prompted by another
        // callback or poll with other words for the reason, resends the same body under the same key.
        description: `Withdrawal ${row.id} returned`,
        reference: row.id,
        metadata: { withdrawal_id: row.id, posted_transfer_id: row.settle_transfer_id },
      },
      { idempotencyKey: walletKey(row.id, 'credit_back') },
    );
    if (credited.kind === 'unavailable') throw new WithdrawalException('wallet_unavailable', 'the wallet could not be reached; the return is applied again later');
    if (credited.kind === 'refused') throw new WithdrawalException('wallet_refused', `the wallet refused the credit back (${credited.code})`, { wallet_code: credited.code });
    const next = await this.withdrawals.move(m, row, 'returned', 'provider', { action: 'provider_returned', reason, transfer_id: credited.body.transfer_id, at: ledgerTime(credited.body.created_at) });
    await this.repo.updatePayout(m, row.id, { return_transfer_id: credited.body.transfer_id });
    return next;
  }

  // -------------------------------------------------------------------------------------------
  // Reconciliation

  /** Compares our payouts sent on local day `day` with the provider's report of it, and keeps the result. */
  async reconcileDay(day: string): Promise<{ id: string; day: string; clean: boolean; counts: unknown; lines: unknown }> {
    const settings = await this.repo.settings();
    const report = await this.providers.report(day);
    if (!report) throw new WithdrawalException('provider_unavailable', 'the provider report could not be read; try again later');
    const { start, end } = dayBounds(day, settings.time_zone);
    // Withdrawals and campaign disbursements share the provider: both are ours in its report.
    const ours = [...(await this.repo.sentBetween(start, end)), ...(await this.disbursements.sentBetween(start, end))];
    const result = reconcile(ours, report.payouts.map((p) => ({ reference: p.reference, amount: p.amount, status: p.status })));
    const saved = { id: uuidv7(), day, clean: result.clean, counts: result.counts, lines: result.lines };
    await this.repo.saveReconciliation(saved);
    if (!result.clean) this.logger.warn(`reconciliation of ${day}: differences found ${JSON.stringify(result.counts)}`);
    return saved;
  }

  /** The daily run: yesterday (local), once, after the configured hour. */
  async reconcileIfDue(now = new Date()): Promise<boolean> {
    const settings = await this.repo.settings();
    const today = localDay(now, settings.time_zone);
    const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: settings.time_zone, hour: '2-digit', hourCycle: 'h23' }).format(now));
    if (hour < this.env.RECONCILIATION_HOUR) return false;
    const yesterday = localDay(new Date(dayBounds(today, settings.time_zone).start.getTime() - 1), settings.time_zone);
    if (await this.repo.hasReconciliation(yesterday)) return false;
    await this.reconcileDay(yesterday);
    return true;
  }

  async reconciliations(limit: number, day?: string): Promise<{ data: unknown[] }> {
    const rows = await this.repo.reconciliations(limit, day);
    return { data: rows.map((r) => ({ ...r, created_at: r.created_at.toISOString() })) };
  }
}
