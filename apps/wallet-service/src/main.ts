import 'reflect-metadata';
import { runService } from '@wozamali/platform';
import { AppModule } from './app.module';
import { callers } from './config/callers';
import { WalletServiceEnv } from './config/env';

void runService({ service: 'wallet-service', envClass: WalletServiceEnv, module: (env) => AppModule.register(env), callers });
