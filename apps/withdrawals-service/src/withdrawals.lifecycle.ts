import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { WalletClient } from '@wozamali/wallet-client';
import { DEV_DESTINATION_KEY, WithdrawalsServiceEnv } from './config/env';
import { PayoutProviders } from './payout/payout-providers';
import { DestinationReseal } from './services/destination-reseal';
import { DisbursementPayoutService } from './services/disbursement-payout.service';
import { WithdrawalWorkers } from './workers/withdrawal-workers';

/** After boot: starts the workers and re-seals destinations under the current key; stops them while the database is still up. */
@Injectable()
export class WithdrawalsLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WithdrawalsService');
  private resealing: Promise<unknown> | null = null;

  constructor(
    private readonly env: WithdrawalsServiceEnv, private readonly workers: WithdrawalWorkers, private readonly reseal: DestinationReseal, private readonly wallet: WalletClient, private readonly providers: PayoutProviders,
    private readonly disbursements: DisbursementPayoutService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.env.WITHDRAWAL_DESTINATION_KEY === DEV_DESTINATION_KEY) this.logger.warn('WITHDRAWAL_DESTINATION_KEY is the development key: set a real one outside development');
    if (this.env.WITHDRAWAL_WORKERS_ENABLED) this.workers.start();
    this.resealing = this.reseal.run().then(() => this.disbursements.resealDestinations()).catch((err: Error) => this.logger.warn(`re-sealing destinations failed; the next start retries: ${err.message}`));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.resealing;
    await this.workers.stop();
    this.wallet.close();
    this.providers.close();
  }
}
