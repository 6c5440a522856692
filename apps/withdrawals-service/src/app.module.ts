import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@wozamali/platform';
import type { WithdrawalsServiceEnv } from './config/env';
import { migrations } from './migrations';

@Module({})
export class AppModule {
  static register(env: WithdrawalsServiceEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'withdrawals-service', env, migrations })],
    };
  }
}
