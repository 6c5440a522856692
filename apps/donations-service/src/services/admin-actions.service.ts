import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CancelCampaignDto } from '../dtos/campaign.dto';
import type { CreateDisbursementDto } from '../dtos/donation.dto';
import { DonationException } from '../errors/donation.exception';
import { DonationRepository } from '../repositories/donation.repository';
import { CancellationService } from './cancellation.service';
import { DisbursementService } from './disbursement.service';
import { DonationService } from './donation.service';
import { RefundService } from './refund.service';

/** The admin's writes, each in its idempotent request's transaction with its events. */
@Injectable()
export class AdminActions {
  constructor(
    private readonly donations: DonationService,
    private readonly donationRows: DonationRepository,
    private readonly refunds: RefundService,
    private readonly cancellations: CancellationService,
    private readonly disbursements: DisbursementService,
  ) {}

  async refund(m: EntityManager, id: string, reason: string, by: string) {
    const d = await this.donationRows.lockForUpdate(m, id);
    if (!d) throw new DonationException('donation_not_found');
    return this.refunds.refund(m, this.donations.emitterFor(m), d, reason, by);
  }

  cancel(m: EntityManager, id: string, dto: CancelCampaignDto, by: string) {
    return this.cancellations.cancel(m, this.donations.emitterFor(m), id, dto, by);
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
}
