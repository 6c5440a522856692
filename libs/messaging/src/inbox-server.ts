import { Logger } from '@nestjs/common';
import { EventPattern, Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { planted } from '@wozamali/config';
import { dlqTopic, envelopeProblems, eventDataProblems, isKnownEventType, type EventEnvelope, type EventType } from '@wozamali/contracts';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import type { DataSource, EntityManager } from 'typeorm';
import { REPLAY_FOR_HEADER } from './dead-letters';

/** What an inbox handler declares beside its pattern (see {@link InboxHandler}). */
export interface InboxHandlerExtras {
  /** The `data` fields the handler reads: only these are checked against the event's contract. */
  reads?: readonly string[];
}

/**
 * Marks an inbox handler for one or more event types, naming the `data` fields it reads. The inbox
 * checks those fields (and only those) before calling it; an event whose read fields are wrong is
 * dead-lettered, any other difference is tolerated.
 */
export function InboxHandler(types: EventType | readonly EventType[], reads: readonly string[] = []): MethodDecorator {
  return EventPattern(types, { reads } satisfies InboxHandlerExtras);
}

/** What an `@EventPattern(type)` handler receives: the event and the inbox transaction to act in. */
export interface InboxMessage<TData = unknown> {
  envelope: EventEnvelope<string, TData>;
  /** The transaction in which the inbox row is written; the handler's effect must use it. */
  manager: EntityManager;
}

export interface KafkaInboxServerOptions {
  kafka: Kafka;
  dataSource: DataSource;
  /** Inbox consumer name, e.g. `metrics-service`; also the Kafka group id unless `groupId` is given. */
  consumer: string;
  /** Kafka consumer group; one group per inbox (database), e.g. `wozamali.metrics-service`. */
  groupId?: string;
  topics: string[];
  /** Attempts of a failing handler before the message goes to `<topic>.dlq`. */
  maxAttempts?: number;
  retryBackoffMs?: number;
  partitionsConsumedConcurrently?: number;
  /** Most messages handled in one transaction. */
  maxBatch?: number;
  fromBeginning?: boolean;
  /**
   * How long an inbox row is kept (default 30 days): longer than the broker keeps events (7 days)
   * plus any lag, so a redelivery always finds the row that makes it a no-op.
   */
  retentionMs?: number;
  /** How often rows past retention are deleted, in batches (default 10 minutes). */
  pruneIntervalMs?: number;
  /**
   * Optional: handles the new events of a batch in one call (same transaction), instead of one
   * `@EventPattern` call each. The per-event handlers still serve the one-by-one path.
   */
  batchHandler?: (envelopes: EventEnvelope[], manager: EntityManager) => Promise<void>;
  /**
   * Optional, instead of `batchHandler`: applies a whole batch atomically by itself, in one SQL
   * statement that also records the inbox rows of `consumer` (skipping events already there) and
   * says how many events were new. One round trip instead of a transaction's four. `afterCommit`
   * runs once the statement has committed (never if it failed): work that needs the batch's effects
   * durable, such as sending what the batch created. The per-event handlers still serve the
   * one-by-one path.
   */
  batchApply?: (envelopes: EventEnvelope[], consumer: string) => Promise<{ handled: number; afterCommit?: () => void }>;
}

/** How often consumed offsets are committed to the broker. */
const COMMIT_INTERVAL_MS = 1000;

/** Infrastructure errors (database unreachable) are retried without limit, never dead-lettered. */
function isTransient(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string }; message?: string };
  const code = e?.driverError?.code ?? e?.code ?? '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P02', '57P03', '53300'].includes(code) ||
    code.startsWith('08') ||
    /Connection terminated|timeout exceeded when trying to connect/i.test(e?.message ?? '')
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Parsed {
  message: KafkaMessage;
  envelope: EventEnvelope;
}

/**
 * A NestJS microservice transport over kafkajs with inbox semantics: handlers are
 * `@EventPattern('<event type>')`; each event's inbox row `(consumer, event id)` and the handler's
 * effect commit together, so a redelivered event has no second effect. Types without a handler
 * are skipped. A Kafka batch is handled in **one transaction** (one commit for many events: one
 * commit per message capped a consumer at ~250 events/s); if that transaction fails, the batch's
 * events are handled one by one, so only a poison event is retried and sent to `<topic>.dlq` with
 * the error, and the partition moves on. Database outages are retried without limit, never
 * dead-lettered.
 */
/** What {@link KafkaInboxServer.handleMessage} did with one event. */
export type InboxOutcome = 'handled' | 'duplicate' | 'dead-lettered';

export class KafkaInboxServer extends Server implements CustomTransportStrategy {
  private readonly log: Logger;
  private consumerClient: Consumer | null = null;
  private dlqProducer: Producer | null = null;
  /** Set when a DLQ send failed: the next dead letter goes through a new producer. */
  private dlqStale = false;
  private readonly maxAttempts: number;
  private readonly retryBackoffMs: number;
  private readonly maxBatch: number;
  /** Counters for /metrics and tests. */
  readonly stats = { handled: 0, duplicates: 0, deadLettered: 0, skipped: 0, batches: 0, fallbacks: 0, pruned: 0 };
  private pruneTimer: NodeJS.Timeout | null = null;
  /** Per `topic:partition`: messages behind the high watermark after the last chunk handled there. */
  private readonly lagByPartition = new Map<string, number>();

  /**
   * Consumer lag: messages not yet handled, summed over the partitions this process consumes, as of
   * the last chunk handled on each (the high watermark the broker sent with that fetch).
   */
  consumerLag(): number {
    let total = 0;
    for (const lag of this.lagByPartition.values()) total += lag;
    return total;
  }

  constructor(private readonly opts: KafkaInboxServerOptions) {
    super();
    this.log = new Logger(`KafkaInbox:${opts.consumer}`);
    this.maxAttempts = opts.maxAttempts ?? 5;
    this.retryBackoffMs = opts.retryBackoffMs ?? 200;
    this.maxBatch = opts.maxBatch ?? 500;
  }

  async listen(callback: (...optionalParams: unknown[]) => unknown): Promise<void> {
    try {
      this.dlqProducer = this.opts.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await this.dlqProducer.connect();
      this.consumerClient = this.opts.kafka.consumer({ groupId: this.opts.groupId ?? this.opts.consumer, sessionTimeout: 30_000, heartbeatInterval: 3000 });
      // A rebalance may take partitions away: their lag is no longer this process's to report.
      this.consumerClient.on(this.consumerClient.events.GROUP_JOIN, () => this.lagByPartition.clear());
      await this.consumerClient.connect();
      await this.consumerClient.subscribe({ topics: this.opts.topics, fromBeginning: this.opts.fromBeginning ?? true });
      await this.consumerClient.run({
        partitionsConsumedConcurrently: this.opts.partitionsConsumedConcurrently ?? 6,
        eachBatchAutoResolve: false,
        // Offsets are committed at most every COMMIT_INTERVAL_MS, not after every batch (a round trip
        // to the broker awaited before the next fetch). A restart may redeliver that much; the inbox
        // makes a redelivery a no-op.
        autoCommit: false,
        autoCommitInterval: COMMIT_INTERVAL_MS,
        eachBatch: (payload) => this.handleBatch(payload),
      });
      this.pruneTimer = setInterval(() => {
        this.prune().catch((err: Error) => this.log.warn(`pruning the inbox failed, will retry: ${err.message}`));
      }, this.opts.pruneIntervalMs ?? 10 * 60_000);
      this.pruneTimer.unref();
      callback();
    } catch (err) {
      callback(err);
    }
  }

  /**
   * Deletes this consumer's inbox rows past retention, at most `limit` (returns how many). Event ids
   * are UUIDv7, time-ordered, so the primary key finds them; a row goes only if it was also
   * processed before the cut-off, whatever its id says.
   */
  async prune(limit = 10_000): Promise<number> {
    const cutoff = Date.now() - (this.opts.retentionMs ?? 30 * 24 * 3600 * 1000);
    const hex = Math.max(0, cutoff).toString(16).padStart(12, '0');
    const boundary = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
    const [, deleted] = (await this.opts.dataSource.query(
      `delete from inbox where ctid in (
         select ctid from inbox where consumer = $1 and event_id < $2::uuid and processed_at < to_timestamp($3::double precision / 1000) limit $4)`,
      [this.opts.consumer, boundary, cutoff, limit],
    )) as [unknown, number];
    this.stats.pruned += deleted;
    return deleted;
  }

  async close(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.pruneTimer = null;
    await this.consumerClient?.disconnect().catch(() => undefined);
    await this.dlqProducer?.disconnect().catch(() => undefined);
    this.consumerClient = null;
    this.dlqProducer = null;
  }

  on(): void {
    /* no transport events are exposed */
  }

  unwrap<T>(): T {
    return this.consumerClient as T;
  }

  private async handleBatch({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    for (let start = 0; start < batch.messages.length; start += this.maxBatch) {
      if (!isRunning() || isStale()) return;
      const chunk = batch.messages.slice(start, start + this.maxBatch);
      const valid: Parsed[] = [];
      for (const message of chunk) {
        const parsed = await this.parse(topic, partition, message);
        if (parsed) valid.push(parsed);
      }
      if (valid.length > 0) {
        try {
          await this.applyAll(valid);
          this.stats.batches += 1;
        } catch (err) {
          if (isTransient(err)) {
            this.log.warn(`infrastructure error on a batch of ${valid.length}, will retry: ${(err as Error).message}`);
            await sleep(this.retryBackoffMs * 5);
            throw err; // nothing committed or resolved: kafkajs redelivers from the last resolved offset
          }
          this.stats.fallbacks += 1;
          for (const p of valid) await this.applyOne(topic, partition, p);
        }
      }
      resolveOffset(chunk[chunk.length - 1]!.offset);
      this.lagByPartition.set(`${topic}:${partition}`, Math.max(0, Number(batch.highWatermark) - 1 - Number(chunk[chunk.length - 1]!.offset)));
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  /** Validates one message; dead-letters or skips it and returns null when it is not to be handled. */
  private async parse(topic: string, partition: number, message: KafkaMessage): Promise<Parsed | null> {
    const raw = message.value?.toString('utf8') ?? '';
    let envelope: EventEnvelope;
    try {
      envelope = JSON.parse(raw) as EventEnvelope;
    } catch {
      await this.deadLetter(topic, partition, message, raw, 'malformed JSON');
      return null;
    }
    const problems = envelopeProblems(envelope);
    if (problems.length > 0) {
      await this.deadLetter(topic, partition, message, raw, `invalid envelope: ${problems.join('; ')}`);
      return null;
    }
    const handler = this.getHandlerByPattern(envelope.type);
    const replayFor = message.headers?.[REPLAY_FOR_HEADER]?.toString();
    if (!handler || !isKnownEventType(envelope.type) || (replayFor !== undefined && replayFor !== this.opts.consumer)) {
      this.stats.skipped += 1;
      return null;
    }
    // A tolerant reader: only the fields this consumer's handler reads are checked. The producer
    // guarantees the whole contract; a field nobody here reads is no reason to dead-letter.
    const reads = (handler.extras as InboxHandlerExtras | undefined)?.reads ?? [];
    const dataProblems = eventDataProblems(envelope.type, envelope.data, reads);
    if (dataProblems.length > 0) {
      await this.deadLetter(topic, partition, message, raw, `invalid ${envelope.type} data: ${dataProblems.join('; ')}`);
      return null;
    }
    return { message, envelope };
  }

  /** A whole batch at once: by `batchApply`, or in one transaction of inbox rows and handlers. */
  private async applyAll(items: Parsed[]): Promise<void> {
    const envelopes = items.map((i) => i.envelope);
    const result = this.opts.batchApply ? await this.opts.batchApply(envelopes, this.opts.consumer) : await this.applyInTransaction(envelopes);
    this.stats.handled += result.handled;
    this.stats.duplicates += items.length - result.handled;
    try {
      result.afterCommit?.();
    } catch (err) {
      this.log.error(`after-commit work of a batch failed (its effects are committed): ${(err as Error).message}`);
    }
  }

  /** One transaction: the inbox rows of the whole batch, then each new event's handler, in order. */
  private applyInTransaction(envelopes: EventEnvelope[]): Promise<{ handled: number; afterCommit?: () => void }> {
    return this.opts.dataSource.transaction(async (manager) => {
      const inserted = (await manager.query(
        `insert into inbox (consumer, event_id, event_type)
         select $1, id, type from unnest($2::uuid[], $3::text[]) as t(id, type)
         on conflict do nothing returning event_id`,
        [this.opts.consumer, envelopes.map((e) => e.id), envelopes.map((e) => e.type)],
      )) as { event_id: string }[];
      const fresh = new Set(inserted.map((r) => r.event_id));
      const todo = envelopes.filter((e) => fresh.delete(e.id)); // else already processed (or twice in this batch)
      if (planted('consumer-without-inbox')) todo.splice(0, todo.length, ...envelopes); // CHAOS-ONLY PLANT (libs/config/src/plant.ts): redeliveries handled again
      if (this.opts.batchHandler) await this.opts.batchHandler(todo, manager);
      else for (const envelope of todo) await this.invoke(envelope, manager);
      return { handled: todo.length };
    });
  }

  private async invoke(envelope: EventEnvelope, manager: EntityManager): Promise<void> {
    const handler = this.getHandlerByPattern(envelope.type)!;
    const out = await handler({ envelope, manager } satisfies InboxMessage);
    await lastValueFrom(this.transformToObservable(out), { defaultValue: undefined });
  }

  /**
   * One event in its own transaction, retried, then dead-lettered. Also what tests call to redeliver.
   * Says what became of it: `null` when it was dead-lettered or skipped before reaching a handler.
   */
  async handleMessage({ topic, partition, message }: { topic: string; partition: number; message: KafkaMessage }): Promise<InboxOutcome | null> {
    const parsed = await this.parse(topic, partition, message);
    return parsed ? this.applyOne(topic, partition, parsed) : null;
  }

  private async applyOne(topic: string, partition: number, { message, envelope }: Parsed): Promise<InboxOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const applied = await this.opts.dataSource.transaction(async (manager) => {
          const inserted = (await manager.query(
            'insert into inbox (consumer, event_id, event_type) values ($1, $2, $3) on conflict do nothing returning event_id',
            [this.opts.consumer, envelope.id, envelope.type],
          )) as unknown[];
          if (inserted.length === 0) return false;
          await this.invoke(envelope, manager);
          return true;
        });
        if (applied) this.stats.handled += 1;
        else this.stats.duplicates += 1;
        return applied ? 'handled' : 'duplicate';
      } catch (err) {
        if (isTransient(err)) {
          this.log.warn(`infrastructure error on ${envelope.type} ${envelope.id}, will retry: ${(err as Error).message}`);
          await sleep(this.retryBackoffMs * 5);
          throw err;
        }
        if (attempt >= this.maxAttempts) {
          const raw = message.value?.toString('utf8') ?? '';
          await this.deadLetter(topic, partition, message, raw, `handler failed ${attempt} times: ${(err as Error).message}`);
          return 'dead-lettered';
        }
        await sleep(this.retryBackoffMs * 2 ** (attempt - 1));
      }
    }
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, value: string, reason: string): Promise<void> {
    this.log.error(`dead-lettering ${topic}[${partition}]@${message.offset}: ${reason}`);
    if (!this.dlqProducer) throw new Error('DLQ producer not connected');
    if (this.dlqStale) {
      // The last send failed: an idempotent producer can be left with sequence numbers the broker
      // refuses for good ("out of order sequence number"), so a failed one is replaced.
      const old = this.dlqProducer;
      this.dlqProducer = this.opts.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      void old.disconnect().catch(() => undefined);
      await this.dlqProducer.connect();
      this.dlqStale = false;
    }
    // If this send fails, the error propagates and the message is redelivered: nothing is lost.
    await this.dlqProducer.send({
      topic: dlqTopic(topic),
      acks: -1,
      messages: [{
        key: message.key ?? null,
        value,
        headers: {
          ...message.headers,
          'x-error': reason.slice(0, 2000),
          'x-original-topic': topic,
          'x-original-partition': String(partition),
          'x-original-offset': message.offset,
          'x-consumer': this.opts.consumer,
          'x-consumer-group': this.opts.groupId ?? this.opts.consumer,
          'x-failed-at': new Date().toISOString(),
        },
      }],
    }).catch((err: unknown) => {
      this.dlqStale = true;
      throw err;
    });
    this.stats.deadLettered += 1;
  }
}
