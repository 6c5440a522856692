import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@wozamali/platform';
import type { DonationsServiceEnv } from './config/env';
import { migrations } from './migrations';

@Module({})
export class AppModule {
  static register(env: DonationsServiceEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'donations-service', env, migrations })],
    };
  }
}
