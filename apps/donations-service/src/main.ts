import 'reflect-metadata';
import { runService } from '@wozamali/platform';
import { AppModule } from './app.module';
import { callers } from './config/callers';
import { checkDonationsEnv, DonationsServiceEnv } from './config/env';

void runService({ service: 'donations-service', envClass: DonationsServiceEnv, module: (env) => AppModule.register(env), checkEnv: checkDonationsEnv, callers });
