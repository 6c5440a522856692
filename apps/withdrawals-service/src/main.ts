import 'reflect-metadata';
import { runService } from '@wozamali/platform';
import { AppModule } from './app.module';
import { callers } from './config/callers';
import { WithdrawalsServiceEnv } from './config/env';

void runService({ service: 'withdrawals-service', envClass: WithdrawalsServiceEnv, module: (env) => AppModule.register(env), callers });
