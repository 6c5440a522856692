import { Global, Inject, Logger, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ServiceTokenSigner, ServiceTokenVerifier } from '@wozamali/auth';
import { serviceKafkaCredentials, type CommonEnv } from '@wozamali/config';
import { databaseName, dataSourceOptions, serviceDatabaseUrl, serviceLogin } from '@wozamali/database';
import { createKafka, OutboxNotifier, OutboxRelay, OutboxWriter, TransactionRunner } from '@wozamali/messaging';
import type { Admin, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { DataSource, type MixedList } from 'typeorm';
import { HealthController, READINESS_CHECKS, SERVICE_INFO, type ReadinessCheck, type ServiceInfo } from './health';
import { ServiceMetrics } from './metrics';
import { serviceKeysFromEnv, type ServiceKeys } from './service-auth';

export const KAFKA = Symbol('KAFKA');
export const SERVICE_ENV = Symbol('SERVICE_ENV');
export const SERVICE_KEYS = Symbol('SERVICE_KEYS');

export interface PlatformOptions {
  /** e.g. `wallet-service`; its database is `<DB_PREFIX>_wallet`. */
  service: string;
  version?: string;
  env: CommonEnv;
  migrations: MixedList<string | (new () => unknown)>;
  entities?: MixedList<string | (new () => unknown)>;
}

/** Keeps one admin client for the readiness check instead of connecting on every probe. */
class KafkaProbe {
  private admin: Admin | null = null;
  constructor(private readonly kafka: Kafka) {}
  async check(): Promise<void> {
    if (!this.admin) {
      this.admin = this.kafka.admin();
      await this.admin.connect();
    }
    try {
      await this.admin.describeCluster();
    } catch (err) {
      await this.admin.disconnect().catch(() => undefined);
      this.admin = null;
      throw err;
    }
  }
  async close(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
  }
}

/** Starts the outbox relay after boot and flushes and stops it on SIGTERM. */
class PlatformLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Platform');
  constructor(
    private readonly relay: OutboxRelay,
    private readonly probe: KafkaProbe,
    @Inject(SERVICE_ENV) private readonly env: CommonEnv,
  ) {}

  onApplicationBootstrap(): void {
    if (this.env.OUTBOX_RELAY_ENABLED) this.relay.start();
  }

  async onApplicationShutdown(signal?: string): Promise<void> {
    this.logger.log(`shutting down${signal ? ` on ${signal}` : ''}: flushing the outbox relay`);
    await this.relay.stop();
    await this.probe.close();
  }
}

/**
 * What every service stands on: its own PostgreSQL database (TypeORM, migrations only), the Kafka
 * client, the outbox writer and relay, `/health/live`, `/health/ready` (database and Kafka),
 * `/metrics`, and the service-token signer and verifier made from its keys.
 */
@Global()
@Module({})
export class PlatformModule {
  static forService(opts: PlatformOptions): DynamicModule {
    const database = databaseName(opts.env.DB_PREFIX, opts.service);
    const info: ServiceInfo = { service: opts.service, version: opts.version ?? '0.1.0' };
    const providers: Provider[] = [
      { provide: SERVICE_ENV, useValue: opts.env },
      { provide: SERVICE_INFO, useValue: info },
      { provide: ServiceMetrics, useValue: new ServiceMetrics(opts.service) },
      // Service tokens: this service signs the calls it makes and verifies the calls it receives.
      // Whether the service takes calls (and so needs SERVICE_PUBLIC_KEYS) is checked where its caller table is given.
      { provide: SERVICE_KEYS, useFactory: () => serviceKeysFromEnv(opts.service, opts.env, false) },
      { provide: ServiceTokenSigner, useFactory: (k: ServiceKeys) => new ServiceTokenSigner({ service: opts.service, key: k.signingKey }), inject: [SERVICE_KEYS] },
      { provide: ServiceTokenVerifier, useFactory: (k: ServiceKeys) => new ServiceTokenVerifier({ audience: opts.service, keys: k.publicKeys }), inject: [SERVICE_KEYS] },
      { provide: KAFKA, useFactory: () => createKafka(opts.service, opts.env.KAFKA_BROKERS, { sasl: serviceKafkaCredentials(opts.env, opts.service) ?? undefined }) },
      { provide: KafkaProbe, useFactory: (kafka: Kafka) => new KafkaProbe(kafka), inject: [KAFKA] },
      { provide: OutboxWriter, useValue: new OutboxWriter(opts.service) },
      {
        provide: OutboxRelay,
        useFactory: (kafka: Kafka, metrics: ServiceMetrics, ds: DataSource) => {
          const relay = new OutboxRelay({ service: opts.service, connectionString: serviceDatabaseUrl(opts.env, opts.service), kafka });
          metrics.gauge('outbox_published_total', 'Events published by this process', () => relay.getStatus().published);
          // Outbox lag (DESIGN.md §8), read from the database, so every instance reports it, not only the active relay.
          metrics.gauge('outbox_unpublished', 'Committed events not yet published to Kafka (counted up to 100,000)', async () => {
            const [row] = (await ds.query('select count(*)::int as n from (select 1 from outbox where published_at is null limit 100000) u')) as { n: number }[];
            return row!.n;
          });
          metrics.gauge('outbox_oldest_unpublished_seconds', 'Age of the oldest committed event not yet published (0 when none)', async () => {
            const [row] = (await ds.query(
              'select coalesce(extract(epoch from now() - (select created_at from outbox where published_at is null order by seq limit 1)), 0)::float8 as s',
            )) as { s: number }[];
            return row!.s;
          });
          return relay;
        },
        inject: [KAFKA, ServiceMetrics, DataSource],
      },
      {
        // Call poke() after a transaction that wrote to the outbox has committed.
        provide: OutboxNotifier,
        useFactory: (ds: DataSource, relay: OutboxRelay) =>
          new OutboxNotifier((ds.driver as unknown as { master: Pool }).master, 5, () => relay.wake()),
        inject: [DataSource, OutboxRelay],
      },
      {
        // Transactions that write to the outbox and wake the relay after commit.
        provide: TransactionRunner,
        useFactory: (ds: DataSource, outbox: OutboxWriter, notifier: OutboxNotifier) => new TransactionRunner(ds, outbox, notifier),
        inject: [DataSource, OutboxWriter, OutboxNotifier],
      },
      {
        provide: READINESS_CHECKS,
        useFactory: (ds: DataSource, probe: KafkaProbe): Record<string, ReadinessCheck> => ({
          database: () => ds.query('select 1'),
          kafka: () => probe.check(),
        }),
        inject: [DataSource, KafkaProbe],
      },
      PlatformLifecycle,
    ];
    return {
      module: PlatformModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions({
            serverUrl: opts.env.DATABASE_URL,
            database,
            login: serviceLogin(opts.env, opts.service),
            poolSize: opts.env.DB_POOL_SIZE,
            migrations: opts.migrations,
            entities: opts.entities,
            applicationName: opts.service,
          }),
          retryAttempts: 3,
          retryDelay: 1000,
        }),
      ],
      controllers: [HealthController],
      providers,
      exports: [SERVICE_ENV, SERVICE_INFO, ServiceMetrics, ServiceTokenSigner, ServiceTokenVerifier, KAFKA, OutboxWriter, OutboxRelay, OutboxNotifier, TransactionRunner, READINESS_CHECKS],
    };
  }
}
