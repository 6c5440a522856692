import { Inject, Injectable } from '@nestjs/common';
import { dlqTopic } from '@wozamali/contracts';
import { DLQ_CONSUMER_HEADER, readUpToEnd, replayDeadLetters, TEST_POISON_HEADER, type DeadLetter } from '@wozamali/messaging';
import { decodeCursor, DEFAULT_PAGE_SIZE, KAFKA, pageOf, SERVICE_ENV, type Page } from '@wozamali/platform';
import type { Kafka } from 'kafkajs';
import type { WebhookDispatcherEnv } from '../config/env';
import { WebhookException } from '../errors/webhook.exception';
import { DEAD_LETTER_ID, EVENT_TOPICS, type ListDeadLettersQuery } from '../dtos/dead-letter.dto';

/** What can be done with a dead letter here: replay it to the consumer that gave up (when it names one). */
export type DeadLetterAction = 'replay';

/** A dead letter as an operator sees it: where it came from, who gave up and why; never the event's data. */
export interface DeadLetterView {
  id: string;
  topic: string;
  partition: number;
  offset: string;
  consumer: string | null;
  event_id: string | null;
  event_type: string | null;
  error: string | null;
  dead_lettered_at: string;
  /** Put there on purpose by a test (the `x-test-poison` header). */
  test_poison: boolean;
  /** A replay of an earlier dead letter that failed again. */
  replayed_from: string | null;
  actions: DeadLetterAction[];
}

const ERROR_MAX = 500;

function view(m: DeadLetter, topic: string, replays: boolean): DeadLetterView {
  let event: { id?: unknown; type?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(m.value?.toString('utf8') ?? '');
    if (typeof parsed === 'object' && parsed !== null) event = parsed as typeof event;
  } catch {
    // A malformed event is shown without an id or type.
  }
  const consumer = m.headers[DLQ_CONSUMER_HEADER] || null;
  return {
    id: `${m.topic}-${m.partition}-${m.offset}`, topic, partition: m.partition, offset: m.offset, consumer,
    event_id: typeof event.id === 'string' ? event.id.slice(0, 100) : null, event_type: typeof event.type === 'string' ? event.type.slice(0, 100) : null,
    error: m.headers['x-error']?.slice(0, ERROR_MAX) ?? null, dead_lettered_at: new Date(Number(m.timestamp)).toISOString(),
    test_poison: Boolean(m.headers[TEST_POISON_HEADER]), replayed_from: m.headers['x-replayed-from'] || null, actions: consumer && replays ? ['replay'] : [],
  };
}

/**
 * The operators' view of the dead-letter topics: lists what the consumers gave up on and replays
 * the one an admin picks through libs/messaging's replay (the same code as `npm run dlq:replay`).
 * Reads use consumer groups of this service's own (`<DB_PREFIX>.webhook-dispatcher.dlq-…`), never
 * committed, so listing moves nothing.
 */
@Injectable()
export class DeadLettersService {
  constructor(@Inject(KAFKA) private readonly kafka: Kafka, @Inject(SERVICE_ENV) private readonly env: WebhookDispatcherEnv) {}

  private group(kind: string): string {
    return `${this.env.DB_PREFIX}.webhook-dispatcher.dlq-${kind}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  }

  async list(q: ListDeadLettersQuery): Promise<Page<DeadLetterView>> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor(q.cursor, 2, ([at, id]) => !Number.isNaN(Date.parse(at!)) && DEAD_LETTER_ID.test(id!));
    const topics = q.topic ? [q.topic] : EVENT_TOPICS;
    const all: DeadLetterView[] = [];
    await Promise.all(topics.map((topic) => readUpToEnd(this.kafka, dlqTopic(topic), {
      groupId: this.group('list'),
      onMessage: async (m) => { all.push(view(m, topic, this.env.DEAD_LETTER_REPLAY)); },
    }, 30_000)));
    const newestFirst = all
      .filter((d) => !q.consumer || d.consumer === q.consumer)
      .sort((a, b) => (a.dead_lettered_at === b.dead_lettered_at ? (a.id < b.id ? 1 : -1) : a.dead_lettered_at < b.dead_lettered_at ? 1 : -1));
    const start = after ? newestFirst.findIndex((d) => d.dead_lettered_at < after[0]! || (d.dead_lettered_at === after[0] && d.id < after[1]!)) : 0;
    const rest = start === -1 ? [] : newestFirst.slice(start);
    return pageOf(rest.slice(0, limit + 1), limit, (d) => d, (d) => [d.dead_lettered_at, d.id]);
  }

  /** Publishes one dead letter again to its topic, for the consumer that gave up on it (its inbox makes a second replay a no-op). */
  async replay(id: string): Promise<{ id: string; topic: string; consumer: string; replayed: number }> {
    const match = DEAD_LETTER_ID.exec(id);
    if (!match || !EVENT_TOPICS.includes(match[1]!)) throw new WebhookException('dead_letter_not_found', 'no such dead letter');
    const topic = match[1]!;
    const only = { partition: Number(match[2]), offset: String(BigInt(match[3]!)) };
    let found: DeadLetterView | null = null;
    await readUpToEnd(this.kafka, dlqTopic(topic), {
      groupId: this.group('find'),
      from: new Map([[only.partition, BigInt(only.offset)]]),
      onMessage: async (m) => { if (m.partition === only.partition && m.offset === only.offset) found = view(m, topic, this.env.DEAD_LETTER_REPLAY); },
    }, 30_000);
    const letter = found as DeadLetterView | null;
    if (!letter) throw new WebhookException('dead_letter_not_found', 'no such dead letter');
    if (!letter.consumer) throw new WebhookException('dead_letter_not_replayable', 'this dead letter names no consumer to replay it to');
    if (!this.env.DEAD_LETTER_REPLAY) throw new WebhookException('dead_letter_not_replayable', 'replays are switched off in this deployment (DEAD_LETTER_REPLAY); an operator replays with `npm run dlq:replay`');
    const { replayed } = await replayDeadLetters(this.kafka, { topic, consumer: letter.consumer, only, groupId: `${this.env.DB_PREFIX}.webhook-dispatcher.dlq-replay` });
    return { id, topic, consumer: letter.consumer, replayed };
  }
}
