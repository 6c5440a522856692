import { Injectable, Logger } from '@nestjs/common';
import type { DonationCreateData, WalletMultiLegTransferRequest, WalletTransferLeg } from '@wozamali/contracts';
import { OutboxNotifier, OutboxWriter, TransactionRunner, type OutboxTransaction } from '@wozamali/messaging';
import { afterCommit, requestContext } from '@wozamali/platform';
import { WalletClient } from '@wozamali/wallet-client';
import type { EntityManager } from 'typeorm';
import { DonationsServiceEnv } from '../config/env';
import { bonusPoints, donationIdFor, donorRef, receiptNumber, targetsMet, taxYearOf } from '../domain/donation-rules';
import type { CreateDonationDto } from '../dtos/donation.dto';
import { DonationException } from '../errors/donation.exception';
import { CampaignRepository, type Campaign, type JournalTotals } from '../repositories/campaign.repository';
import { DonationRepository, type Donation, type NewDonation } from '../repositories/donation.repository';
import { donationView } from './views';

/** How long a pending donation waits before the worker asks the wallet again (grows per attempt, at most 5 min). */
function retryDelayMs(attempts: number): number {
  return Math.min(300_000, 1_000 * 2 ** Math.min(attempts, 9));
}

type Emit = OutboxTransaction['emit'];

/** What answering a donation request gives: the donation and whether it is still pending (202). */
export interface DonationOutcome {
  pending: boolean;
  body: ReturnType<typeof donationView>;
}

@Injectable()
export class DonationService {
  private readonly logger = new Logger('DonationService');

  constructor(
    private readonly env: DonationsServiceEnv,
    private readonly campaigns: CampaignRepository,
    private readonly donations: DonationRepository,
    private readonly wallet: WalletClient,
    private readonly tx: TransactionRunner,
    private readonly outbox: OutboxWriter,
    private readonly notifier: OutboxNotifier,
  ) {}

  /** Events written in a request's idempotent transaction `m`; the relay is woken once it has committed. */
  emitterFor(m: EntityManager): Emit {
    return async (...events) => {
      const envelopes = await this.outbox.add(m, ...events.map((e) => ({ ...e, correlation_id: e.correlation_id ?? requestContext.requestId() })));
      afterCommit(m, () => this.notifier.poke());
      return envelopes;
    };
  }

  /** The donor's pseudonym in events and public lists: one for their anonymous donations, another for the rest, never linkable. */
  refOf(userId: string, anonymous: boolean): string {
    return donorRef(this.env.DONOR_REF_SECRET, `${anonymous ? 'anonymous' : 'named'}:${userId}`);
  }

  /**
   * `POST /v1/users/{user_id}/donations`, in the request's idempotent transaction `m`: the campaign
   * locked while deciding, ONE wallet transfer (money and points to the campaign, bonus points to the
   * donor) keyed by the donation id, then the donation, its receipt number and its events in the
   * same transaction. A wallet refusal throws (the transaction rolls back: nothing written, no
   * receipt number used); an unreachable wallet leaves the donation pending for the worker.
   */
  async donate(m: EntityManager, scope: string, key: string, userId: string, dto: CreateDonationDto): Promise<DonationOutcome> {
    const amount = dto.amount ?? 0;
    const points = dto.points ?? 0;
    if (amount === 0 && points === 0) throw new DonationException('nothing_to_donate', 'give an amount (cents), points, or both');
    const campaignId = dto.campaign_id.toLowerCase();
    const campaign = await this.campaigns.lockForDonation(m, campaignId);
    if (!campaign) throw new DonationException('campaign_not_found');
    const now = new Date();
    if (campaign.status === 'completed') throw new DonationException('campaign_completed', 'this campaign has completed and takes no more donations');
    if (campaign.cancel_request) throw new DonationException('campaign_not_active', 'this campaign is being cancelled');
    if (campaign.status !== 'active' || (campaign.starts_at && campaign.starts_at > now) || (campaign.ends_at && campaign.ends_at <= now)) {
      throw new DonationException('campaign_not_active', `this campaign is ${campaign.status === 'active' ? 'outside its dates' : campaign.status}`);
    }
    const id = donationIdFor(scope, key);
    const visibility = dto.visibility ?? 'public';
    const bonus = bonusPoints(amount, campaign.bonus_points_per_rand);
    const legs: WalletTransferLeg[] = [];
    const me = { type: 'user' as const, id: userId };
    const to = { type: 'campaign' as const, id: campaign.id };
    if (amount > 0) legs.push({ from: me, to, asset: 'ZAR', amount });
    if (points > 0) legs.push({ from: me, to, asset: 'POINTS', amount: points });
    if (bonus > 0) legs.push({ from: { type: 'platform' }, to: me, asset: 'POINTS', amount: bonus });
    const request: WalletMultiLegTransferRequest = {
      kind: 'donate', user_id: userId, description: `Donation to ${campaign.name}`.slice(0, 500), reference: `donation:${id}`,
      metadata: { donation_id: id, campaign_id: campaign.id }, legs,
    };
    const draft: NewDonation = {
      id, campaign_id: campaign.id, user_id: userId, donor_ref: this.refOf(userId, visibility === 'anonymous'), visibility,
      message: dto.message ?? null, amount, points, bonus_points: bonus, wallet_request: request,
    };
    const call = await this.wallet.transfer(request, { idempotencyKey: `donation:${id}` });
    switch (call.kind) {
      case 'refused':
        throw DonationException.fromWalletRefusal(call.code, call.detail);
      case 'unavailable': {
        this.logger.warn(`wallet unavailable for donation ${id}, left pending: ${call.reason}`);
        const pending = await this.donations.insertPending(m, draft, new Date(Date.now() + retryDelayMs(0)));
        return { pending: true, body: donationView(pending) };
      }
      case 'applied': {
        const emit = this.emitterFor(m);
        const saved = await this.donations.insertAccepted(m, draft, call.body.transfer_id, new Date(call.body.created_at));
        return { pending: false, body: donationView(await this.recordAccepted(m, emit, saved, campaign)) };
      }
    }
  }

  /**
   * One pending donation: the stored request resent with the same key. Applied → accepted with its
   * receipt and events, exactly as if the wallet had answered at once; refused → failed (the wallet
   * wrote nothing); unavailable → tried again later.
   */
  async retryPending(id: string): Promise<'accepted' | 'failed' | 'pending' | 'skipped'> {
    return this.tx.run(async ({ manager: m, emit }) => {
      const d = await this.donations.lockForUpdate(m, id);
      if (!d || d.status !== 'pending') return 'skipped';
      // Decided when it was asked for: the transfer may already have landed, so it is finished whatever the campaign's status now.
      const campaign = await this.campaigns.lockForDonation(m, d.campaign_id);
      const call = await this.wallet.transfer(d.wallet_request, { idempotencyKey: `donation:${d.id}` });
      switch (call.kind) {
        case 'refused':
          await this.donations.markFailed(m, d.id, call.code);
          return 'failed';
        case 'unavailable':
          await this.donations.postpone(m, d.id, new Date(Date.now() + retryDelayMs(d.attempts)));
          return 'pending';
        case 'applied': {
          const saved = await this.donations.markAccepted(m, d.id, call.body.transfer_id, new Date(call.body.created_at));
          await this.recordAccepted(m, emit, saved, campaign!);
          return 'accepted';
        }
      }
    });
  }

  /** Retries every pending donation that is due; returns how each went. */
  async retryDue(limit = 50): Promise<Record<string, number>> {
    const counts: Record<string, number> = { accepted: 0, failed: 0, pending: 0, skipped: 0 };
    for (const id of await this.donations.dueIds(limit)) counts[await this.retryPending(id)]! += 1;
    return counts;
  }

  /** After the transfer applied: the receipt number (money only), `donation_create`, and the campaign's completion if this donation met its targets. */
  private async recordAccepted(m: EntityManager, emit: Emit, d: Donation, campaign: Campaign): Promise<Donation> {
    let receipt: string | null = null;
    if (d.amount > 0) {
      const year = taxYearOf(d.donated_at!);
      const seq = await this.donations.nextReceiptSeq(m, year);
      receipt = receiptNumber(year, seq);
      await this.donations.insertReceipt(m, {
        number: receipt, donation_id: d.id, tax_year: year, seq, kind: campaign.pbo_reference ? 'section_18a' : 'receipt', amount: d.amount, currency: 'ZAR',
        donor_user_id: d.user_id, campaign_id: campaign.id, pbo_name: campaign.pbo_reference ? campaign.beneficiary : null, pbo_reference: campaign.pbo_reference,
        issued_at: d.donated_at!,
      });
      await this.donations.setReceiptNumber(m, d.id, receipt);
    }
    const anonymous = d.visibility === 'anonymous';
    const data: DonationCreateData = {
      donation_id: d.id, campaign_id: d.campaign_id, user_id: anonymous ? null : d.user_id, donor_ref: d.donor_ref, visibility: d.visibility,
      amount: d.amount, currency: 'ZAR', points: d.points, bonus_points: d.bonus_points, transfer_id: anonymous ? null : d.transfer_id, receipt_number: receipt,
      donated_at: d.donated_at!.toISOString(),
    };
    // An anonymous donation's event carries no user id anywhere: not in data, not as subject (the Kafka key).
    await emit({ type: 'donation_create', data, subject: anonymous ? null : d.user_id });
    if (campaign.status === 'active' && campaign.on_target === 'complete' && !campaign.always_active) {
      const totals = (await this.campaigns.journalTotals([campaign.id], m)).get(campaign.id)!;
      if (targetsMet({ amount: campaign.target_amount, points: campaign.target_points }, totals)) {
        await this.complete(m, emit, campaign, 'target_reached');
      }
    }
    return { ...d, receipt_number: receipt };
  }

  /**
   * What a campaign raised, net of refunds: from its ledger accounts (credited minus what refunds
   * took back) with its balance, the donors from the journal; the journal's sums (and no balance)
   * when the wallet cannot be read.
   */
  async raised(m: EntityManager, campaignId: string): Promise<{ totals: JournalTotals; balance: { amount: number; points: number } | null }> {
    const journal = (await this.campaigns.journalTotals([campaignId], m)).get(campaignId)!;
    const ledger = await this.wallet.accountBalances('campaign', campaignId);
    if (ledger.kind !== 'applied') return { totals: journal, balance: null };
    const of = (asset: 'ZAR' | 'POINTS') => ledger.body.balances.find((b) => b.asset === asset);
    // Raised = what the campaign's accounts hold plus what it paid on to its beneficiary: refunds and
    // reversed collections (a share taken back out of the fund) lower it, disbursements do not. A
    // campaign whose balance was redirected away keeps what it was credited, less its refunds.
    const paid = await this.campaigns.paidOn(campaignId, m);
    const refunded = paid.redirected ? await this.campaigns.refundedTotals(campaignId, m) : { amount: 0, points: 0 };
    const raisedOf = (asset: 'ZAR' | 'POINTS', refundedOf: number, paidOn: number) =>
      paid.redirected ? (of(asset)?.credited ?? 0) - refundedOf : (of(asset)?.balance ?? 0) + paidOn;
    return {
      totals: { ...journal, amount: raisedOf('ZAR', refunded.amount, paid.disbursed), points: raisedOf('POINTS', refunded.points, 0) },
      balance: { amount: of('ZAR')?.balance ?? 0, points: of('POINTS')?.balance ?? 0 },
    };
  }

  /** Completes a campaign (the caller holds its row lock and has checked it is active): exactly once, with its totals. */
  async complete(m: EntityManager, emit: Emit, campaign: Campaign, reason: 'target_reached' | 'ended'): Promise<Campaign> {
    const now = new Date();
    const saved = await this.campaigns.save(m, { ...campaign, status: 'completed', completed_at: now, completion_reason: reason });
    const { totals } = await this.raised(m, campaign.id);
    await emit({
      type: 'campaign_completed',
      data: {
        campaign_id: campaign.id, name: campaign.name, reason, raised_amount: totals.amount, raised_points: totals.points, currency: 'ZAR',
        donors: totals.donors, target_amount: campaign.target_amount, target_points: campaign.target_points, completed_at: now.toISOString(),
      },
    });
    return saved;
  }
}
