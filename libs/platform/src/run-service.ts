import type { DynamicModule } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { armPlant, InvalidEnvironmentError, validateEnv, type CommonEnv } from '@wozamali/config';
import { KafkaInboxServer, type KafkaInboxServerOptions } from '@wozamali/messaging';
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { createServiceApp } from './bootstrap';
import { ServiceMetrics } from './metrics';
import { KAFKA } from './platform.module';
import { serviceKeysFromEnv, type CallerTable } from './service-auth';

export interface ServiceEnv extends CommonEnv {
  PORT: number;
}

/**
 * Inbox settings a service may pass (`batchApply`, `maxBatch`, `fromBeginning`, …); the platform
 * supplies the Kafka client, the data source and the topics. `consumer` defaults to the service's
 * name and `groupId` to `<DB_PREFIX>.<service>`.
 */
export type ServiceInboxOptions = Partial<Omit<KafkaInboxServerOptions, 'kafka' | 'dataSource' | 'topics'>>;

export interface RunServiceOptions<E extends ServiceEnv> {
  service: string;
  envClass: new () => E;
  module: (env: E) => DynamicModule;
  /** Rules across variables, after the per-field validation: throw `InvalidEnvironmentError` to refuse to start. */
  checkEnv?: (env: E) => E;
  /** Topics this service consumes through its inbox (handlers are `@EventPattern` methods). */
  consumes?: string[];
  /** Inbox settings; a function when they need the built app (e.g. a provider's `batchApply`) or the environment. */
  inbox?: ServiceInboxOptions | ((ctx: { app: NestFastifyApplication; env: E }) => ServiceInboxOptions);
  /** The one table of which calling services may reach which routes (`src/config/callers.ts`). */
  callers: CallerTable;
}

/** Builds the app and, when the service consumes events, its inbox transport (not started yet). */
export async function buildService<E extends ServiceEnv>(opts: RunServiceOptions<E>, env: E): Promise<{ app: NestFastifyApplication; inbox: KafkaInboxServer | null }> {
  const app = await createServiceApp(opts.module(env), { service: opts.service, logLevel: env.LOG_LEVEL, callers: opts.callers });
  let inbox: KafkaInboxServer | null = null;
  if (opts.consumes?.length && env.KAFKA_CONSUMERS_ENABLED) {
    const extra = typeof opts.inbox === 'function' ? opts.inbox({ app, env }) : (opts.inbox ?? {});
    inbox = new KafkaInboxServer({
      consumer: opts.service,
      // The group belongs to the inbox's database: two deployments sharing a broker never split partitions.
      groupId: `${env.DB_PREFIX}.${opts.service}`,
      ...extra,
      kafka: app.get<Kafka>(KAFKA, { strict: false }),
      dataSource: app.get(DataSource),
      topics: opts.consumes,
    });
    app.connectMicroservice({ strategy: inbox }, { inheritAppConfig: true });
    registerInboxMetrics(app.get(ServiceMetrics), inbox);
  }
  return { app, inbox };
}

/** The inbox's figures on the service's /metrics (DESIGN.md §8: consumer lag). */
export function registerInboxMetrics(metrics: ServiceMetrics, inbox: KafkaInboxServer): void {
  metrics.gauge('inbox_consumer_lag', 'Messages behind the high watermark on the partitions this process consumes, as of the last batch on each', () => inbox.consumerLag());
  metrics.gauge('inbox_handled_total', 'Events applied by this process since start', () => inbox.stats.handled);
  metrics.gauge('inbox_duplicates_total', 'Redelivered events the inbox turned into no-ops since start', () => inbox.stats.duplicates);
  metrics.gauge('inbox_dead_lettered_total', 'Events sent to the dead-letter topic since start', () => inbox.stats.deadLettered);
}

/** A service's `main`: validate the environment (refuse to start naming the bad variable), serve HTTP, consume. */
export async function runService<E extends ServiceEnv>(opts: RunServiceOptions<E>): Promise<void> {
  const logger = new Logger(opts.service);
  let env: E;
  try {
    env = validateEnv(opts.envClass) as E;
    if (opts.checkEnv) env = opts.checkEnv(env);
    serviceKeysFromEnv(opts.service, env);
    const plant = armPlant();
    if (plant) process.stderr.write(`${JSON.stringify({ level: 'warn', service: opts.service, msg: `CHAOS RUN: planted bug ${plant} armed` })}\n`);
  } catch (err) {
    if (err instanceof InvalidEnvironmentError) {
      process.stderr.write(`${JSON.stringify({ level: 'fatal', service: opts.service, msg: err.message })}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const { app, inbox } = await buildService(opts, env);
  if (inbox) await app.startAllMicroservices();
  await app.listen(env.PORT, env.HOST);
  logger.log(`${opts.service} listening on http://${env.HOST}:${env.PORT} (node ${process.version})`);
}
