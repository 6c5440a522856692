import { Logger } from '@nestjs/common';
import CircuitBreaker from 'opossum';
import { Client } from 'pg';
import type { Kafka, Message, Producer } from 'kafkajs';
import { OUTBOX_CHANNEL } from './schema';
import { WakeSignal } from './wake-signal';

export interface OutboxRelayOptions {
  /** Service name: the advisory lock that elects one active relay per service is derived from it. */
  service: string;
  /** Connection string of the service's own database. */
  connectionString: string;
  kafka: Kafka;
  batchSize?: number;
  /** Poll interval behind LISTEN/NOTIFY, in ms. */
  pollIntervalMs?: number;
  /** How long a publish to Kafka may take before the breaker counts it as failed. */
  publishTimeoutMs?: number;
  /** Published rows are kept this long (audit, replay), then deleted in batches. Default 7 days. */
  retentionMs?: number;
  /** How often the relay prunes published rows past retention. Default 1 minute. */
  pruneIntervalMs?: number;
}

interface OutboxRow {
  seq: string;
  topic: string;
  key: string | null;
  payload: unknown;
  headers: Record<string, string>;
}

export interface OutboxRelayStatus {
  active: boolean;
  published: number;
  lastError: string | null;
  breaker: 'closed' | 'open' | 'half-open';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Publishes the outbox to Kafka in sequence order with an idempotent producer (acks=all,
 * one request in flight, so order per partition holds), then marks the rows published. Rows are
 * marked only after Kafka acknowledged them: a crash in between republishes them (at-least-once;
 * consumers dedupe by event id). One instance per service is active, elected by an advisory lock
 * held on its own connection; the others stand by.
 */
export class OutboxRelay {
  private readonly logger: Logger;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private client: Client | null = null;
  private producer: { client: Producer; ready: Promise<void> } | null = null;
  private breaker: CircuitBreaker<[Message[], string[]], unknown> | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly signal = new WakeSignal();
  private status: OutboxRelayStatus = { active: false, published: 0, lastError: null, breaker: 'closed' };

  constructor(private readonly opts: OutboxRelayOptions) {
    this.logger = new Logger(`OutboxRelay:${opts.service}`);
    this.batchSize = opts.batchSize ?? 500;
    this.pollIntervalMs = opts.pollIntervalMs ?? 100;
  }

  getStatus(): OutboxRelayStatus {
    return { ...this.status, breaker: this.breaker?.opened ? 'open' : this.breaker?.halfOpen ? 'half-open' : 'closed' };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops the relay after one last flush of what is already committed (bounded by `flushTimeoutMs`). */
  async stop(flushTimeoutMs = 5000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.notify();
    await this.loop;
    if (this.status.active && this.client) {
      const deadline = Date.now() + flushTimeoutMs;
      try {
        while (Date.now() < deadline && (await this.publishBatch()) > 0) {
          /* flush */
        }
      } catch (err) {
        this.logger.warn(`final flush incomplete: ${(err as Error).message}`);
      }
    }
    await this.teardown();
  }

  /** Publishes soon: called after a commit in this process (OutboxNotifier) or on NOTIFY. */
  wake(): void {
    this.notify();
  }

  private notify(): void {
    this.signal.notify();
  }

  private waitForWork(ms: number): Promise<void> {
    return this.signal.wait(ms);
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (this.running) {
      try {
        if (!this.status.active) {
          await this.acquire();
          if (!this.status.active) {
            await this.waitForWork(2000);
            continue;
          }
        }
        const published = await this.publishBatch();
        backoff = 100;
        await this.pruneIfDue();
        if (published < this.batchSize) await this.waitForWork(this.pollIntervalMs);
      } catch (err) {
        this.status.lastError = (err as Error).message;
        this.logger.warn(`publish failed, retrying in ${backoff} ms: ${(err as Error).message}`);
        if ((err as { code?: string }).code === 'ETIMEDOUT') this.discardProducer(this.producer?.client ?? null); // the send may still be in flight
        if (this.client && !(await this.clientAlive())) await this.teardown();
        await this.backoff(backoff);
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }

  /** Waits out a failure; new outbox rows don't cut it short (only stop() does), so a dead broker isn't hammered. */
  private async backoff(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.running && Date.now() < deadline) await sleep(Math.min(100, deadline - Date.now()));
    this.signal.clear();
  }

  private async clientAlive(): Promise<boolean> {
    try {
      await this.client?.query('select 1');
      return true;
    } catch {
      return false;
    }
  }

  private async acquire(): Promise<void> {
    if (!this.client) {
      const client = new Client({ connectionString: this.opts.connectionString, application_name: `outbox-relay:${this.opts.service}` });
      client.on('error', (err) => {
        this.status.lastError = err.message;
        this.status.active = false;
      });
      client.on('notification', () => this.notify());
      await client.connect();
      this.client = client;
    }
    const res = await this.client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', [`outbox-relay:${this.opts.service}`]);
    if (!res.rows[0]?.locked) return;
    await this.client.query(`listen ${OUTBOX_CHANNEL}`);
    if (!this.breaker) {
      this.breaker = new CircuitBreaker(
        async (messages: Message[], topics: string[]) => {
          const byTopic = new Map<string, Message[]>();
          messages.forEach((m, i) => {
            const list = byTopic.get(topics[i]!) ?? [];
            list.push(m);
            byTopic.set(topics[i]!, list);
          });
          const producer = await this.connectedProducer();
          try {
            return await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })) });
          } catch (err) {
            this.discardProducer(producer);
            throw err;
          }
        },
        { timeout: this.opts.publishTimeoutMs ?? 15_000, errorThresholdPercentage: 50, resetTimeout: 3000, volumeThreshold: 3, name: `kafka-publish:${this.opts.service}` },
      );
    }
    this.status.active = true;
    this.logger.log('outbox relay is the active instance');
  }

  /** The producer, connected on first use; a new one (a new producer id) after any failed send. */
  private async connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      const client = this.opts.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      const ready = client.connect().catch((err: unknown) => {
        this.discardProducer(client);
        throw err;
      });
      this.producer = { client, ready };
    }
    const { client, ready } = this.producer;
    await ready;
    return client;
  }

  /**
   * Drops a producer after a failed or timed-out send. An idempotent producer whose batch failed
   * part-way (a broker restart, a timeout) can be left with sequence numbers the broker no longer
   * accepts ("out of order sequence number"), and kafkajs never recovers from that; a new producer
   * starts a new sequence. What the old one may have written is published again: at-least-once,
   * deduplicated by the consumers' inboxes.
   */
  private discardProducer(producer: Producer | null): void {
    if (!producer) return;
    if (this.producer?.client === producer) this.producer = null;
    void producer.disconnect().catch(() => undefined);
  }

  private nextPruneAt = 0;

  /** Deletes published rows past retention, a bounded batch at a time, at most once a minute. */
  private async pruneIfDue(): Promise<void> {
    if (Date.now() < this.nextPruneAt || !this.client) return;
    this.nextPruneAt = Date.now() + (this.opts.pruneIntervalMs ?? 60_000);
    const keepMs = this.opts.retentionMs ?? 7 * 24 * 3600 * 1000;
    await this.client.query(
      `delete from outbox where seq in (select seq from outbox where published_at < now() - ($1::bigint * interval '1 millisecond') order by seq limit 10000)`,
      [keepMs],
    );
  }

  /** Publishes one batch of unpublished rows; returns how many it published. */
  private async publishBatch(): Promise<number> {
    const client = this.client;
    if (!client || !this.breaker) return 0;
    const { rows } = await client.query<OutboxRow>(
      'select seq, topic, key, payload, headers from outbox where published_at is null order by seq limit $1',
      [this.batchSize],
    );
    if (rows.length === 0) return 0;
    const messages: Message[] = rows.map((r) => ({
      key: r.key ?? undefined,
      value: JSON.stringify(r.payload),
      headers: { ...r.headers, 'content-type': 'application/json' },
    }));
    await this.breaker.fire(messages, rows.map((r) => r.topic));
    await client.query('update outbox set published_at = now() where seq = any($1::bigint[])', [rows.map((r) => r.seq)]);
    this.status.published += rows.length;
    this.status.lastError = null;
    return rows.length;
  }

  private async teardown(): Promise<void> {
    this.status.active = false;
    const client = this.client;
    this.client = null;
    if (client) {
      await client.query('select pg_advisory_unlock_all()').catch(() => undefined);
      await client.end().catch(() => undefined);
    }
    const producer = this.producer;
    this.producer = null;
    this.breaker?.shutdown();
    this.breaker = null;
    if (producer) await producer.client.disconnect().catch(() => undefined);
  }

  /** Test and shutdown helper: waits until nothing committed is left unpublished. */
  async waitUntilDrained(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const probe = new Client({ connectionString: this.opts.connectionString });
    await probe.connect();
    try {
      while (Date.now() < deadline) {
        const { rows } = await probe.query<{ n: number }>('select count(*)::int as n from outbox where published_at is null');
        if (rows[0]?.n === 0) return;
        this.notify();
        await sleep(50);
      }
      throw new Error('outbox not drained in time');
    } finally {
      await probe.end();
    }
  }
}
