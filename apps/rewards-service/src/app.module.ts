import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@wozamali/platform';
import { RewardsServiceEnv } from './config/env';
import { BadgeConsumer } from './consumers/badge.consumer';
import { AdminController } from './controllers/admin.controller';
import { RewardCodesController } from './controllers/reward-codes.controller';
import { RewardsController } from './controllers/rewards.controller';
import { UserRewardsController } from './controllers/user-rewards.controller';
import { migrations } from './migrations';
import { CodeUseRepository } from './repositories/code-use.repository';
import { DonorLookupRepository } from './repositories/donor-lookup.repository';
import { RedemptionRepository } from './repositories/redemption.repository';
import { RewardRepository } from './repositories/reward.repository';
import { SettingsRepository } from './repositories/settings.repository';
import { UserRewardRepository } from './repositories/user-reward.repository';
import { AdminIssueService } from './services/admin-issue.service';
import { CatalogueService } from './services/catalogue.service';
import { CodeService } from './services/code.service';
import { RewardEvents } from './services/events';
import { IssueService } from './services/issue.service';
import { LifecycleService } from './services/lifecycle.service';
import { RedemptionService } from './services/redemption.service';
import { UserRewardsService } from './services/user-rewards.service';
import { donationsClientProvider } from './services/donations.client';
import { DonorBadgeService } from './services/donor-badges.service';
import { walletClientProvider } from './services/wallet.provider';
import { RewardJobs } from './workers/reward-jobs';

@Module({})
export class AppModule {
  static register(env: RewardsServiceEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'rewards-service', env, migrations })],
      controllers: [AdminController, RewardsController, UserRewardsController, RewardCodesController, BadgeConsumer],
      providers: [
        { provide: RewardsServiceEnv, useValue: env },
        walletClientProvider, donationsClientProvider,
        RewardRepository, RedemptionRepository, UserRewardRepository, CodeUseRepository, SettingsRepository, DonorLookupRepository,
        RewardEvents, IssueService, CatalogueService, RedemptionService, UserRewardsService, CodeService, LifecycleService, DonorBadgeService, AdminIssueService,
        RewardJobs,
      ],
    };
  }
}
