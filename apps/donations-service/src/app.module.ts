import { Module, type DynamicModule } from '@nestjs/common';
import { idempotencyProviders, PlatformModule } from '@wozamali/platform';
import { DonationsServiceEnv } from './config/env';
import { CampaignsController } from './controllers/campaigns.controller';
import { AdminDonationsController, UserDonationsController } from './controllers/donations.controller';
import { InternalDonationsController } from './controllers/internal.controller';
import { DonationsLifecycle } from './donations.lifecycle';
import { migrations } from './migrations';
import { CampaignRepository } from './repositories/campaign.repository';
import { DonationRepository } from './repositories/donation.repository';
import { CampaignService } from './services/campaign.service';
import { DonationQueries } from './services/donation-queries.service';
import { DonationService } from './services/donation.service';
import { ReceiptService } from './services/receipt.service';
import { walletClientProvider } from './services/wallet.provider';
import { CampaignEndJob, PendingDonationWorker } from './workers/donation-jobs';

@Module({})
export class AppModule {
  static register(env: DonationsServiceEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'donations-service', env, migrations })],
      controllers: [CampaignsController, UserDonationsController, AdminDonationsController, InternalDonationsController],
      providers: [
        { provide: DonationsServiceEnv, useValue: env },
        walletClientProvider,
        CampaignRepository,
        DonationRepository,
        DonationService,
        CampaignService,
        DonationQueries,
        ReceiptService,
        PendingDonationWorker,
        CampaignEndJob,
        DonationsLifecycle,
        // Every POST takes an Idempotency-Key (the platform's one implementation).
        ...idempotencyProviders(),
      ],
    };
  }
}
