import { Injectable, Logger } from '@nestjs/common';
import { ServiceMetrics } from '@wozamali/platform';
import { DataSource } from 'typeorm';
import { DonorLookupRepository } from '../repositories/donor-lookup.repository';
import { DonationsClient } from './donations.client';
import { LifecycleService } from './lifecycle.service';

/**
 * BADGE_DONOR for anonymous donations: the consumer records a lookup; this asks the donations-service
 * who gave (a timeout or an error is "unknown": asked again later; a 404 is final: given up, logged
 * and counted) and issues the badge once per user (the badge's unique index decides).
 */
@Injectable()
export class DonorBadgeService {
  private readonly logger = new Logger('DonorBadges');
  private readonly outcomes: ReturnType<ServiceMetrics['counter']>;

  constructor(private readonly ds: DataSource, private readonly lookups: DonorLookupRepository, private readonly donations: DonationsClient, private readonly lifecycle: LifecycleService, metrics: ServiceMetrics) {
    this.outcomes = metrics.counter('rewards_donor_lookups_total', 'Donor lookups of anonymous donations by outcome (badge, no_account, not_found, unavailable)', ['outcome']);
  }

  /** One run: every lookup due now; answers how many were tried. */
  async resolveDue(leaseMs: number): Promise<number> {
    let tried = 0;
    for (;;) {
      const ids = await this.lookups.claimDue(50, leaseMs);
      for (const id of ids) {
        try {
          await this.resolveOne(id);
        } catch (err) {
          this.logger.warn(`donor lookup of donation ${id}: ${(err as Error).message}`);
        }
      }
      tried += ids.length;
      if (ids.length < 50) return tried;
    }
  }

  private async resolveOne(donationId: string): Promise<void> {
    const answer = await this.donations.donorOf(donationId);
    switch (answer.kind) {
      case 'unavailable':
        this.outcomes.inc({ outcome: 'unavailable' });
        await this.lookups.defer(donationId, answer.reason);
        return;
      case 'not_found':
        this.outcomes.inc({ outcome: 'not_found' });
        this.logger.warn(`donor lookup of donation ${donationId}: the donations-service does not know it (404); given up`);
        await this.lookups.resolve(this.ds, donationId, 'gave_up', null, 'donation_not_found');
        return;
      case 'found': {
        const userId = answer.donor.user_id;
        await this.ds.transaction(async (m) => {
          if (!(await this.lookups.resolve(m, donationId, 'done', userId))) return;
          if (userId) await this.lifecycle.onDonation(m, userId);
        });
        this.outcomes.inc({ outcome: userId ? 'badge' : 'no_account' });
      }
    }
  }
}
