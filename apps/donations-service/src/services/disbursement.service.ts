import { Injectable } from '@nestjs/common';
import { uuidv7, type DisbursementStatus, type WalletMultiLegTransferRequest } from '@wozamali/contracts';
import type { OutboxTransaction } from '@wozamali/messaging';
import { WalletClient } from '@wozamali/wallet-client';
import type { EntityManager } from 'typeorm';
import type { CreateDisbursementDto } from '../dtos/donation.dto';
import { DonationException } from '../errors/donation.exception';
import { CampaignRepository } from '../repositories/campaign.repository';
import { DisbursementRepository, type Disbursement } from '../repositories/disbursement.repository';

type Emit = OutboxTransaction['emit'];

/**
 * Campaign money leaves only through a disbursement to its beneficiary: one admin requests it,
 * another approves it (four eyes), and the approval moves the money in the ledger from the campaign
 * to payout clearing. Paying it out through the payout provider (as withdrawals do) is not done here
 * yet: an approved disbursement stays `processing` until that pipeline exists.
 */
@Injectable()
export class DisbursementService {
  constructor(private readonly disbursements: DisbursementRepository, private readonly campaigns: CampaignRepository, private readonly wallet: WalletClient) {}

  async request(m: EntityManager, emit: Emit, campaignId: string, dto: CreateDisbursementDto, actor: string) {
    const c = await this.campaigns.lockForUpdate(m, campaignId);
    if (!c) throw new DonationException('campaign_not_found');
    if (c.status !== 'active' && c.status !== 'completed') throw new DonationException('campaign_not_active', `a ${c.status} campaign pays nothing out`);
    const balance = await this.balance(c.id);
    const open = await this.disbursements.openAmount(m, c.id);
    if (balance < open + dto.amount) {
      throw new DonationException('insufficient_campaign_balance', `the campaign holds ${balance} cents, ${open} of them already requested`);
    }
    const d = await this.disbursements.insert(m, { id: uuidv7(), campaign_id: c.id, beneficiary: c.beneficiary, amount: dto.amount, reference: dto.reference ?? null, requested_by: actor });
    await this.emitUpdate(emit, d, null);
    return view(d);
  }

  /** The second pair of eyes: someone other than the requester approves, and the money moves to payout clearing. */
  async approve(m: EntityManager, emit: Emit, id: string, actor: string) {
    const d = await this.disbursements.lockForUpdate(m, id);
    if (!d) throw new DonationException('disbursement_not_found');
    if (d.status !== 'requested') throw new DonationException('disbursement_not_pending', `the disbursement is ${d.status}`);
    if (d.requested_by === actor) throw new DonationException('approver_already_approved', 'the admin who requested a disbursement cannot approve it');
    const request: WalletMultiLegTransferRequest = {
      kind: 'transfer', description: `Disbursement to ${d.beneficiary}`.slice(0, 500), reference: `disbursement:${d.id}`,
      metadata: { disbursement_id: d.id, campaign_id: d.campaign_id }, legs: [{ from: { type: 'campaign', id: d.campaign_id }, to: { type: 'payout_clearing' }, asset: 'ZAR', amount: d.amount }],
    };
    const call = await this.wallet.transfer(request, { idempotencyKey: `disbursement:${d.id}` });
    switch (call.kind) {
      case 'unavailable':
        throw new DonationException('wallet_unavailable', 'the wallet could not be reached; approve again (the money moves once)');
      case 'refused':
        throw call.code === 'insufficient_funds' ? new DonationException('insufficient_campaign_balance', 'the campaign does not hold this amount') : DonationException.fromWalletRefusal(call.code, call.detail);
      case 'applied': {
        await this.disbursements.addApproval(m, d.id, actor);
        const saved = await this.disbursements.setStatus(m, d.id, 'processing', { transfer_id: call.body.transfer_id, wallet_request: request });
        await this.emitUpdate(emit, saved, d.status);
        return view(saved);
      }
    }
  }

  async reject(m: EntityManager, emit: Emit, id: string, actor: string, reason: string) {
    const d = await this.disbursements.lockForUpdate(m, id);
    if (!d) throw new DonationException('disbursement_not_found');
    if (d.status !== 'requested') throw new DonationException('disbursement_not_pending', `the disbursement is ${d.status}`);
    const saved = await this.disbursements.setStatus(m, d.id, 'rejected', { rejected_by: actor, reason });
    await this.emitUpdate(emit, saved, d.status);
    return view(saved);
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

  private async balance(campaignId: string): Promise<number> {
    const read = await this.wallet.accountBalances('campaign', campaignId);
    if (read.kind === 'unavailable') throw new DonationException('wallet_unavailable', 'the campaign balance could not be read; try again');
    if (read.kind === 'refused') throw DonationException.fromWalletRefusal(read.code, read.detail);
    return read.body.balances.find((b) => b.asset === 'ZAR')?.balance ?? 0;
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

function view(d: Disbursement) {
  return {
    id: d.id, campaign_id: d.campaign_id, beneficiary: d.beneficiary, amount: d.amount, currency: d.currency, reference: d.reference, status: d.status,
    requested_by: d.requested_by, approved_by: d.approvers, rejected_by: d.rejected_by, reason: d.reason, transfer_id: d.transfer_id,
    created_at: d.created_at.toISOString(), updated_at: d.updated_at.toISOString(),
  };
}
