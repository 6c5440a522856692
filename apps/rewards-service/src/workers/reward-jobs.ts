import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { WalletClient } from '@wozamali/wallet-client';
import { PeriodicJob } from '@wozamali/platform';
import { RewardsServiceEnv } from '../config/env';
import { RedemptionRepository } from '../repositories/redemption.repository';
import { LifecycleService } from '../services/lifecycle.service';
import { DonationsClient } from '../services/donations.client';
import { DonorBadgeService } from '../services/donor-badges.service';
import { RedemptionService } from '../services/redemption.service';

/**
 * The pending-redemption worker (claims pending redemptions due a retry and finishes them through the
 * same `RedemptionService.complete` as the request), the expiry job (reminders, then expiry) and the
 * donor-lookup job (BADGE_DONOR for anonymous donations).
 */
@Injectable()
export class RewardJobs implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('RewardJobs');
  readonly pending: PeriodicJob<number>;
  readonly expiry: PeriodicJob<{ reminded: number; expired: number }>;
  readonly donorLookups: PeriodicJob<number>;

  constructor(private readonly env: RewardsServiceEnv, private readonly redemptions: RedemptionRepository, private readonly service: RedemptionService, lifecycle: LifecycleService, private readonly wallet: WalletClient, donorBadges: DonorBadgeService, private readonly donations: DonationsClient) {
    this.pending = new PeriodicJob({ name: 'PendingRedemptions', intervalMs: env.PENDING_REDEMPTION_INTERVAL_MS }, () => this.finishPending());
    this.expiry = new PeriodicJob({ name: 'RewardExpiry', intervalMs: env.EXPIRY_INTERVAL_MS, runOnStart: true }, () => lifecycle.expireAndRemind());
    this.donorLookups = new PeriodicJob({ name: 'DonorLookups', intervalMs: env.DONOR_LOOKUP_INTERVAL_MS }, () => donorBadges.resolveDue(env.DONATIONS_TIMEOUT_MS + 5_000));
  }

  onApplicationBootstrap(): void {
    if (!this.env.REWARDS_WORKERS_ENABLED) return;
    this.pending.start();
    this.expiry.start();
    this.donorLookups.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.pending.stop();
    await this.expiry.stop();
    await this.donorLookups.stop();
  }

  /** After the jobs and requests are done: the wallet and donations clients' breakers and keep-alive sockets. */
  onApplicationShutdown(): void {
    this.wallet.close();
    this.donations.close();
  }

  /** Finishes the pending redemptions due now; answers how many it tried. */
  async finishPending(): Promise<number> {
    let tried = 0;
    for (;;) {
      const ids = await this.redemptions.claimDue(50, this.env.WALLET_TIMEOUT_MS + 5_000);
      for (const id of ids) {
        try {
          await this.service.complete(id);
        } catch (err) {
          this.logger.warn(`redemption ${id}: ${(err as Error).message}`);
        }
      }
      tried += ids.length;
      if (ids.length < 50) return tried;
    }
  }
}
