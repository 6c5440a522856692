import 'reflect-metadata';
import { runService } from '@wozamali/platform';
import { AppModule } from './app.module';
import { callers } from './config/callers';
import { RewardsServiceEnv } from './config/env';

void runService({ service: 'rewards-service', envClass: RewardsServiceEnv, module: (env) => AppModule.register(env), callers });
