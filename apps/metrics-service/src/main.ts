import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Topics } from '@wozamali/contracts';
import type { KafkaInboxServer } from '@wozamali/messaging';
import { buildService, runService, type RunServiceOptions } from '@wozamali/platform';
import { AppModule } from './app.module';
import { callers } from './config/callers';
import { MetricsServiceEnv } from './config/env';
import { MetricsService } from './services/metrics.service';

/**
 * The metrics-service consumes the wallet's, rewards', donations' and withdrawals' events. A Kafka batch is applied whole
 * (`batchHandler`): its facts in one statement, and each row they touch recomputed once.
 */
export const METRICS_SERVICE: RunServiceOptions<MetricsServiceEnv> = {
  service: 'metrics-service',
  envClass: MetricsServiceEnv,
  module: (env) => AppModule.register(env),
  callers,
  consumes: [Topics.wallet, Topics.rewards, Topics.donations, Topics.withdrawals],
  inbox: ({ app }) => {
    const metrics = app.get(MetricsService);
    return { batchHandler: (envelopes, manager) => metrics.apply(manager, envelopes) };
  },
};

/** The app and its inbox transport (not started), as `main` builds them. */
export function buildMetrics(env: MetricsServiceEnv): Promise<{ app: NestFastifyApplication; inbox: KafkaInboxServer | null }> {
  return buildService(METRICS_SERVICE, env);
}

if (require.main === module) void runService(METRICS_SERVICE);
