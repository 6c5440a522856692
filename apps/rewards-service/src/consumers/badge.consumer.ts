import { Controller } from '@nestjs/common';
import type { DonationCreateData, TierUpdateData } from '@wozamali/contracts';
import { InboxHandler, type InboxMessage } from '@wozamali/messaging';
import { LifecycleService } from '../services/lifecycle.service';

/** parse → inbox guard → service, in one transaction (the inbox transport does the first two): badges from tiers and donations. */
@Controller()
export class BadgeConsumer {
  constructor(private readonly lifecycle: LifecycleService) {}

  @InboxHandler('tier_update', ['user_id', 'new_tier', 'lifetime_points'])
  tierUpdate({ envelope, manager }: InboxMessage<TierUpdateData>) {
    return this.lifecycle.onTier(manager, envelope.data.user_id, envelope.data.new_tier, envelope.data.lifetime_points);
  }

  @InboxHandler('donation_create', ['user_id'])
  async donationCreate({ envelope, manager }: InboxMessage<DonationCreateData>) {
    // An anonymous donation carries no user: no badge to give.
    if (envelope.data.user_id) await this.lifecycle.onDonation(manager, envelope.data.user_id);
  }
}
