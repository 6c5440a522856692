import 'reflect-metadata';
import { runService } from '@wozamali/http';
import { AppModule } from './app.module';
import { WebhookDispatcherEnv } from './config/env';

void runService({ service: 'webhook-dispatcher', envClass: WebhookDispatcherEnv, module: (env) => AppModule.register(env) });
