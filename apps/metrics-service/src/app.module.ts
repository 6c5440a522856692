import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@wozamali/platform';
import { MetricsServiceEnv } from './config/env';
import { DomainEventsConsumer } from './consumers/domain-events.consumer';
import { WalletEventsConsumer } from './consumers/wallet-events.consumer';
import { MetricsController, UserMetricsController } from './controllers/metrics.controller';
import { LeaderboardFreezeJob } from './jobs/leaderboard-freeze.job';
import { MetricsUpdatePublisher } from './jobs/metrics-update.publisher';
import { migrations } from './migrations';
import { FactsRepository } from './repositories/facts.repository';
import { ImpactFactorsRepository } from './repositories/impact-factors.repository';
import { MetricsReadRepository } from './repositories/metrics-read.repository';
import { MetricsQueryService } from './services/metrics-query.service';
import { MetricsService } from './services/metrics.service';
import { ReconciliationService } from './services/reconciliation.service';

@Module({})
export class AppModule {
  static register(env: MetricsServiceEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'metrics-service', env, migrations })],
      controllers: [MetricsController, UserMetricsController, WalletEventsConsumer, DomainEventsConsumer],
      providers: [
        { provide: MetricsServiceEnv, useValue: env },
        MetricsService, MetricsQueryService, FactsRepository, ImpactFactorsRepository, MetricsReadRepository, LeaderboardFreezeJob, MetricsUpdatePublisher, ReconciliationService,
      ],
    };
  }
}
