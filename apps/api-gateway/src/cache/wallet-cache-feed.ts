import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Topics } from '@wozamali/contracts';
import { KAFKA, SERVICE_ENV } from '@wozamali/platform';
import type { Consumer, Kafka } from 'kafkajs';
import { hostname } from 'node:os';
import type { ApiGatewayEnv } from '../config/env';
import { WalletReadCache } from './wallet-read-cache';

/** How long an idle fetch waits at the broker: the feed proves it is alive at least this often. */
export const FEED_MAX_WAIT_MS = 250;

/**
 * Evicts a user's cached wallet when the wallet-service says it changed: every balance, hold,
 * points or tier change of a user is a `wallet.events` event whose subject is that user.
 *
 * Each gateway instance reads the topic in a consumer group of its own, from the latest offset, and
 * commits nothing (an eviction is worth nothing once the process is gone, and a fresh instance's
 * cache is empty). Every fetch that comes back, even empty, marks the feed alive; the cache serves
 * nothing while it is silent.
 */
@Injectable()
export class WalletCacheFeed implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WalletCacheFeed');
  private consumer: Consumer | null = null;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly cache: WalletReadCache,
    @Inject(SERVICE_ENV) private readonly env: ApiGatewayEnv,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.cache.enabled || !this.env.KAFKA_CONSUMERS_ENABLED) {
      this.logger.log('wallet read cache off (GATEWAY_WALLET_CACHE_TTL_MS=0 or Kafka consumers disabled): every read goes to the wallet-service');
      return;
    }
    // Not awaited: the gateway serves (uncached) while the broker is unreachable, and keeps trying.
    void this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.consumer?.disconnect().catch(() => undefined);
    this.consumer = null;
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    const groupId = `${this.env.DB_PREFIX}.api-gateway.wallet-cache.${hostname()}.${process.pid}.${Date.now().toString(36)}`;
    const consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: FEED_MAX_WAIT_MS, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    this.consumer = consumer;
    consumer.on(consumer.events.FETCH, () => this.cache.feedAlive());
    consumer.on(consumer.events.CRASH, (e) => {
      this.logger.warn(`wallet cache feed crashed, reads go to the wallet-service until it is back: ${String(e.payload.error)}`);
      if (!e.payload.restart) this.retry(consumer);
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [Topics.wallet], fromBeginning: false });
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: 6,
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) this.evictFor(message.value);
        },
      });
    } catch (err) {
      if (!this.stopped) this.logger.warn(`wallet cache feed not running, reads go to the wallet-service; retrying: ${(err as Error).message}`);
      this.retry(consumer);
    }
  }

  private retry(consumer: Consumer): void {
    if (this.stopped || this.consumer !== consumer) return;
    this.consumer = null;
    void consumer.disconnect().catch(() => undefined);
    this.retryTimer = setTimeout(() => void this.run(), 2000);
    this.retryTimer.unref();
  }

  private evictFor(value: Buffer | null): void {
    let subject: unknown;
    let userId: unknown;
    try {
      const envelope = JSON.parse(value?.toString('utf8') ?? 'null') as { subject?: unknown; data?: { user_id?: unknown } } | null;
      subject = envelope?.subject;
      userId = envelope?.data?.user_id;
    } catch {
      // Not an event we can read: whose wallet changed is unknown, so no cached wallet is trusted.
      this.cache.clear();
      return;
    }
    // Cache keys are lower-case user ids (the proxy lower-cases the path's).
    const users = new Set([subject, userId].filter((u): u is string => typeof u === 'string').map((u) => u.toLowerCase()));
    for (const u of users) this.cache.evict(u);
  }
}
