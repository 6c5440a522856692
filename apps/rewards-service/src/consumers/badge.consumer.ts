import { Controller } from '@nestjs/common';
import type { DonationCreateData, TierUpdateData } from '@wozamali/contracts';
import { InboxHandler, type InboxMessage } from '@wozamali/messaging';
import { DonorLookupRepository } from '../repositories/donor-lookup.repository';
import { LifecycleService } from '../services/lifecycle.service';

/** parse → inbox guard → service, in one transaction (the inbox transport does the first two): badges from tiers and donations. */
@Controller()
export class BadgeConsumer {
  constructor(private readonly lifecycle: LifecycleService, private readonly donorLookups: DonorLookupRepository) {}

  @InboxHandler('tier_update', ['user_id', 'new_tier', 'lifetime_points'])
  tierUpdate({ envelope, manager }: InboxMessage<TierUpdateData>) {
    return this.lifecycle.onTier(manager, envelope.data.user_id, envelope.data.new_tier, envelope.data.lifetime_points);
  }

  @InboxHandler('donation_create', ['donation_id', 'user_id'])
  async donationCreate({ envelope, manager }: InboxMessage<DonationCreateData>) {
    if (envelope.data.user_id) await this.lifecycle.onDonation(manager, envelope.data.user_id);
    // An anonymous donation carries no user id: who gave is asked of the donations-service later
    // (DonorBadgeService), recorded in this inbox transaction so a redelivery records it once.
    else await this.donorLookups.record(manager, envelope.data.donation_id);
  }
}
