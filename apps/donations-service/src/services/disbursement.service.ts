import { Injectable, Logger } from '@nestjs/common';
import { uuidv7, type DisbursementStatus, type WalletMultiLegTransferRequest } from '@wozamali/contracts';
import type { OutboxTransaction } from '@wozamali/messaging';
import { WalletClient } from '@wozamali/wallet-client';
import { DataSource, type EntityManager } from 'typeorm';
import { DonationsServiceEnv } from '../config/env';
import type { CreateDisbursementDto } from '../dtos/donation.dto';
import { DonationException } from '../errors/donation.exception';
import { CampaignRepository } from '../repositories/campaign.repository';
import { DisbursementRepository, type Disbursement } from '../repositories/disbursement.repository';
import { PayoutsClient, type DisbursementPayout } from './payouts.client';

type Emit = OutboxTransaction['emit'];

/** The wallet key of a disbursement's ledger move (campaign → payout clearing) and of its credit back. */
export const moveKey = (id: string) => `disbursement:${id}`;
export const creditBackKey = (id: string) => `disbursement:${id}:credit_back`;

/**
 * Campaign money leaves only through a disbursement to its beneficiary: one admin requests it (with
 * the beneficiary's payout method and destination, validated and sealed by the withdrawals-service,
 * kept here masked only), another approves it (four eyes), and the approval moves the money in the
 * ledger from the campaign to payout clearing (key `disbursement:<id>`; the wallet away → 202
 * `approved`, the worker makes the move with the same key and body). The payout itself goes through
 * the withdrawals-service's provider pipeline (same clients, breakers, doubt rules, callbacks):
 * released once the money is in clearing, its outcome read back by the worker; a failed or returned
 * payout is credited back to the campaign by reversing the move, once (key `disbursement:<id>:credit_back`).
 */
@Injectable()
export class DisbursementService {
  private readonly logger = new Logger('Disbursements');

  constructor(
    private readonly disbursements: DisbursementRepository,
    private readonly campaigns: CampaignRepository,
    private readonly wallet: WalletClient,
    private readonly payouts: PayoutsClient,
    private readonly db: DataSource,
    private readonly env: DonationsServiceEnv,
  ) {}

  /**
   * One admin asks. The campaign's balance (less what other disbursements already promised) must cover it; the wallet
   * away or in doubt when asked → `pending` (202): the worker checks the balance and moves it to `requested` or `failed`.
   */
  async request(m: EntityManager, emit: Emit, campaignId: string, dto: CreateDisbursementDto, actor: string): Promise<{ pending: boolean; body: DisbursementView }> {
    const c = await this.campaigns.lockForUpdate(m, campaignId);
    if (!c) throw new DonationException('campaign_not_found');
    if (c.status !== 'active' && c.status !== 'completed') throw new DonationException('campaign_not_active', `a ${c.status} campaign pays nothing out`);
    const balance = await this.balance(c.id);
    if (balance !== null) this.ensureCovered(balance, await this.disbursements.openAmount(m, c.id), dto.amount);
    const id = uuidv7();
    // The destination is validated and sealed by the payout pipeline; only its masked copy is kept here.
    // Registered before this transaction commits: a rollback leaves an unreleased registration, never paid.
    const registered = await this.payouts.register(id, { campaign_id: c.id, beneficiary: c.beneficiary, amount: dto.amount, method: dto.method, destination: dto.destination });
    if (registered.kind === 'unavailable') throw new DonationException('payouts_unavailable', 'the payout pipeline could not be reached; request again');
    if (registered.kind === 'refused') {
      if (registered.code === 'invalid_destination') throw new DonationException('invalid_destination', registered.detail, registered.field ? { field: registered.field } : {});
      throw new DonationException('payouts_unavailable', `the payout pipeline refused the registration (${registered.code})`);
    }
    const d = await this.disbursements.insert(m, {
      id, campaign_id: c.id, beneficiary: c.beneficiary, amount: dto.amount, reference: dto.reference ?? null, requested_by: actor,
      method: registered.body.method, destination_masked: registered.body.destination, status: balance === null ? 'pending' : 'requested',
    });
    await this.emitUpdate(emit, d, null);
    return { pending: d.status === 'pending', body: view(d) };
  }

  /**
   * The second pair of eyes: someone other than the requester approves, and the money moves to payout
   * clearing. The wallet away or in doubt → `approved` (202): the worker makes the move with the same key.
   */
  async approve(m: EntityManager, emit: Emit, id: string, actor: string): Promise<{ pending: boolean; body: DisbursementView }> {
    const d = await this.disbursements.lockForUpdate(m, id);
    if (!d) throw new DonationException('disbursement_not_found');
    if (d.status !== 'requested') throw new DonationException('disbursement_not_pending', `the disbursement is ${d.status}`);
    if (d.requested_by === actor) throw new DonationException('approver_already_approved', 'the admin who requested a disbursement cannot approve it');
    const request: WalletMultiLegTransferRequest = {
      kind: 'transfer', description: `Disbursement to ${d.beneficiary}`.slice(0, 500), reference: `disbursement:${d.id}`,
      metadata: { disbursement_id: d.id, campaign_id: d.campaign_id }, legs: [{ from: { type: 'campaign', id: d.campaign_id }, to: { type: 'payout_clearing' }, asset: 'ZAR', amount: d.amount }],
    };
    const call = await this.wallet.transfer(request, { idempotencyKey: moveKey(d.id) });
    switch (call.kind) {
      case 'unavailable': {
        await this.disbursements.addApproval(m, d.id, actor);
        const saved = await this.disbursements.setStatus(m, d.id, 'approved', { wallet_request: request, next_check_at: new Date() });
        await this.emitUpdate(emit, saved, d.status);
        return { pending: true, body: view(saved) };
      }
      case 'refused':
        throw call.code === 'insufficient_funds' ? new DonationException('insufficient_campaign_balance', 'the campaign does not hold this amount') : DonationException.fromWalletRefusal(call.code, call.detail);
      case 'applied': {
        await this.disbursements.addApproval(m, d.id, actor);
        const saved = await this.disbursements.setStatus(m, d.id, 'processing', { transfer_id: call.body.transfer_id, wallet_request: request, next_check_at: new Date() });
        await this.emitUpdate(emit, saved, d.status);
        return { pending: false, body: view(saved) };
      }
    }
  }

  /** Nothing moved: the payout registration is cancelled by the worker once this commits (never before: a rollback would leave it cancelled). */
  async reject(m: EntityManager, emit: Emit, id: string, actor: string, reason: string) {
    const d = await this.disbursements.lockForUpdate(m, id);
    if (!d) throw new DonationException('disbursement_not_found');
    if (d.status !== 'requested' && d.status !== 'pending') throw new DonationException('disbursement_not_pending', `the disbursement is ${d.status}`);
    const saved = await this.disbursements.setStatus(m, d.id, 'rejected', { rejected_by: actor, reason, next_check_at: new Date() });
    await this.emitUpdate(emit, saved, d.status);
    return view(saved);
  }

  /**
   * A payout the pipeline left in `needs_review` (24 h of doubt) sent back to its worker by a person, as a withdrawal's
   * `retry-payout`: the provider is asked again by reference (the disbursement id) and the payout resent only with the same
   * key, so it is paid at most once; its outcome then completes the disbursement or credits the campaign back, once.
   */
  async retryPayout(m: EntityManager, id: string, actor: string, note: string) {
    const d = await this.disbursements.lockForUpdate(m, id);
    if (!d) throw new DonationException('disbursement_not_found');
    if (d.status !== 'processing' || d.payout_status !== 'needs_review') {
      throw new DonationException('payout_not_in_review', `the disbursement is ${d.status}, its payout ${d.payout_status ?? 'not released'}`);
    }
    const sent = await this.payouts.retry(d.id);
    if (sent.kind === 'unavailable') throw new DonationException('payouts_unavailable', 'the payout pipeline could not be reached; try again');
    if (sent.kind === 'refused') throw new DonationException('payout_not_in_review', `the payout pipeline refused: ${sent.detail ?? sent.code}`);
    await this.disbursements.patch(m, d.id, { payout_status: sent.body.status, next_check_at: new Date(), retried: { by: actor, note } });
    this.logger.log(`disbursement ${d.id}: payout sent back from needs_review by ${actor}`);
    return view((await this.disbursements.getById(d.id, m))!);
  }

  async list(campaignId: string) {
    if (!(await this.campaigns.getById(campaignId))) throw new DonationException('campaign_not_found');
    return { data: (await this.disbursements.listOfCampaign(campaignId)).map(view) };
  }

  async get(id: string) {
    const d = await this.disbursements.getById(id);
    if (!d) throw new DonationException('disbursement_not_found');
    return view(d);
  }

  // -------------------------------------------------------------------------------------------
  // The worker

  /** One round over the disbursements with work due; each step is idempotent, a failed step is deferred. */
  async work(emit: (m: EntityManager) => Emit, limit = 50): Promise<number> {
    const watchFrom = new Date(Date.now() - this.env.DISBURSEMENT_RETURN_WATCH_DAYS * 86_400_000);
    const due = await this.disbursements.claimDue(limit, Math.max(this.env.DISBURSEMENT_INTERVAL_MS * 4, 10_000), watchFrom);
    if (due.length === 0) return 0;
    const outcomes = new Map<string, DisbursementPayout>();
    const watched = due.filter((d) => (d.status === 'processing' && d.payout_released_at) || d.status === 'completed').map((d) => d.id);
    if (watched.length > 0) {
      const read = await this.payouts.many(watched);
      if (read.kind === 'ok') for (const p of read.body.data) outcomes.set(p.id, p);
      else this.logger.warn(`payout outcomes could not be read (${read.kind === 'unavailable' ? read.reason : read.code}); asking again later`);
    }
    for (const d of due) {
      try {
        if (!(await this.step(d, outcomes.get(d.id), emit))) await this.disbursements.defer(d.id);
      } catch (err) {
        this.logger.warn(`disbursement ${d.id}: deferred: ${(err as Error).message}`);
        await this.disbursements.defer(d.id);
      }
    }
    return due.length;
  }

  /** The next step of one disbursement; false when it must be tried again later. */
  private async step(d: Disbursement, outcome: DisbursementPayout | undefined, emit: (m: EntityManager) => Emit): Promise<boolean> {
    if (d.credit_back_due) return this.creditBack(d);
    if (d.status === 'pending') return this.confirm(d, emit);
    if ((d.status === 'rejected' || d.status === 'failed') && !d.transfer_id && !d.payout_cancelled_at) return this.cancelPayout(d);
    if (d.status === 'approved') return this.move(d, emit);
    if (d.status === 'processing' && !d.payout_released_at) {
      const released = await this.payouts.release(d.id);
      if (released.kind !== 'ok') {
        this.logger.warn(`disbursement ${d.id}: payout not released yet (${released.kind === 'unavailable' ? released.reason : released.code})`);
        return false;
      }
      await this.disbursements.patch(this.db, d.id, { payout_released_at: new Date(), payout_status: released.body.status, next_check_at: new Date(Date.now() + this.env.DISBURSEMENT_INTERVAL_MS) });
      return true;
    }
    if (!outcome) return false;
    return this.db.transaction(async (m) => {
      const locked = await this.disbursements.lockForUpdate(m, d.id);
      if (!locked) return true;
      const next = new Date(Date.now() + this.env.DISBURSEMENT_INTERVAL_MS);
      const to: DisbursementStatus | null =
        outcome.status === 'completed' && locked.status === 'processing' ? 'completed'
        : outcome.status === 'failed' && locked.status === 'processing' ? 'failed'
        : outcome.status === 'returned' && (locked.status === 'processing' || locked.status === 'completed') ? 'returned'
        : null;
      if (!to) {
        await this.disbursements.patch(m, d.id, { payout_status: outcome.status, next_check_at: locked.status === 'completed' ? new Date(Date.now() + 60 * this.env.DISBURSEMENT_INTERVAL_MS) : next });
        return true;
      }
      const saved = await this.disbursements.setStatus(m, d.id, to, {
        payout_status: outcome.status, failure_code: outcome.failure_code ?? undefined, settled_at: new Date(),
        // A failed or returned payout: the money goes back to the campaign (next step, once).
        credit_back_due: to !== 'completed', next_check_at: to === 'completed' ? new Date(Date.now() + 60 * this.env.DISBURSEMENT_INTERVAL_MS) : new Date(),
      });
      await this.emitUpdate(emit(m), saved, locked.status);
      return true;
    });
  }

  /** The ledger move the approval could not make: the same key and body (the wallet replays a move it made). */
  private async move(d: Disbursement, emit: (m: EntityManager) => Emit): Promise<boolean> {
    if (!d.wallet_request) throw new Error('no stored wallet request');
    const call = await this.wallet.transfer(d.wallet_request, { idempotencyKey: moveKey(d.id) });
    if (call.kind === 'unavailable') return false;
    return this.db.transaction(async (m) => {
      const locked = await this.disbursements.lockForUpdate(m, d.id);
      if (!locked || locked.status !== 'approved') return true;
      const saved = call.kind === 'applied'
        ? await this.disbursements.setStatus(m, d.id, 'processing', { transfer_id: call.body.transfer_id, next_check_at: new Date() })
        // Refused (e.g. the campaign no longer holds it): nothing moved, nothing to pay or credit back.
        // Its payout registration is then cancelled (next step).
        : await this.disbursements.setStatus(m, d.id, 'failed', { failure_code: call.code === 'insufficient_funds' ? 'insufficient_campaign_balance' : call.code, next_check_at: new Date() });
      await this.emitUpdate(emit(m), saved, locked.status);
      return true;
    });
  }

  /**
   * A disbursement requested while the wallet was away: the campaign's balance checked now, under the campaign's lock as
   * a request is, against what the other open disbursements promised → `requested` (for a second admin), or `failed`.
   */
  private async confirm(d: Disbursement, emit: (m: EntityManager) => Emit): Promise<boolean> {
    return this.db.transaction(async (m) => {
      const c = await this.campaigns.lockForUpdate(m, d.campaign_id);
      const locked = await this.disbursements.lockForUpdate(m, d.id);
      if (!c || !locked || locked.status !== 'pending') return true;
      let refusal: string | null = null;
      if (c.status !== 'active' && c.status !== 'completed') refusal = 'campaign_not_active';
      else {
        const balance = await this.balance(c.id);
        if (balance === null) return false;
        try {
          this.ensureCovered(balance, await this.disbursements.openAmount(m, c.id, d.id), d.amount);
        } catch (err) {
          if (!(err instanceof DonationException)) throw err;
          refusal = err.code;
        }
      }
      const saved = refusal === null
        ? await this.disbursements.setStatus(m, d.id, 'requested', { next_check_at: null })
        // Nothing moved: the payout registration is cancelled next.
        : await this.disbursements.setStatus(m, d.id, 'failed', { failure_code: refusal, next_check_at: new Date() });
      await this.emitUpdate(emit(m), saved, locked.status);
      return true;
    });
  }

  /** Rejected, or failed before any ledger move: the unreleased payout registration is cancelled, so it can never be paid (idempotent). */
  private async cancelPayout(d: Disbursement): Promise<boolean> {
    const cancelled = await this.payouts.cancel(d.id);
    if (cancelled.kind === 'unavailable') return false;
    if (cancelled.kind === 'refused' && cancelled.status !== 404) {
      this.logger.error(`disbursement ${d.id}: the payout pipeline would not cancel its payout (${cancelled.code}); left for a person`);
      await this.disbursements.patch(this.db, d.id, { next_check_at: null });
      return true;
    }
    // 404: nothing is registered there under this id, so nothing can be paid.
    await this.disbursements.patch(this.db, d.id, { payout_cancelled_at: new Date(), payout_status: cancelled.kind === 'ok' ? cancelled.body.status : 'cancelled', next_check_at: null });
    return true;
  }

  /** A failed or returned payout: the move to payout clearing is reversed once (the money is the campaign's again). */
  private async creditBack(d: Disbursement): Promise<boolean> {
    if (!d.transfer_id) throw new Error('no ledger move to credit back');
    const call = await this.wallet.reverseTransfer(d.transfer_id, { reason: `Disbursement ${d.id} ${d.status} at the payout provider` }, { idempotencyKey: creditBackKey(d.id) });
    if (call.kind === 'unavailable') return false;
    if (call.kind === 'refused') {
      this.logger.error(`disbursement ${d.id}: the wallet refused the credit back (${call.code}); left for a person`);
      return false;
    }
    return this.db.transaction(async (m) => {
      const locked = await this.disbursements.lockForUpdate(m, d.id);
      if (!locked || !locked.credit_back_due) return true;
      // The status (failed or returned) and its event were written when the outcome was read; this records the credit.
      await this.disbursements.patch(m, d.id, { credit_back_transfer_id: call.body.transfer_id, credit_back_due: false, next_check_at: null });
      return true;
    });
  }

  /** The campaign's money in the ledger; null when the wallet could not be asked (unknown). */
  private async balance(campaignId: string): Promise<number | null> {
    const read = await this.wallet.accountBalances('campaign', campaignId);
    if (read.kind === 'unavailable') return null;
    if (read.kind === 'refused') throw DonationException.fromWalletRefusal(read.code, read.detail);
    return read.body.balances.find((b) => b.asset === 'ZAR')?.balance ?? 0;
  }

  private ensureCovered(balance: number, open: number, amount: number): void {
    if (balance < open + amount) throw new DonationException('insufficient_campaign_balance', `the campaign holds ${balance} cents, ${open} of them already requested`);
  }

  private async emitUpdate(emit: Emit, d: Disbursement, from: DisbursementStatus | null): Promise<void> {
    await emit({
      type: 'disbursement_update',
      data: {
        disbursement_id: d.id, campaign_id: d.campaign_id, beneficiary: d.beneficiary, amount: d.amount, currency: 'ZAR', from, to: d.status,
        approvals: d.approvers.length, transfer_id: d.transfer_id, changed_at: d.updated_at.toISOString(),
      },
    });
  }
}

export type DisbursementView = ReturnType<typeof view>;

function view(d: Disbursement) {
  return {
    id: d.id, campaign_id: d.campaign_id, beneficiary: d.beneficiary, amount: d.amount, currency: d.currency, reference: d.reference, status: d.status,
    method: d.method, destination: d.destination_masked,
    requested_by: d.requested_by, approved_by: d.approvers, rejected_by: d.rejected_by, reason: d.reason, transfer_id: d.transfer_id,
    payout_status: d.payout_status, failure_code: d.failure_code, credit_back_transfer_id: d.credit_back_transfer_id,
    payout_cancelled_at: d.payout_cancelled_at?.toISOString() ?? null,
    payout_retry: d.payout_retried_at ? { by: d.payout_retried_by, note: d.payout_retry_note, at: d.payout_retried_at.toISOString() } : null,
    created_at: d.created_at.toISOString(), updated_at: d.updated_at.toISOString(),
  };
}
