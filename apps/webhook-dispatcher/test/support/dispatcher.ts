import { validateEnv } from '@wozamali/config';
import { dataSourceOptions, migrateDatabase, databaseName } from '@wozamali/database';
import { kafkaBrokers, serverUrl, serviceKeyEnv, uniqueName } from '@wozamali/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { checkDispatcherEnv, WebhookDispatcherEnv } from '../../src/config/env';
import type { KafkaInboxServer } from '@wozamali/messaging';
import { buildDispatcher } from '../../src/main';
import { migrations } from '../../src/migrations';

/** Test defaults: loopback receivers allowed, a schedule of milliseconds, quiet logs. */
export const TEST_ENV: Record<string, string> = {
  WEBHOOK_ALLOW_LOOPBACK: 'true',
  WEBHOOK_RETRY_SCHEDULE: '100ms,200ms,300ms',
  WEBHOOK_RETRY_JITTER: '0.2',
  WEBHOOK_TIMEOUT_MS: '2000',
  WEBHOOK_LEASE_MS: '20000',
  WEBHOOK_POLL_INTERVAL_MS: '50',
  WEBHOOK_BREAKER_RESET_MS: '300',
  WEBHOOK_BREAKER_VOLUME_THRESHOLD: '20',
  HEALTH_PROBE_INTERVAL_MS: '1000',
  LOG_LEVEL: 'error',
  // A consumer group of this test file's own, starting at the newest events: other dispatchers on
  // the shared broker (other test files, the platform start test) do not take its partitions.
  WEBHOOK_CONSUMER_GROUP: uniqueName('webhook-dispatcher-test'),
  WEBHOOK_CONSUMER_FROM_BEGINNING: 'false',
  DB_POOL_SIZE: '8',
};

/** DB prefix of the dispatcher under test: the run's prefix plus a suffix per test file. */
export function dispatcherPrefix(suffix: string): string {
  return `${process.env.DB_PREFIX || 'wozamali_test'}${suffix ? `_${suffix}` : ''}`;
}

export function dispatcherEnv(prefix: string, overrides: Record<string, string> = {}): WebhookDispatcherEnv {
  return checkDispatcherEnv(validateEnv(WebhookDispatcherEnv, {
    DATABASE_URL: serverUrl(),
    KAFKA_BROKERS: kafkaBrokers(),
    DB_PREFIX: prefix,
    ...serviceKeyEnv('webhook-dispatcher'),
    ...TEST_ENV,
    ...overrides,
  }) as WebhookDispatcherEnv);
}

export async function migrateDispatcher(prefix: string): Promise<void> {
  await migrateDatabase({ serverUrl: serverUrl(), database: databaseName(prefix, 'webhook-dispatcher'), migrations });
}

export interface RunningDispatcher {
  app: NestFastifyApplication;
  inbox: KafkaInboxServer | null;
  url: string;
  db: DataSource;
  close(): Promise<void>;
}

/** Boots the dispatcher in-process as `main` does (inbox consumer included unless disabled), on a free port. */
export async function startDispatcher(env: WebhookDispatcherEnv): Promise<RunningDispatcher> {
  const { app, inbox } = await buildDispatcher(env);
  if (inbox) await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, inbox, url: `http://127.0.0.1:${address.port}`, db: app.get(DataSource), close: () => app.close() };
}

/** A connection to the dispatcher's database (for a dispatcher running in another process). */
export function openDispatcherDb(prefix: string): Promise<DataSource> {
  return new DataSource(dataSourceOptions({ serverUrl: serverUrl(), database: databaseName(prefix, 'webhook-dispatcher'), poolSize: 2 })).initialize();
}
