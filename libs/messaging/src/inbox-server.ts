import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { envelopeProblems, eventDataProblems, isKnownEventType, dlqTopic, type EventEnvelope } from '@wozamali/contracts';
import type { Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import type { DataSource, EntityManager } from 'typeorm';

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
  fromBeginning?: boolean;
}

/** Errors of the infrastructure (database unreachable) are retried without limit, never dead-lettered. */
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

/**
 * A NestJS microservice transport over kafkajs with inbox semantics: each event is handled in a
 * transaction that first records (consumer, event id) in the inbox, so a redelivered event has no
 * second effect. Handlers are `@EventPattern('<event type>')`; types without a handler are skipped.
 * A malformed event, or one whose handler keeps failing, goes to `<topic>.dlq` with the error and
 * the partition moves on.
 */
export class KafkaInboxServer extends Server implements CustomTransportStrategy {
  private readonly log: Logger;
  private consumerClient: Consumer | null = null;
  private dlqProducer: Producer | null = null;
  private readonly maxAttempts: number;
  private readonly retryBackoffMs: number;
  /** Counters for /metrics and tests. */
  readonly stats = { handled: 0, duplicates: 0, deadLettered: 0, skipped: 0 };

  constructor(private readonly opts: KafkaInboxServerOptions) {
    super();
    this.log = new Logger(`KafkaInbox:${opts.consumer}`);
    this.maxAttempts = opts.maxAttempts ?? 5;
    this.retryBackoffMs = opts.retryBackoffMs ?? 200;
  }

  async listen(callback: (...optionalParams: unknown[]) => unknown): Promise<void> {
    try {
      this.dlqProducer = this.opts.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await this.dlqProducer.connect();
      this.consumerClient = this.opts.kafka.consumer({ groupId: this.opts.groupId ?? this.opts.consumer, sessionTimeout: 30_000, heartbeatInterval: 3000 });
      await this.consumerClient.connect();
      await this.consumerClient.subscribe({ topics: this.opts.topics, fromBeginning: this.opts.fromBeginning ?? true });
      await this.consumerClient.run({
        partitionsConsumedConcurrently: this.opts.partitionsConsumedConcurrently ?? 3,
        eachMessage: (payload) => this.handleMessage(payload),
      });
      callback();
    } catch (err) {
      callback(err);
    }
  }

  async close(): Promise<void> {
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

  /** Handles one Kafka message; exported for tests that deliver the same event twice. */
  async handleMessage({ topic, partition, message }: Pick<EachMessagePayload, 'topic' | 'partition' | 'message'>): Promise<void> {
    const raw = message.value?.toString('utf8') ?? '';
    let envelope: EventEnvelope;
    try {
      envelope = JSON.parse(raw) as EventEnvelope;
    } catch {
      return this.deadLetter(topic, partition, message.offset, message.key, raw, 'malformed JSON');
    }
    const problems = envelopeProblems(envelope);
    if (problems.length > 0) return this.deadLetter(topic, partition, message.offset, message.key, raw, `invalid envelope: ${problems.join('; ')}`);
    const handler = this.getHandlerByPattern(envelope.type);
    if (!handler || !isKnownEventType(envelope.type)) {
      this.stats.skipped += 1; // a consumer ignores types it does not know or does not handle
      return;
    }
    const dataProblems = eventDataProblems(envelope.type, envelope.data);
    if (dataProblems.length > 0) return this.deadLetter(topic, partition, message.offset, message.key, raw, `invalid ${envelope.type} data: ${dataProblems.join('; ')}`);

    for (let attempt = 1; ; attempt += 1) {
      try {
        const applied = await this.opts.dataSource.transaction(async (manager) => {
          const inserted = (await manager.query(
            'insert into inbox (consumer, event_id, event_type) values ($1, $2, $3) on conflict do nothing returning event_id',
            [this.opts.consumer, envelope.id, envelope.type],
          )) as unknown[];
          if (inserted.length === 0) return false;
          const result = await handler({ envelope, manager } satisfies InboxMessage);
          await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
          return true;
        });
        if (applied) this.stats.handled += 1;
        else this.stats.duplicates += 1;
        return;
      } catch (err) {
        if (isTransient(err)) {
          this.log.warn(`infrastructure error on ${envelope.type} ${envelope.id}, will retry: ${(err as Error).message}`);
          await sleep(this.retryBackoffMs * 5);
          throw err; // not committed: kafkajs redelivers it
        }
        if (attempt >= this.maxAttempts) {
          return this.deadLetter(topic, partition, message.offset, message.key, raw, `handler failed ${attempt} times: ${(err as Error).message}`);
        }
        await sleep(this.retryBackoffMs * 2 ** (attempt - 1));
      }
    }
  }

  private async deadLetter(topic: string, partition: number, offset: string, key: Buffer | null | undefined, value: string, reason: string): Promise<void> {
    this.log.error(`dead-lettering ${topic}[${partition}]@${offset}: ${reason}`);
    if (!this.dlqProducer) throw new Error('DLQ producer not connected');
    // If this send fails, the error propagates and the message is redelivered: nothing is lost.
    await this.dlqProducer.send({
      topic: dlqTopic(topic),
      acks: -1,
      messages: [{
        key: key ?? null,
        value,
        headers: {
          'x-error': reason.slice(0, 2000),
          'x-original-topic': topic,
          'x-original-partition': String(partition),
          'x-original-offset': offset,
          'x-consumer': this.opts.consumer,
          'x-failed-at': new Date().toISOString(),
        },
      }],
    });
    this.stats.deadLettered += 1;
  }
}
