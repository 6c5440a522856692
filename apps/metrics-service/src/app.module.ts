import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@wozamali/platform';
import type { MetricsServiceEnv } from './config/env';
import { WalletEventsConsumer } from './consumers/wallet-events.consumer';
import { MetricsController } from './controllers/metrics.controller';
import { migrations } from './migrations';
import { MetricsService } from './services/metrics.service';

@Module({})
export class AppModule {
  static register(env: MetricsServiceEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'metrics-service', env, migrations })],
      controllers: [MetricsController, WalletEventsConsumer],
      providers: [MetricsService],
    };
  }
}
