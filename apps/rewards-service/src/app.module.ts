import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@wozamali/platform';
import type { RewardsServiceEnv } from './config/env';
import { migrations } from './migrations';

@Module({})
export class AppModule {
  static register(env: RewardsServiceEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'rewards-service', env, migrations })],
    };
  }
}
