import { Injectable } from '@nestjs/common';
import { PeriodicJob } from '@wozamali/platform';
import { TransactionRunner } from '@wozamali/messaging';
import { DonationsServiceEnv } from '../config/env';
import { CampaignRepository } from '../repositories/campaign.repository';
import { AdminActions } from '../services/admin-actions.service';
import { DisbursementService } from '../services/disbursement.service';
import { DonationService } from '../services/donation.service';

/** Finishes donations the wallet could not be asked about: the same key and stored body, until it answers. */
@Injectable()
export class PendingDonationWorker {
  readonly job: PeriodicJob<Record<string, number>>;
  constructor(env: DonationsServiceEnv, donations: DonationService) {
    this.job = new PeriodicJob({ name: 'PendingDonations', intervalMs: env.PENDING_DONATION_INTERVAL_MS, runOnStart: true }, () => donations.retryDue());
  }
}

/** Completes, exactly once each, the active campaigns whose end date has passed. */
@Injectable()
export class CampaignEndJob {
  readonly job: PeriodicJob<number>;
  constructor(env: DonationsServiceEnv, campaigns: CampaignRepository, donations: DonationService, tx: TransactionRunner) {
    this.job = new PeriodicJob({ name: 'CampaignEnd', intervalMs: env.CAMPAIGN_END_INTERVAL_MS, runOnStart: true }, async () => {
      let completed = 0;
      for (const id of await campaigns.findEnded(new Date(), 100)) {
        completed += await tx.run(async ({ manager, emit }) => {
          const c = await campaigns.lockForUpdate(manager, id);
          // Re-checked under the lock: a donation or an admin may have completed or cancelled it meanwhile.
          if (!c || c.status !== 'active' || !c.ends_at || c.ends_at > new Date()) return 0;
          await donations.complete(manager, emit, c, 'ended');
          return 1;
        });
      }
      return completed;
    });
  }
}

/** Disbursements: ledger moves the wallet could not make at approval, payouts to release, their outcomes, credits back of failed or returned payouts. */
@Injectable()
export class DisbursementWorker {
  readonly job: PeriodicJob<number>;
  constructor(env: DonationsServiceEnv, disbursements: DisbursementService, donations: DonationService) {
    this.job = new PeriodicJob({ name: 'Disbursements', intervalMs: env.DISBURSEMENT_INTERVAL_MS, runOnStart: true }, () => disbursements.work((m) => donations.emitterFor(m)));
  }
}

/** Admin refunds and cancellations accepted while the wallet was away, finished with the same keys. */
@Injectable()
export class QueuedAdminActionWorker {
  readonly job: PeriodicJob<number>;
  constructor(env: DonationsServiceEnv, actions: AdminActions) {
    this.job = new PeriodicJob({ name: 'QueuedAdminActions', intervalMs: env.PENDING_DONATION_INTERVAL_MS, runOnStart: true }, () => actions.runQueued());
  }
}
