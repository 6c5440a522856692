import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule } from '@wozamali/http';
import type { WebhookDispatcherEnv } from './config/env';
import { migrations } from './migrations';

@Module({})
export class AppModule {
  static register(env: WebhookDispatcherEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'webhook-dispatcher', env, migrations })],
    };
  }
}
