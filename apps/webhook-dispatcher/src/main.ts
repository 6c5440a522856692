import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { InvalidEnvironmentError, validateEnv } from '@wozamali/config';
import { Topics } from '@wozamali/contracts';
import { buildService, KAFKA, registerInboxMetrics, serviceKeysFromEnv, ServiceMetrics } from '@wozamali/platform';
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { callers } from './config/callers';
import { checkDispatcherEnv, dispatcherConsumer, WebhookDispatcherEnv } from './config/env';
import { KafkaInboxServer } from '@wozamali/messaging';
import { EventFanoutConsumer } from './consumers/event-fanout.consumer';

const SERVICE = 'webhook-dispatcher';

/**
 * The app and its inbox transport (not started). The dispatcher consumes every domain topic and fans
 * a whole Kafka batch out to deliveries, inbox rows included, in one statement (`batchApply`).
 */
export async function buildDispatcher(env: WebhookDispatcherEnv): Promise<{ app: NestFastifyApplication; inbox: KafkaInboxServer | null }> {
  const { app } = await buildService({ service: SERVICE, envClass: WebhookDispatcherEnv, module: (e) => AppModule.register(e), callers }, env);
  if (!env.KAFKA_CONSUMERS_ENABLED) return { app, inbox: null };
  const fanout = app.get(EventFanoutConsumer);
  const inbox = new KafkaInboxServer({
    kafka: app.get<Kafka>(KAFKA, { strict: false }),
    dataSource: app.get(DataSource),
    consumer: dispatcherConsumer(env),
    topics: Object.values(Topics),
    fromBeginning: env.WEBHOOK_CONSUMER_FROM_BEGINNING,
    batchApply: (envelopes, consumer) => fanout.applyBatch(envelopes, consumer),
  });
  app.connectMicroservice({ strategy: inbox }, { inheritAppConfig: true });
  registerInboxMetrics(app.get(ServiceMetrics), inbox);
  return { app, inbox };
}

/** Validate the environment (refuse to start naming the bad variable), serve HTTP, consume. */
async function main(): Promise<void> {
  let env: WebhookDispatcherEnv;
  try {
    env = checkDispatcherEnv(validateEnv(WebhookDispatcherEnv) as WebhookDispatcherEnv);
    serviceKeysFromEnv(SERVICE, env);
  } catch (err) {
    if (err instanceof InvalidEnvironmentError) {
      process.stderr.write(`${JSON.stringify({ level: 'fatal', service: SERVICE, msg: err.message })}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const { app, inbox } = await buildDispatcher(env);
  if (inbox) await app.startAllMicroservices();
  await app.listen(env.PORT, env.HOST);
  new Logger(SERVICE).log(`${SERVICE} listening on http://${env.HOST}:${env.PORT} (node ${process.version})`);
}

if (require.main === module) void main();
