import { Module, type DynamicModule } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { idempotencyProviders, PlatformModule } from '@wozamali/platform';
import { DonationsServiceEnv } from './config/env';
import { CampaignsController } from './controllers/campaigns.controller';
import { AdminDonationsController, UserDonationsController } from './controllers/donations.controller';
import { AdminMoneyController } from './controllers/admin.controller';
import { InternalDonationsController } from './controllers/internal.controller';
import { WriteGateInterceptor } from './controllers/write-gate.interceptor';
import { DonationsLifecycle } from './donations.lifecycle';
import { migrations } from './migrations';
import { CampaignRepository } from './repositories/campaign.repository';
import { DisbursementRepository } from './repositories/disbursement.repository';
import { RefundAttemptRepository } from './repositories/refund-attempt.repository';
import { AdminActions } from './services/admin-actions.service';
import { CancellationService } from './services/cancellation.service';
import { DisbursementService } from './services/disbursement.service';
import { RefundService } from './services/refund.service';
import { DonationRepository } from './repositories/donation.repository';
import { CampaignService } from './services/campaign.service';
import { DonationQueries } from './services/donation-queries.service';
import { DonationService } from './services/donation.service';
import { ReceiptService } from './services/receipt.service';
import { walletClientProvider } from './services/wallet.provider';
import { CampaignEndJob, DisbursementWorker, PendingDonationWorker, QueuedAdminActionWorker } from './workers/donation-jobs';
import { QueuedActionRepository } from './repositories/queued-action.repository';
import { payoutsClientProvider } from './services/payouts.client';

@Module({})
export class AppModule {
  static register(env: DonationsServiceEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'donations-service', env, migrations })],
      controllers: [CampaignsController, UserDonationsController, AdminDonationsController, AdminMoneyController, InternalDonationsController],
      providers: [
        { provide: DonationsServiceEnv, useValue: env },
        walletClientProvider,
        payoutsClientProvider,
        CampaignRepository,
        DonationRepository,
        DisbursementRepository,
        RefundAttemptRepository,
        RefundService,
        CancellationService,
        DisbursementService,
        AdminActions,
        DonationService,
        CampaignService,
        DonationQueries,
        ReceiptService,
        PendingDonationWorker,
        CampaignEndJob,
        DisbursementWorker,
        QueuedAdminActionWorker,
        QueuedActionRepository,
        DonationsLifecycle,
        // Writes wait for a slot first (outermost), then every POST takes an Idempotency-Key (the platform's one implementation).
        { provide: APP_INTERCEPTOR, useClass: WriteGateInterceptor },
        ...idempotencyProviders(),
      ],
    };
  }
}
