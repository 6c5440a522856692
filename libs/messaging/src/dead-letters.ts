import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';

/** Header an inbox puts on a dead letter: the consumer that gave up on the event. */
export const DLQ_CONSUMER_HEADER = 'x-consumer';
/** Header on a replayed event: the one consumer it is replayed to (the others skip it). */
export const REPLAY_FOR_HEADER = 'x-replay-for';
/**
 * Header a test puts on a message it poisons on purpose. The test run fails on any dead letter
 * without it (scripts/check-dead-letters.js): a dead letter is an alarm, never a quiet place.
 */
export const TEST_POISON_HEADER = 'x-test-poison';

/** One message read from a dead-letter topic. */
export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** When it was dead-lettered (the broker's timestamp, ms since the epoch, as a string). */
  timestamp: string;
}

function headerText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(String).join(',') : v.toString();
  }
  return out;
}

/** The high watermark of every partition of `topic` (the offset the next message will get). */
export async function topicEnds(kafka: Kafka, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** Where a consumer group stands on `topic`, per partition (absent: never committed). */
async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((entry?.partitions ?? []).filter((p) => Number(p.offset) >= 0).map((p) => [p.partition, BigInt(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads a topic from `from` (per partition; default the beginning) up to the ends it has now, with
 * a consumer group of its own. With `commit`, the group's offsets are committed as messages are
 * read, so the same group reading again starts after them (how a replay resumes).
 */
export async function readUpToEnd(
  kafka: Kafka,
  topic: string,
  opts: { groupId: string; from?: Map<number, bigint>; commit?: boolean; onMessage: (m: DeadLetter) => Promise<void> },
  timeoutMs = 60_000,
): Promise<number> {
  const ends = await topicEnds(kafka, topic);
  const from = opts.from ?? (opts.commit ? await committedOffsets(kafka, opts.groupId, topic) : new Map<number, bigint>());
  const start = (p: number) => from.get(p) ?? 0n;
  const remaining = new Set([...ends].filter(([p, high]) => high > start(p)).map(([p]) => p));
  if (remaining.size === 0) return 0;
  const consumer = kafka.consumer({ groupId: opts.groupId });
  let read = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      autoCommit: opts.commit ?? false,
      eachMessage: async ({ partition, message }: { partition: number; message: KafkaMessage }) => {
        const offset = BigInt(message.offset);
        const high = ends.get(partition) ?? 0n;
        if (offset >= start(partition) && offset < high) {
          await opts.onMessage({ topic, partition, offset: message.offset, key: message.key, value: message.value, headers: headerText(message.headers), timestamp: message.timestamp });
          read += 1;
        }
        if (offset >= high - 1n) {
          remaining.delete(partition);
          if (remaining.size === 0) done();
        }
      },
    });
    const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`reading ${topic} did not reach its end in ${timeoutMs} ms`)), timeoutMs).unref());
    await Promise.race([finished, timer]);
  } finally {
    await consumer.disconnect();
  }
  return read;
}

export interface ReplayOptions {
  /** The topic whose dead letters are replayed, e.g. `wozamali.wallet.events`. */
  topic: string;
  /** The inbox consumer that gave up on them, e.g. `metrics-service`. */
  consumer: string;
  /** Count what would be replayed, publish nothing, commit nothing. */
  dryRun?: boolean;
  /** The consumer group that keeps the replay's progress (default: one per consumer and topic). */
  groupId?: string;
  /** Only the dead letters this accepts are replayed (e.g. those of one error, or of some events). */
  filter?: (deadLetter: DeadLetter) => boolean;
  /**
   * Replay this one dead letter only (an operator's choice): read from its offset, and the replay's
   * progress group is left where it was, so a later full run still replays the others.
   */
  only?: { partition: number; offset: string };
}

/**
 * Replays the dead letters of `topic` that `consumer` gave up on: each is published again to its
 * original topic, with its original key and value, marked for that consumer alone (the other
 * consumers skip it). Run it after the fix is deployed. Progress is kept in a consumer group of its
 * own, so a second run replays only what was dead-lettered since; and the consumer's inbox makes a
 * replay of something it already applied a no-op.
 */
export async function replayDeadLetters(kafka: Kafka, opts: ReplayOptions): Promise<{ read: number; replayed: number }> {
  const dlq = `${opts.topic}.dlq`;
  const only = opts.only;
  // One dead letter: its partition from its offset, every other partition from its end (nothing to read there).
  const from = only ? new Map([...(await topicEnds(kafka, dlq))].map(([p, end]) => [p, p === only.partition ? BigInt(only.offset) : end])) : undefined;
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let replayed = 0;
  try {
    const read = await readUpToEnd(kafka, dlq, {
      groupId: `${opts.groupId ?? `wozamali.dlq-replay.${opts.consumer}.${opts.topic}`}${opts.dryRun || only ? `.${only ? 'one' : 'dry'}-${Date.now()}` : ''}`,
      commit: !opts.dryRun && !only,
      from,
      onMessage: async (m) => {
        if (only && (m.partition !== only.partition || m.offset !== only.offset)) return;
        if (m.headers[DLQ_CONSUMER_HEADER] !== opts.consumer) return;
        if (opts.filter && !opts.filter(m)) return;
        replayed += 1;
        if (opts.dryRun) return;
        await producer.send({
          topic: m.headers['x-original-topic'] || opts.topic,
          acks: -1,
          messages: [{
            key: m.key,
            value: m.value,
            // A test's deliberate poison stays marked as one when it is replayed (and dead-lettered again).
            headers: { [REPLAY_FOR_HEADER]: opts.consumer, 'x-replayed-from': `${m.topic}[${m.partition}]@${m.offset}`, ...(m.headers[TEST_POISON_HEADER] ? { [TEST_POISON_HEADER]: m.headers[TEST_POISON_HEADER] } : {}) },
          }],
        });
      },
    });
    return { read, replayed };
  } finally {
    await producer.disconnect();
  }
}
