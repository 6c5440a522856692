import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import { Logger } from '@nestjs/common';

const kafkaLogger = new Logger('kafkajs');

function toNestLogger() {
  return ({ level, log }: LogEntry) => {
    const { message, ...rest } = log;
    const line = `${message} ${JSON.stringify(rest)}`;
    if (level === logLevel.ERROR) kafkaLogger.error(line);
    else if (level === logLevel.WARN) kafkaLogger.warn(line);
    else kafkaLogger.debug?.(line);
  };
}

/** A kafkajs client for a comma-separated broker list, logging through the service logger. */
export function createKafka(clientId: string, brokers: string, extra: Partial<KafkaConfig> = {}): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  return new Kafka({
    clientId,
    brokers: brokers.split(',').map((b) => b.trim()).filter(Boolean),
    logLevel: logLevel.WARN,
    logCreator: () => toNestLogger(),
    retry: { initialRetryTime: 200, retries: 8 },
    connectionTimeout: 3000,
    ...extra,
  });
}

/** Creates topics that do not exist yet (idempotent). */
export async function ensureTopics(kafka: Kafka, topics: { topic: string; numPartitions: number }[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing.map((t) => ({ ...t, replicationFactor: 1 })), waitForLeaders: true });
    }
  } finally {
    await admin.disconnect();
  }
}
