import { uuidv7 } from '@wozamali/contracts';
import { databaseName, databaseUrl, dataSourceOptions, migrateDatabase } from '@wozamali/database';
import { kafkaBrokers, metricsUpdateData, serverUrl, uniqueName, waitFor } from '@wozamali/testing';
import { KafkaJSProtocolError, type Kafka, type Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { createKafka, ensureTopics, MessagingTables1764000000000, OutboxRelay, OutboxWriter } from '../../src';

// After a broker restart an idempotent kafkajs producer can be left refusing every send with
// OUT_OF_ORDER_SEQUENCE_NUMBER, for good (seen in CI: the relay retried the same batch until the
// test timed out). The broker can't be made to do that on demand, so this test wedges the relay's
// first producer the same way (every send rejected with that protocol error, as kafkajs reports it)
// and checks that the relay replaces it and publishes through the real broker.
const producerDbName = databaseName(process.env.DB_PREFIX || 'wozamali_test', 'spine_relay_reset');
let producerDb: DataSource;

beforeAll(async () => {
  await migrateDatabase({ serverUrl: serverUrl(), database: producerDbName, migrations: [MessagingTables1764000000000] });
  producerDb = await new DataSource(dataSourceOptions({ serverUrl: serverUrl(), database: producerDbName, poolSize: 2 })).initialize();
});

afterAll(async () => {
  await producerDb?.destroy();
});

it('replaces a producer whose sends fail with out-of-order sequence numbers, and publishes every event once the new one connects', async () => {
  const real = createKafka(uniqueName('relay-reset'), kafkaBrokers());
  const topic = uniqueName('wozamali.test.relay-reset');
  await ensureTopics(real, [{ topic, numPartitions: 1 }]);
  const made: { producer: Producer; wedged: boolean; disconnected: boolean }[] = [];
  // The real client; only the first producer it makes is wedged.
  const kafka = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop !== 'producer') return Reflect.get(target, prop, receiver);
      return (...args: Parameters<Kafka['producer']>) => {
        const producer = target.producer(...args);
        const entry = { producer, wedged: made.length === 0, disconnected: false };
        made.push(entry);
        const disconnect = producer.disconnect.bind(producer);
        producer.disconnect = async () => {
          entry.disconnected = true;
          await disconnect();
        };
        if (entry.wedged) {
          producer.sendBatch = async () => {
            throw new KafkaJSProtocolError(Object.assign(new Error('The broker received an out of order sequence number'), { type: 'OUT_OF_ORDER_SEQUENCE_NUMBER', code: 45, retriable: false }));
          };
        }
        return producer;
      };
    },
  });
  const relay = new OutboxRelay({ service: uniqueName('relay-reset'), connectionString: databaseUrl(serverUrl(), producerDbName), kafka, publishTimeoutMs: 5000 });
  const outbox = new OutboxWriter('relay-reset-test');
  const keys = Array.from({ length: 5 }, () => uuidv7());
  for (const key of keys) {
    await producerDb.transaction((tx) => outbox.add(tx, { type: 'metrics_update', topic, subject: key, data: { ...metricsUpdateData(), key, n: 1 } }));
  }

  relay.start();
  try {
    await relay.waitUntilDrained(30_000);
  } finally {
    await relay.stop();
  }

  expect(made.length).toBeGreaterThanOrEqual(2);
  expect(made[0]!.wedged).toBe(true);
  expect(made[0]!.disconnected).toBe(true);
  expect(await producerDb.query('select count(*)::int as n from outbox where topic = $1 and published_at is null', [topic])).toEqual([{ n: 0 }]);

  // The events are on the broker, in the order they were written.
  const consumer = real.consumer({ groupId: uniqueName('relay-reset-reader') });
  const seen: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.key?.toString() ?? '') });
  try {
    await waitFor(() => seen.length >= keys.length, 'the events on the broker', 30_000);
  } finally {
    await consumer.disconnect();
  }
  expect(seen).toEqual(keys);
}, 90_000);
