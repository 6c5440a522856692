import { Injectable } from '@nestjs/common';
import { uuidv7, type CampaignStatus, type CampaignUpdateData } from '@wozamali/contracts';
import type { OutboxTransaction } from '@wozamali/messaging';
import { DataSource, type EntityManager } from 'typeorm';
import { canMove, daysLeft, percentOf } from '../domain/donation-rules';
import type { CreateCampaignDto, UpdateCampaignDto } from '../dtos/campaign.dto';
import { DonationException } from '../errors/donation.exception';
import { CampaignRepository, type Campaign, type JournalTotals } from '../repositories/campaign.repository';
import { DonationService } from './donation.service';

/** Where a campaign's raised totals came from: its ledger accounts, or (wallet unreachable) this service's journal. */
type ProgressSource = 'ledger' | 'journal';

@Injectable()
export class CampaignService {
  constructor(
    private readonly campaigns: CampaignRepository,
    private readonly donations: DonationService,
    private readonly ds: DataSource,
  ) {}

  async create(m: EntityManager, dto: CreateCampaignDto): Promise<unknown> {
    const startsAt = dto.starts_at ? new Date(dto.starts_at) : null;
    const endsAt = dto.ends_at ? new Date(dto.ends_at) : null;
    if (startsAt && endsAt && endsAt <= startsAt) throw new DonationException('invalid_transition', 'ends_at must be after starts_at');
    if (dto.external_id && (await this.campaigns.externalIdTaken(m, dto.external_id, null))) {
      throw new DonationException('invalid_transition', 'another campaign has this external_id');
    }
    const c = await this.campaigns.insert(m, {
      id: uuidv7(), name: dto.name, description: dto.description ?? '', beneficiary: dto.beneficiary, target_amount: dto.target_amount ?? null,
      target_points: dto.target_points ?? null, starts_at: startsAt, ends_at: endsAt, status: dto.status ?? 'draft', on_target: dto.on_target ?? 'complete',
      pbo_reference: dto.pbo_reference ?? null, external_id: dto.external_id ?? null, bonus_points_per_rand: dto.bonus_points_per_rand ?? 1,
    });
    await this.donations.emitterFor(m)({ type: 'campaign_update', data: updateData(c, null) });
    return this.view(c, { amount: 0, points: 0, donors: 0, donations: 0 }, 'journal');
  }

  /**
   * An admin's change, under the campaign's row lock (so no donation decides meanwhile). Status
   * follows draft → active → completed | cancelled (cancelling is its own route, for the money);
   * after activation a target may rise but never below what was raised.
   */
  async update(m: EntityManager, emit: OutboxTransaction['emit'], id: string, dto: UpdateCampaignDto): Promise<unknown> {
    const c = await this.campaigns.lockForUpdate(m, id);
    if (!c) throw new DonationException('campaign_not_found');
    if (c.always_active && (dto.status !== undefined || dto.ends_at !== undefined || dto.target_amount !== undefined || dto.target_points !== undefined)) {
      throw new DonationException('invalid_transition', 'the Green Scholar Fund is always active and has no target or end date');
    }
    if (c.status === 'completed' || c.status === 'cancelled') throw new DonationException('invalid_transition', `a ${c.status} campaign cannot change`);
    const next: Campaign = { ...c };
    if (dto.name !== undefined) next.name = dto.name;
    if (dto.description !== undefined) next.description = dto.description;
    if (dto.beneficiary !== undefined) next.beneficiary = dto.beneficiary;
    if (dto.on_target !== undefined) next.on_target = dto.on_target;
    if (dto.pbo_reference !== undefined) next.pbo_reference = dto.pbo_reference;
    if (dto.bonus_points_per_rand !== undefined) next.bonus_points_per_rand = dto.bonus_points_per_rand;
    if (dto.external_id !== undefined) {
      if (await this.campaigns.externalIdTaken(m, dto.external_id, c.id)) throw new DonationException('invalid_transition', 'another campaign has this external_id');
      next.external_id = dto.external_id;
    }
    if (dto.starts_at !== undefined) next.starts_at = new Date(dto.starts_at);
    if (dto.ends_at !== undefined) next.ends_at = new Date(dto.ends_at);
    if (next.starts_at && next.ends_at && next.ends_at <= next.starts_at) throw new DonationException('invalid_transition', 'ends_at must be after starts_at');
    const totals = (await this.campaigns.journalTotals([c.id], m)).get(c.id)!;
    for (const [field, raised] of [['target_amount', totals.amount], ['target_points', totals.points]] as const) {
      const value = dto[field];
      if (value === undefined) continue;
      if (c.status !== 'draft') {
        if (value === null) throw new DonationException('invalid_transition', `${field} cannot be removed after activation`);
        if (c[field] !== null && value < c[field]!) throw new DonationException('target_below_raised', `${field} may only rise after activation`);
        if (value < raised) throw new DonationException('target_below_raised', `${field} cannot be below what was raised (${raised})`);
      }
      next[field] = value;
    }
    const previous = c.status;
    if (dto.status !== undefined && !canMove(c.status, dto.status)) throw new DonationException('invalid_transition', `${c.status} → ${dto.status} is not allowed`);
    let saved: Campaign;
    if (dto.status === 'completed' && c.status === 'active') {
      saved = await this.donations.complete(m, emit, next, 'target_reached');
    } else {
      if (dto.status !== undefined) next.status = dto.status;
      saved = await this.campaigns.save(m, next);
    }
    await emit({ type: 'campaign_update', data: updateData(saved, previous) });
    return this.view(saved, totals, 'journal');
  }

  async get(id: string): Promise<unknown> {
    const c = await this.campaigns.getById(id);
    if (!c) throw new DonationException('campaign_not_found');
    const [progress] = await this.progressOf([c]);
    return progress;
  }

  async list(status: CampaignStatus | undefined): Promise<{ data: unknown[] }> {
    return { data: await this.progressOf(await this.campaigns.list(status)) };
  }

  /**
   * Raised money and points from each campaign's ledger accounts: credited (donations, and for the
   * Green Scholar Fund the fund shares of collections) minus what refunds took back. When the wallet
   * cannot be reached the journal's figures are shown, marked as such.
   */
  private async progressOf(list: Campaign[]): Promise<unknown[]> {
    return Promise.all(list.map(async (c) => {
      const { totals, balance } = await this.donations.raised(this.ds.manager, c.id);
      return balance ? this.view(c, totals, 'ledger', balance) : this.view(c, totals, 'journal');
    }));
  }

  private view(c: Campaign, raised: JournalTotals, source: ProgressSource, balance?: { amount: number; points: number }) {
    return {
      id: c.id, name: c.name, description: c.description, beneficiary: c.beneficiary, status: c.status, on_target: c.on_target,
      target_amount: c.target_amount, target_points: c.target_points, currency: c.currency, starts_at: c.starts_at?.toISOString() ?? null,
      ends_at: c.ends_at?.toISOString() ?? null, pbo_reference: c.pbo_reference, external_id: c.external_id, bonus_points_per_rand: c.bonus_points_per_rand,
      always_active: c.always_active, completed_at: c.completed_at?.toISOString() ?? null, completion_reason: c.completion_reason,
      cancelled_at: c.cancelled_at?.toISOString() ?? null, cancellation: c.cancellation, redirect_campaign_id: c.redirect_campaign_id,
      // A cancellation accepted (202) while the wallet was away and not finished yet, or the refusal that ended it (as a donation's refund_status).
      cancel_status: c.cancel_request ? 'pending' : c.cancel_failure_code ? 'refused' : null,
      cancel_failure_code: c.cancel_failure_code ?? null,
      pending_cancellation: c.cancel_request ? {
        disposition: c.cancel_request.disposition ?? null, redirect_campaign_id: c.cancel_request.redirect_campaign_id ?? null, requested_at: c.cancel_request.requested_at,
      } : null,
      progress: {
        source, raised_amount: raised.amount, raised_points: raised.points, donors: raised.donors, donations: raised.donations,
        amount_percent: percentOf(raised.amount, c.target_amount), points_percent: percentOf(raised.points, c.target_points),
        days_left: daysLeft(c.ends_at, new Date()), balance_amount: balance?.amount ?? null, balance_points: balance?.points ?? null,
      },
      created_at: c.created_at.toISOString(), updated_at: c.updated_at.toISOString(),
    };
  }
}

export function updateData(c: Campaign, previous: CampaignStatus | null): CampaignUpdateData {
  return {
    campaign_id: c.id, name: c.name, status: c.status, previous_status: previous, target_amount: c.target_amount, target_points: c.target_points,
    currency: 'ZAR', on_target: c.on_target, starts_at: c.starts_at?.toISOString() ?? null, ends_at: c.ends_at?.toISOString() ?? null,
    cancellation: c.cancellation, redirect_campaign_id: c.redirect_campaign_id, updated_at: new Date().toISOString(),
  };
}
