import { Injectable } from '@nestjs/common';
import { GREEN_SCHOLAR_FUND_CAMPAIGN_ID, type WalletMultiLegTransferRequest, type WalletTransferLeg } from '@wozamali/contracts';
import type { OutboxTransaction } from '@wozamali/messaging';
import { WalletClient } from '@wozamali/wallet-client';
import type { EntityManager } from 'typeorm';
import type { CancelCampaignDto } from '../dtos/campaign.dto';
import { DonationException } from '../errors/donation.exception';
import { CampaignRepository } from '../repositories/campaign.repository';
import { DonationRepository } from '../repositories/donation.repository';
import { updateData } from './campaign.service';
import { RefundService } from './refund.service';

type Emit = OutboxTransaction['emit'];

/** The wallet did not answer the redirect: its body is kept, and resent unchanged with the same key. */
export class RedirectInDoubt extends DonationException {
  constructor(readonly request: WalletMultiLegTransferRequest) {
    super('wallet_unavailable', 'the wallet could not be reached; the balance moves once it answers');
  }
}

/** What a stored redirect body moves. */
function heldOf(request: WalletMultiLegTransferRequest): { ZAR: number; POINTS: number } {
  const of = (asset: 'ZAR' | 'POINTS') => request.legs.filter((l) => l.asset === asset).reduce((n, l) => n + l.amount, 0);
  return { ZAR: of('ZAR'), POINTS: of('POINTS') };
}

/**
 * Cancelling a campaign. One holding money (or points) needs a choice: refund every donation, or
 * redirect the balance to another active campaign by one ledger transfer. A campaign is never
 * deleted. Donors learn of it by `donation_refunded` (each) and `campaign_update` (with the choice).
 */
@Injectable()
export class CancellationService {
  constructor(
    private readonly campaigns: CampaignRepository,
    private readonly donations: DonationRepository,
    private readonly refunds: RefundService,
    private readonly wallet: WalletClient,
  ) {}

  /**
   * `storedRedirect`: a redirect body sent before without an answer (the queued cancellation): it is
   * resent as it was, under the same key, whatever the balance reads now.
   */
  async cancel(m: EntityManager, emit: Emit, id: string, dto: CancelCampaignDto, actor: string, storedRedirect?: WalletMultiLegTransferRequest) {
    const c = await this.campaigns.lockForUpdate(m, id);
    if (!c) throw new DonationException('campaign_not_found');
    if (c.always_active) throw new DonationException('invalid_transition', 'the Green Scholar Fund is always active');
    if (c.status !== 'draft' && c.status !== 'active') throw new DonationException('invalid_transition', `a ${c.status} campaign cannot be cancelled`);
    if ((await this.donations.countPending(m, c.id)) > 0) throw new DonationException('invalid_transition', 'donations to this campaign are still pending; try again once the wallet has settled them');
    const held = storedRedirect ? heldOf(storedRedirect) : await this.balances(c.id);
    const holdsMoney = held.ZAR > 0 || held.POINTS > 0;
    if (holdsMoney && !dto.disposition) throw new DonationException('campaign_has_money', 'this campaign holds money: choose disposition refund or redirect', { balance_amount: held.ZAR, balance_points: held.POINTS });
    let redirectTo: string | null = null;
    if (holdsMoney && dto.disposition === 'refund') {
      for (const d of await this.donations.acceptedOfCampaign(m, c.id)) {
        const locked = (await this.donations.lockForUpdate(m, d.id))!;
        await this.refunds.refund(m, emit, locked, `campaign cancelled: ${dto.reason}`, actor);
      }
    } else if (holdsMoney && dto.disposition === 'redirect') {
      const targetId = (dto.redirect_campaign_id ?? '').toLowerCase();
      const target = /^[0-9a-f-]{36}$/.test(targetId) ? await this.campaigns.getById(targetId) : null;
      // A stored body may have moved the balance already: it is resent as it was, never refused here.
      if (!storedRedirect && (!target || target.id === c.id || target.status !== 'active')) {
        throw new DonationException('invalid_redirect', 'redirect to another active campaign (e.g. the Green Scholar Fund)', { green_scholar_fund: GREEN_SCHOLAR_FUND_CAMPAIGN_ID });
      }
      const legs: WalletTransferLeg[] = [];
      for (const asset of ['ZAR', 'POINTS'] as const) {
        if (held[asset] > 0) legs.push({ from: { type: 'campaign', id: c.id }, to: { type: 'campaign', id: targetId }, asset, amount: held[asset] });
      }
      const request: WalletMultiLegTransferRequest = storedRedirect ?? {
        kind: 'transfer', description: `${c.name} cancelled: balance redirected to ${target!.name}`.slice(0, 500), reference: `campaign-redirect:${c.id}`,
        metadata: { campaign_id: c.id, redirect_campaign_id: targetId }, legs,
      };
      const call = await this.wallet.transfer(request, { idempotencyKey: `campaign:${c.id}:redirect` });
      if (call.kind === 'unavailable') throw new RedirectInDoubt(request);
      if (call.kind === 'refused') throw call.code === 'insufficient_funds' || call.code === 'insufficient_points' ? new DonationException('insufficient_campaign_balance', 'the wallet refused to move the campaign balance') : DonationException.fromWalletRefusal(call.code, call.detail);
      redirectTo = String(request.metadata?.redirect_campaign_id ?? targetId);
    }
    const previous = c.status;
    const saved = await this.campaigns.save(m, {
      ...c, status: 'cancelled', cancelled_at: new Date(), cancellation: holdsMoney ? dto.disposition! : null, redirect_campaign_id: redirectTo,
    });
    await emit({ type: 'campaign_update', data: updateData(saved, previous) });
    return { id: saved.id, status: saved.status, cancellation: saved.cancellation, redirect_campaign_id: saved.redirect_campaign_id, moved_amount: holdsMoney ? held.ZAR : 0, moved_points: holdsMoney ? held.POINTS : 0 };
  }

  private async balances(id: string): Promise<{ ZAR: number; POINTS: number }> {
    const read = await this.wallet.accountBalances('campaign', id);
    if (read.kind === 'unavailable') throw new DonationException('wallet_unavailable', 'the campaign balance could not be read; try again');
    if (read.kind === 'refused') throw DonationException.fromWalletRefusal(read.code, read.detail);
    const of = (asset: 'ZAR' | 'POINTS') => read.body.balances.find((b) => b.asset === asset)?.balance ?? 0;
    return { ZAR: of('ZAR'), POINTS: of('POINTS') };
  }
}
