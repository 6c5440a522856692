import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@wozamali/http';
import type { MetricsServiceEnv } from './config/env';
import { migrations } from './migrations';

@Module({})
export class AppModule {
  static register(env: MetricsServiceEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'metrics-service', env, migrations })],
    };
  }
}
