import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@wozamali/http';
import type { WalletServiceEnv } from './config/env';
import { migrations } from './migrations';

@Module({})
export class AppModule {
  static register(env: WalletServiceEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'wallet-service', env, migrations })],
    };
  }
}
