import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { InvalidEnvironmentError, validateEnv } from '@wozamali/config';
import { Topics } from '@wozamali/contracts';
import { KafkaInboxServer } from '@wozamali/messaging';
import { buildService, KAFKA, registerInboxMetrics, ServiceMetrics } from '@wozamali/platform';
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { MetricsServiceEnv } from './config/env';
import { MetricsService } from './services/metrics.service';

const SERVICE = 'metrics-service';

/**
 * The app and its inbox transport (not started). A Kafka batch is applied whole (`batchHandler`):
 * its facts in one statement, and each row they touch recomputed once.
 */
export async function buildMetrics(env: MetricsServiceEnv): Promise<{ app: NestFastifyApplication; inbox: KafkaInboxServer | null }> {
  const { app } = await buildService({ service: SERVICE, envClass: MetricsServiceEnv, module: (e) => AppModule.register(e) }, env);
  if (!env.KAFKA_CONSUMERS_ENABLED) return { app, inbox: null };
  const metrics = app.get(MetricsService);
  const inbox = new KafkaInboxServer({
    kafka: app.get<Kafka>(KAFKA, { strict: false }),
    dataSource: app.get(DataSource),
    consumer: SERVICE,
    // The group belongs to the inbox's database: two deployments sharing a broker never split partitions.
    groupId: `${env.DB_PREFIX}.${SERVICE}`,
    topics: [Topics.wallet],
    batchHandler: (envelopes, manager) => metrics.apply(manager, envelopes),
  });
  app.connectMicroservice({ strategy: inbox }, { inheritAppConfig: true });
  registerInboxMetrics(app.get(ServiceMetrics), inbox);
  return { app, inbox };
}

/** Validate the environment (refuse to start naming the bad variable), serve HTTP, consume. */
async function main(): Promise<void> {
  let env: MetricsServiceEnv;
  try {
    env = validateEnv(MetricsServiceEnv) as MetricsServiceEnv;
  } catch (err) {
    if (err instanceof InvalidEnvironmentError) {
      process.stderr.write(`${JSON.stringify({ level: 'fatal', service: SERVICE, msg: err.message })}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const { app, inbox } = await buildMetrics(env);
  if (inbox) await app.startAllMicroservices();
  await app.listen(env.PORT, env.HOST);
  new Logger(SERVICE).log(`${SERVICE} listening on http://${env.HOST}:${env.PORT} (node ${process.version})`);
}

if (require.main === module) void main();
