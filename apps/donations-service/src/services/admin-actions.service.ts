import { Injectable, Logger } from '@nestjs/common';
import { TransactionRunner } from '@wozamali/messaging';
import { DataSource, type EntityManager } from 'typeorm';
import type { CancelCampaignDto } from '../dtos/campaign.dto';
import type { CreateDisbursementDto } from '../dtos/donation.dto';
import { DonationException } from '../errors/donation.exception';
import { CampaignRepository } from '../repositories/campaign.repository';
import { DonationRepository } from '../repositories/donation.repository';
import { QueuedActionRepository } from '../repositories/queued-action.repository';
import { CancellationService, RedirectInDoubt } from './cancellation.service';
import { DisbursementService } from './disbursement.service';
import { DonationService } from './donation.service';
import { RefundService } from './refund.service';
import { donationView } from './views';

/** An admin write's answer: 200 when done, 202 when accepted and queued for the wallet. */
export interface AdminAnswer<T> {
  pending: boolean;
  body: T;
}

const walletAway = (err: unknown): boolean => err instanceof DonationException && err.code === 'wallet_unavailable';

/**
 * The admin's writes, each in its idempotent request's transaction with its events. A refund or a
 * cancellation the wallet cannot be asked about (unreachable, or no answer in time: unknown, never
 * failed) is accepted (202) and kept on its row; a worker finishes it with the same wallet keys
 * (refund attempts are recorded before they are sent; a redirect body is stored and resent
 * unchanged), or records the wallet's definitive refusal.
 */
@Injectable()
export class AdminActions {
  private readonly logger = new Logger('QueuedAdminActions');

  constructor(
    private readonly donations: DonationService,
    private readonly donationRows: DonationRepository,
    private readonly campaigns: CampaignRepository,
    private readonly refunds: RefundService,
    private readonly cancellations: CancellationService,
    private readonly disbursements: DisbursementService,
    private readonly queued: QueuedActionRepository,
    private readonly tx: TransactionRunner,
    private readonly db: DataSource,
  ) {}

  async refund(m: EntityManager, id: string, reason: string, by: string): Promise<AdminAnswer<unknown>> {
    const d = await this.donationRows.lockForUpdate(m, id);
    if (!d) throw new DonationException('donation_not_found');
    const waiting = await this.queued.refundRequest(id, m);
    if (waiting.request && d.status === 'accepted') return { pending: true, body: { ...donationView(d), refund_status: 'pending', refund_requested_at: waiting.request.requested_at } };
    try {
      return { pending: false, body: await this.refunds.refund(m, this.donations.emitterFor(m), d, reason, by) };
    } catch (err) {
      if (!walletAway(err)) throw err;
      const requested_at = new Date().toISOString();
      await this.queued.queueRefund(m, id, { reason, by, requested_at });
      return { pending: true, body: { ...donationView(d), refund_status: 'pending', refund_requested_at: requested_at } };
    }
  }

  async cancel(m: EntityManager, id: string, dto: CancelCampaignDto, by: string): Promise<AdminAnswer<unknown>> {
    const waiting = await this.queued.cancelRequest(id, m);
    if (waiting.request) return { pending: true, body: pendingCancel(id, waiting.request) };
    try {
      return { pending: false, body: await this.cancellations.cancel(m, this.donations.emitterFor(m), id, dto, by) };
    } catch (err) {
      if (!walletAway(err)) throw err;
      // Checked before the wallet was asked: the campaign exists and may be cancelled. Refunds already made stay (committed with this).
      const request = {
        reason: dto.reason, disposition: dto.disposition, redirect_campaign_id: dto.redirect_campaign_id, by, requested_at: new Date().toISOString(),
        redirect_request: err instanceof RedirectInDoubt ? err.request : undefined,
      };
      await this.queued.queueCancel(m, id, request);
      return { pending: true, body: pendingCancel(id, request) };
    }
  }

  requestDisbursement(m: EntityManager, campaignId: string, dto: CreateDisbursementDto, by: string) {
    return this.disbursements.request(m, this.donations.emitterFor(m), campaignId, dto, by);
  }

  approveDisbursement(m: EntityManager, id: string, by: string) {
    return this.disbursements.approve(m, this.donations.emitterFor(m), id, by);
  }

  rejectDisbursement(m: EntityManager, id: string, by: string, reason: string) {
    return this.disbursements.reject(m, this.donations.emitterFor(m), id, by, reason);
  }

  /** The worker: queued refunds and cancellations, each in a transaction with its events; the wallet still away → later. */
  async runQueued(limit = 50): Promise<number> {
    let done = 0;
    for (const id of await this.queued.dueRefunds(limit)) {
      try {
        await this.tx.run(async ({ manager, emit }) => {
          const d = await this.donationRows.lockForUpdate(manager, id);
          const { request } = await this.queued.refundRequest(id, manager);
          if (!d || !request) return;
          if (d.status === 'accepted') await this.refunds.refund(manager, emit, d, request.reason, request.by);
          await this.queued.endRefund(manager, id, null);
        });
        done += 1;
      } catch (err) {
        await this.settle(err, `refund of donation ${id}`, () => this.queued.deferRefund(id), (code) => this.queued.endRefund(this.db, id, code));
      }
    }
    for (const id of await this.queued.dueCancels(limit)) {
      try {
        await this.tx.run(async ({ manager, emit }) => {
          const { request } = await this.queued.cancelRequest(id, manager);
          const c = await this.campaigns.getById(id, manager);
          if (!request || !c) return;
          if (c.status !== 'cancelled') {
            await this.cancellations.cancel(manager, emit, id, { reason: request.reason, disposition: request.disposition, redirect_campaign_id: request.redirect_campaign_id }, request.by, request.redirect_request);
          }
          await this.queued.endCancel(manager, id, null);
        });
        done += 1;
      } catch (err) {
        await this.settle(err, `cancellation of campaign ${id}`, () => this.queued.deferCancel(id), (code) => this.queued.endCancel(this.db, id, code));
      }
    }
    return done;
  }

  /** Unknown (the wallet away, or anything not a definitive answer) → try again later; a definitive refusal ends the request with its code. */
  private async settle(err: unknown, what: string, later: () => Promise<void>, refused: (code: string) => Promise<void>): Promise<void> {
    if (err instanceof DonationException && !walletAway(err)) {
      this.logger.warn(`${what}: refused (${err.code}); the queued request is dropped`);
      await refused(err.code);
      return;
    }
    this.logger.warn(`${what}: deferred: ${(err as Error).message}`);
    await later();
  }
}

function pendingCancel(id: string, r: { disposition?: string; redirect_campaign_id?: string; requested_at: string }) {
  return { id, status: 'cancelling', cancellation: r.disposition ?? null, redirect_campaign_id: r.redirect_campaign_id ?? null, requested_at: r.requested_at };
}
