import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Topics } from '@wozamali/contracts';
import type { KafkaInboxServer } from '@wozamali/messaging';
import { buildService, runService, type RunServiceOptions } from '@wozamali/platform';
import { AppModule } from './app.module';
import { callers } from './config/callers';
import { checkDispatcherEnv, dispatcherConsumer, WebhookDispatcherEnv } from './config/env';
import { EventFanoutConsumer } from './consumers/event-fanout.consumer';

/**
 * The dispatcher consumes every domain topic and fans a whole Kafka batch out to deliveries, inbox
 * rows included, in one statement (`batchApply`). Its consumer name and group come from
 * `WEBHOOK_CONSUMER_GROUP` (default `<DB_PREFIX>.webhook-dispatcher`).
 */
export const DISPATCHER_SERVICE: RunServiceOptions<WebhookDispatcherEnv> = {
  service: 'webhook-dispatcher',
  envClass: WebhookDispatcherEnv,
  module: (env) => AppModule.register(env),
  checkEnv: checkDispatcherEnv,
  callers,
  consumes: Object.values(Topics),
  inbox: ({ app, env }) => {
    const fanout = app.get(EventFanoutConsumer);
    return {
      consumer: dispatcherConsumer(env),
      groupId: dispatcherConsumer(env),
      fromBeginning: env.WEBHOOK_CONSUMER_FROM_BEGINNING,
      batchApply: (envelopes, consumer) => fanout.applyBatch(envelopes, consumer),
    };
  },
};

/** The app and its inbox transport (not started), as `main` builds them. */
export function buildDispatcher(env: WebhookDispatcherEnv): Promise<{ app: NestFastifyApplication; inbox: KafkaInboxServer | null }> {
  return buildService(DISPATCHER_SERVICE, env);
}

if (require.main === module) void runService(DISPATCHER_SERVICE);
