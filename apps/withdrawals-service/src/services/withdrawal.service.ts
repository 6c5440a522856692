import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { WalletCreateHoldRequest, WithdrawalMethod as EventMethod, WithdrawalRequestData, WithdrawalUpdateData } from '@wozamali/contracts';
import { OutboxNotifier, OutboxWriter, type OutboxEvent } from '@wozamali/messaging';
import { afterCommit, decodeCursor, DEFAULT_PAGE_SIZE, pageOf, SecretBox, type Page } from '@wozamali/platform';
import { WalletClient } from '@wozamali/wallet-client';
import { DataSource, type EntityManager } from 'typeorm';
import { WithdrawalsServiceEnv } from '../config/env';
import { destinationFingerprint, maskDestination, parseDestination, type Destination } from '../domain/destination';
import { checkWithdrawalRequest, dayBounds, localDay, validateLimits } from '../domain/limits';
import { checkTransition, decideApproval, walletKey, type Actor, type WithdrawalStatus } from '../domain/withdrawal-state';
import type { CreateWithdrawalDto, ListWithdrawalsQuery, WithdrawalSettingsDto } from '../dtos/withdrawal.dto';
import { WithdrawalException } from '../errors/withdrawal.exception';
import { WithdrawalRepository, type WithdrawalRow, type WithdrawalSettings } from '../repositories/withdrawal.repository';
import { requireAdminPerson, requireSelfOrStaff, type Who } from './principal';
import { historyView, view, type HistoryView, type WithdrawalView } from './views';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What the request path answers: the withdrawal, and 201 (held) or 202 (the wallet was not reached; a worker finishes it). */
export interface RequestAnswer {
  status: 201 | 202;
  body: WithdrawalView;
}


/** The withdrawal id of a request: derived from the caller's Idempotency-Key, so a retry after a crash reuses the same wallet key. */
export function withdrawalIdOf(scope: string, key: string, userId: string): string {
  const h = createHash('sha256').update(`withdrawal\0${scope}\0${key}\0${userId}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x80; // version 8 (custom, RFC 9562)
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Who moves a withdrawal: a person or key, the service's own workers, or the payment provider's report. */
export type Mover = Who | 'system' | 'provider';

function actorOf(who: Mover): Actor {
  if (who === 'system' || who === 'provider') return who;
  return who.kind === 'admin' ? 'admin' : who.kind === 'service' ? 'admin' : 'resident';
}

@Injectable()
export class WithdrawalService {
  private readonly logger = new Logger('Withdrawals');

  constructor(
    private readonly db: DataSource,
    private readonly repo: WithdrawalRepository,
    private readonly wallet: WalletClient,
    private readonly box: SecretBox,
    private readonly outbox: OutboxWriter,
    private readonly notifier: OutboxNotifier,
    private readonly env: WithdrawalsServiceEnv,
  ) {}

  // -------------------------------------------------------------------------------------------
  // Requests

  /**
   * One locked decision per user: under the user's lock, the limits (as data) against the day's
   * totals, the destination's cooling-off, the row (destination encrypted), the hold through the
   * wallet with the withdrawal's own key, and the events, all in the request's transaction.
   */
  async request(m: EntityManager, who: Who, userId: string, dto: CreateWithdrawalDto, idempotency: { scope: string; key: string }): Promise<RequestAnswer> {
    requireSelfOrStaff(who, userId);
    const parsed = parseDestination(dto.method, dto.destination);
    if (!parsed.ok) throw new WithdrawalException('invalid_destination', `${parsed.field} ${parsed.reason}`, { field: parsed.field });
    const destination = parsed.value;
    const now = new Date();

    await this.repo.lockUser(m, userId);
    const settings = await this.repo.settings(m);
    const { start, end } = dayBounds(localDay(now, settings.time_zone), settings.time_zone);
    const totals = await this.repo.totals(m, userId, start, end);
    const fingerprint = destinationFingerprint(Buffer.from(this.env.WITHDRAWAL_FINGERPRINT_KEY, 'base64'), destination);
    const since = await this.repo.recordDestination(m, userId, destination.method, fingerprint);
    const check = checkWithdrawalRequest(settings, dto.amount, totals, { destination_since: since }, now);
    if (!check.ok) {
      const code = check.code === 'invalid_amount' ? 'invalid_amount' : check.code;
      throw new WithdrawalException(code, refusalDetail(check.code), { ...(check.limit ? { limit: check.limit } : {}), ...(check.allowed !== undefined ? { allowed: check.allowed } : {}) });
    }

    const id = withdrawalIdOf(idempotency.scope, idempotency.key, userId);
    const holdRequest: WalletCreateHoldRequest = { user_id: userId, amount: dto.amount, description: `Withdrawal ${id}`, reference: id };
    let row = await this.repo.insert(m, {
      id,
      user_id: userId,
      amount: dto.amount,
      method: destination.method,
      destination_ciphertext: this.seal(destination, id),
      destination_masked: maskDestination(destination),
      destination_fingerprint: fingerprint,
      requested_by: who.id,
      hold_request: holdRequest as unknown as Record<string, unknown>,
      after_hold_status: check.status,
    });
    await this.repo.appendHistory(m, { withdrawal_id: id, from: null, to: 'requested', action: 'request', actor: who.id });

    const hold = await this.wallet.createHold(holdRequest, { idempotencyKey: walletKey(id, 'hold') });
    switch (hold.kind) {
      case 'refused':
        // Rolled back with the request (a stored refusal of the Idempotency-Key): nothing is written.
        throw WithdrawalException.fromWalletRefusal(hold.code);
      case 'unavailable':
        this.logger.warn(`withdrawal ${id}: the wallet was not reached (${hold.reason}); the worker places the hold later`);
        row = await this.repo.setStatus(m, id, 'requested', { next_attempt_at: new Date(now.getTime() + this.env.WITHDRAWAL_WORKER_INTERVAL_MS) });
        await this.emitRequest(m, row);
        return { status: 202, body: view(row) };
      case 'applied': {
        // The request event first, then its transitions, as a consumer reads them.
        const updates: OutboxEvent[] = [];
        row = await this.afterHold(m, row, hold.body.hold_id, hold.body.transfer_id, updates);
        await this.emitRequest(m, row);
        await this.outbox.add(m, ...updates);
        return { status: 201, body: view(row) };
      }
    }
  }

  /** The worker's side of the request path: places the hold of `requested` rows with the same key and stored body. */
  async retryRequestedHolds(limit = this.env.WITHDRAWAL_WORKER_BATCH): Promise<number> {
    let done = 0;
    await this.db.transaction(async (m) => {
      for (const row of await this.repo.claimRequested(m, limit)) {
        const hold = await this.wallet.createHold(row.hold_request as unknown as WalletCreateHoldRequest, { idempotencyKey: walletKey(row.id, 'hold') });
        switch (hold.kind) {
          case 'applied':
            await this.afterHold(m, row, hold.body.hold_id, hold.body.transfer_id);
            done += 1;
            break;
          case 'refused':
            await this.move(m, row, 'failed', 'system', { action: 'hold_refused', reason: hold.code, patch: { failure_code: hold.code, next_attempt_at: null } });
            done += 1;
            break;
          case 'unavailable': {
            const backoff = Math.min(300_000, this.env.WITHDRAWAL_WORKER_INTERVAL_MS * 2 ** Math.min(row.attempts, 6));
            await this.repo.deferAttempt(m, row.id, new Date(Date.now() + backoff));
            break;
          }
        }
      }
    });
    return done;
  }

  /** requested → pending (held) → in_review when the destination is cooling off. */
  private async afterHold(m: EntityManager, row: WithdrawalRow, holdId: string, transferId: string, sink?: OutboxEvent[]): Promise<WithdrawalRow> {
    let next = await this.move(m, row, 'pending', 'system', { action: 'hold', transfer_id: transferId, patch: { hold_id: holdId, hold_transfer_id: transferId, next_attempt_at: null }, sink });
    if (row.after_hold_status === 'in_review') next = await this.move(m, next, 'in_review', 'system', { action: 'cooling_off', reason: 'new_or_changed_destination', sink });
    return next;
  }

  async listForUser(who: Who, userId: string, q: ListWithdrawalsQuery): Promise<Page<WithdrawalView>> {
    requireSelfOrStaff(who, userId);
    return this.page({ ...q, user_id: userId });
  }

  async listAll(q: ListWithdrawalsQuery): Promise<Page<WithdrawalView>> {
    return this.page(q);
  }

  async getForUser(who: Who, userId: string, id: string): Promise<WithdrawalView & { history: HistoryView[] }> {
    requireSelfOrStaff(who, userId);
    const row = await this.repo.getById(id);
    if (!row || row.user_id !== userId) throw new WithdrawalException('withdrawal_not_found', 'no such withdrawal');
    return this.withHistory(row);
  }

  async get(id: string): Promise<WithdrawalView & { history: HistoryView[] }> {
    const row = await this.repo.getById(id);
    if (!row) throw new WithdrawalException('withdrawal_not_found', 'no such withdrawal');
    return this.withHistory(row);
  }

  /** The resident (or an admin) cancels while it is not yet approved: the hold is voided. */
  async cancel(m: EntityManager, who: Who, userId: string, id: string): Promise<WithdrawalView> {
    requireSelfOrStaff(who, userId);
    const row = await this.repo.lockForUpdate(m, id);
    if (!row || row.user_id !== userId) throw new WithdrawalException('withdrawal_not_found', 'no such withdrawal');
    return view(await this.releaseHold(m, row, 'cancelled', who, { action: 'cancel' }));
  }

  // -------------------------------------------------------------------------------------------
  // Admin decisions

  /**
   * One admin's approval, guarded by the row lock: never the requester; from the threshold two
   * different admins. An in-review request is first cleared back to pending by the same admin.
   */
  async approve(m: EntityManager, who: Who, id: string, note: string): Promise<WithdrawalView> {
    requireAdminPerson(who);
    let row = await this.repo.lockForUpdate(m, id);
    if (!row) throw new WithdrawalException('withdrawal_not_found', 'no such withdrawal');
    if (who.id === row.user_id || who.id === row.requested_by) throw new WithdrawalException('self_approval', 'the requester may not approve their own withdrawal');
    if (row.status === 'in_review') row = await this.move(m, row, 'pending', who, { action: 'review_cleared', note });
    const settings = await this.repo.settings(m);
    const decision = decideApproval({ two_approvals_from: settings.two_approvals_from }, row, who.id);
    switch (decision.outcome) {
      case 'refused':
        throw new WithdrawalException(decision.code, decision.code === 'invalid_transition' ? `a ${row.status} withdrawal cannot be approved` : 'this admin already approved it');
      case 'awaiting_second_approval': {
        const approvals = [...row.approvals, who.id];
        await this.repo.setApprovals(m, id, approvals);
        await this.repo.appendHistory(m, { withdrawal_id: id, from: row.status, to: row.status, action: 'first_approval', actor: who.id, note });
        return view({ ...row, approvals, updated_at: new Date() });
      }
      case 'approved':
        return view(await this.move(m, row, 'approved', who, { action: 'approve', note, patch: { approvals: [...row.approvals, who.id] } }));
    }
  }

  async reject(m: EntityManager, who: Who, id: string, note: string): Promise<WithdrawalView> {
    requireAdminPerson(who);
    const row = await this.repo.lockForUpdate(m, id);
    if (!row) throw new WithdrawalException('withdrawal_not_found', 'no such withdrawal');
    return view(await this.releaseHold(m, row, 'rejected', who, { action: 'reject', note }));
  }

  /** Pending or in-review requests undecided for longer than the rule: expired, their holds voided (one transaction each). */
  async expireUndecided(limit = this.env.WITHDRAWAL_WORKER_BATCH): Promise<number> {
    const settings = await this.repo.settings();
    const ids = await this.repo.undecidedBefore(new Date(Date.now() - settings.expire_after_hours * 3_600_000), limit);
    let expired = 0;
    for (const id of ids) {
      try {
        await this.db.transaction(async (m) => {
          const row = await this.repo.lockForUpdate(m, id);
          if (!row || (row.status !== 'pending' && row.status !== 'in_review')) return;
          await this.releaseHold(m, row, 'expired', 'system', { action: 'expire', reason: 'expired' });
          expired += 1;
        });
      } catch (err) {
        this.logger.warn(`withdrawal ${id}: expiry deferred: ${(err as Error).message}`);
      }
    }
    return expired;
  }

  // -------------------------------------------------------------------------------------------
  // Limits

  async settings(): Promise<WithdrawalSettings> {
    return this.repo.settings();
  }

  async saveSettings(who: Who, dto: WithdrawalSettingsDto): Promise<WithdrawalSettings> {
    requireAdminPerson(who);
    const s: WithdrawalSettings = { ...dto };
    const problems = validateLimits(s).map((p) => `${p.field} ${p.message}`);
    if (s.two_approvals_from < 1) problems.push('two_approvals_from must be at least 1');
    if (problems.length > 0) throw new WithdrawalException('invalid_limits', problems.join('; '));
    return this.repo.saveSettings(s, who.id);
  }

  // -------------------------------------------------------------------------------------------

  /** A guarded transition whose wallet step is `void`: the hold is released with the step's own key, then the move is recorded. */
  async releaseHold(m: EntityManager, row: WithdrawalRow, to: WithdrawalStatus, who: Mover, h: { action: string; note?: string; reason?: string; patch?: Parameters<WithdrawalRepository['setStatus']>[3] }): Promise<WithdrawalRow> {
    const guard = checkTransition(row.status, to, actorOf(who));
    if (!guard.ok) throw new WithdrawalException(guard.code === 'forbidden' ? 'forbidden' : 'invalid_transition', `a ${row.status} withdrawal cannot become ${to}`);
    let transferId: string | undefined;
    if (guard.rule.wallet === 'void' && row.hold_id) {
      const voided = await this.wallet.voidHold(row.hold_id, { description: `Withdrawal ${row.id} ${to}` }, { idempotencyKey: walletKey(row.id, 'void') });
      switch (voided.kind) {
        case 'applied':
          transferId = voided.body.transfer_id;
          break;
        case 'refused':
          throw new WithdrawalException('wallet_refused', `the wallet refused to release the hold (${voided.code})`, { wallet_code: voided.code });
        case 'unavailable':
          // Unknown: nothing is recorded; the same request (or the next expiry run) voids with the same key.
          throw new WithdrawalException('wallet_unavailable', 'the wallet could not be reached; send the same request again');
      }
    }
    return this.move(m, row, to, who, { ...h, transfer_id: transferId, patch: { ...h.patch, ...(transferId ? { settle_transfer_id: transferId } : {}) } });
  }

  /** Checks the move, writes it, appends its history row and its `withdrawal_update` event, in `m`. */
  async move(
    m: EntityManager,
    row: WithdrawalRow,
    to: WithdrawalStatus,
    who: Mover,
    h: { action: string; note?: string; reason?: string; transfer_id?: string; at?: Date; patch?: Parameters<WithdrawalRepository['setStatus']>[3]; sink?: OutboxEvent[] },
  ): Promise<WithdrawalRow> {
    const guard = checkTransition(row.status, to, actorOf(who));
    if (!guard.ok) throw new WithdrawalException(guard.code === 'forbidden' ? 'forbidden' : 'invalid_transition', `a ${row.status} withdrawal cannot become ${to}`);
    const next = await this.repo.setStatus(m, row.id, to, h.patch ?? {});
    const actor = who === 'system' || who === 'provider' ? 'system' : who.id;
    await this.repo.appendHistory(m, { withdrawal_id: row.id, from: row.status, to, action: h.action, actor, note: h.note ?? null, reason: h.reason ?? null, transfer_id: h.transfer_id ?? null });
    const event: OutboxEvent = {
      type: 'withdrawal_update',
      subject: row.id,
      data: {
        withdrawal_id: row.id, user_id: row.user_id, from: row.status, to, amount: Number(row.amount), currency: row.currency, method: row.method as EventMethod,
        actor, reason: h.reason ?? null, transfer_id: h.transfer_id ?? null, changed_at: (h.at ?? next.status_changed_at).toISOString(),
      } satisfies WithdrawalUpdateData,
    };
    if (h.sink) h.sink.push(event);
    else await this.outbox.add(m, event);
    afterCommit(m, () => this.notifier.poke());
    return next;
  }

  private async emitRequest(m: EntityManager, row: WithdrawalRow): Promise<void> {
    await this.outbox.add(m, {
      type: 'withdrawal_request',
      subject: row.id,
      data: {
        withdrawal_id: row.id, user_id: row.user_id, amount: Number(row.amount), currency: row.currency, method: row.method as EventMethod,
        status: row.status, hold_id: row.hold_id, requested_at: row.created_at.toISOString(),
      } satisfies WithdrawalRequestData,
    });
    afterCommit(m, () => this.notifier.poke());
  }

  private async page(q: ListWithdrawalsQuery & { user_id?: string }): Promise<Page<WithdrawalView>> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    // The platform's keyset cursor: (created_at, id) of the last row; a foreign one is 400 validation_failed.
    const key = decodeCursor(q.cursor, 2, ([at, id]) => !Number.isNaN(Date.parse(at!)) && UUID.test(id!));
    const rows = await this.repo.list({
      user_id: q.user_id, status: q.status, method: q.method, from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined,
      before: key ? { created_at: new Date(key[0]!), id: key[1]! } : undefined, limit: limit + 1,
    });
    return pageOf(rows, limit, view, (r) => [r.created_at.toISOString(), r.id]);
  }

  private async withHistory(row: WithdrawalRow): Promise<WithdrawalView & { history: HistoryView[] }> {
    return { ...view(row), history: (await this.repo.history(row.id)).map(historyView) };
  }

  private seal(d: Destination, id: string): Buffer {
    return this.box.seal(JSON.stringify(d), id);
  }

  /** The clear destination, in memory only, for the one call that needs it (the payout). */
  openDestination(row: WithdrawalRow): Destination {
    return JSON.parse(this.box.open(row.destination_ciphertext, row.id)) as Destination;
  }
}

function refusalDetail(code: string): string {
  switch (code) {
    case 'below_minimum':
      return 'the amount is below the minimum per withdrawal';
    case 'above_maximum':
      return 'the amount is above the maximum per withdrawal';
    case 'daily_limit_exceeded':
      return 'this would exceed the daily withdrawal limit';
    case 'open_withdrawal_exists':
      return 'another withdrawal of this user is still open';
    default:
      return 'the amount must be a positive whole number of cents';
  }
}
