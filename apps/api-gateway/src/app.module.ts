import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@wozamali/http';
import type { ApiGatewayEnv } from './config/env';
import { migrations } from './migrations';

@Module({})
export class AppModule {
  static register(env: ApiGatewayEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'api-gateway', env, migrations })],
    };
  }
}
