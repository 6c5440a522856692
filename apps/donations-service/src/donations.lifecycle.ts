import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { WalletClient } from '@wozamali/wallet-client';
import { DEV_DONOR_REF_SECRET, DonationsServiceEnv } from './config/env';
import { PayoutsClient } from './services/payouts.client';
import { CampaignEndJob, DisbursementWorker, PendingDonationWorker, QueuedAdminActionWorker } from './workers/donation-jobs';

/** Starts the pending-donation worker, the end-date job and the disbursement worker after boot; stops them (and the clients) before the database closes. */
@Injectable()
export class DonationsLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(private readonly env: DonationsServiceEnv, private readonly pending: PendingDonationWorker, private readonly ending: CampaignEndJob, private readonly wallet: WalletClient,
    private readonly disbursing: DisbursementWorker, private readonly payouts: PayoutsClient, private readonly queued: QueuedAdminActionWorker) {}

  onApplicationBootstrap(): void {
    if (this.env.DONOR_REF_SECRET === DEV_DONOR_REF_SECRET) new Logger('Donations').warn('DONOR_REF_SECRET is the development key: set a secret of its own outside development');
    if (!this.env.DONATION_WORKERS_ENABLED) return;
    this.pending.job.start();
    this.ending.job.start();
    this.disbursing.job.start();
    this.queued.job.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.pending.job.stop();
    await this.ending.job.stop();
    await this.disbursing.job.stop();
    await this.queued.job.stop();
    this.wallet.close();
    this.payouts.close();
  }
}
