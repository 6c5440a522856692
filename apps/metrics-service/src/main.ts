import 'reflect-metadata';
import { Topics } from '@wozamali/contracts';
import { runService } from '@wozamali/platform';
import { AppModule } from './app.module';
import { callers } from './config/callers';
import { MetricsServiceEnv } from './config/env';

void runService({ service: 'metrics-service', envClass: MetricsServiceEnv, module: (env) => AppModule.register(env), callers, consumes: [Topics.wallet] });
