import { databaseName, migrateDatabase } from '@wozamali/database';
import { Topics, uuidv7 } from '@wozamali/contracts';
import { createKafka, ensureTopics, KafkaInboxServer, MessagingTables1764000000000, OutboxRelay, OutboxWriter, type InboxMessage } from '../../src';
import { DisposableBroker, metricsUpdateData, openTestDataSource, serverUrl, uniqueName, waitFor } from '@wozamali/testing';
import { databaseUrl, dataSourceOptions } from '@wozamali/database';
import { DataSource } from 'typeorm';

// This test stops and starts Kafka, so it runs its own broker (not the one the other tests share)
// and its own producing database (so its relay publishes only its own events).
const broker = new DisposableBroker(Number(process.env.KAFKA_RESTART_TEST_PORT || 19592));
const producerDbName = databaseName(process.env.DB_PREFIX || 'wozamali_test', 'spine_restart');
let producerDb: DataSource;
let consumerDb: DataSource;

beforeAll(async () => {
  await broker.start();
  await ensureTopics(createKafka('restart-setup', broker.brokers), [{ topic: Topics.metrics, numPartitions: 3 }, { topic: `${Topics.metrics}.dlq`, numPartitions: 1 }]);
  await migrateDatabase({ serverUrl: serverUrl(), database: producerDbName, migrations: [MessagingTables1764000000000] });
  producerDb = await new DataSource(dataSourceOptions({ serverUrl: serverUrl(), database: producerDbName, poolSize: 4 })).initialize();
  consumerDb = await openTestDataSource('metrics-service', 4);
}, 120_000);

afterAll(async () => {
  await producerDb?.destroy();
  await consumerDb?.destroy();
  await broker.stop();
}, 60_000);

it('loses no event and keeps per-key order while the broker is stopped and started mid-stream; rolled-back events never arrive', async () => {
  const kafka = createKafka(uniqueName('restart'), broker.brokers, { retry: { initialRetryTime: 100, retries: 3 } });
  const relay = new OutboxRelay({ service: uniqueName('restart-relay'), connectionString: databaseUrl(serverUrl(), producerDbName), kafka, publishTimeoutMs: 3000 });
  const consumer = uniqueName('restart-consumer');
  const inbox = new KafkaInboxServer({ kafka, dataSource: consumerDb, consumer, topics: [Topics.metrics] });
  const seen = new Map<string, number[]>();
  inbox.addHandler('metrics_update', async ({ envelope }: InboxMessage<{ date: string; key: string; n: number }>) => {
    const list = seen.get(envelope.data.key) ?? [];
    list.push(envelope.data.n);
    seen.set(envelope.data.key, list);
  }, true);
  const outbox = new OutboxWriter('restart-test');
  const keys = Array.from({ length: 6 }, () => uuidv7());
  const perKey = 40;
  const rolledBack: string[] = [];

  relay.start();
  await inbox.listen(() => undefined);
  try {
    let written = 0;
    for (let n = 1; n <= perKey; n += 1) {
      for (const key of keys) {
        await producerDb.transaction((tx) => outbox.add(tx, { type: 'metrics_update', topic: Topics.metrics, subject: key, data: { ...metricsUpdateData(), key, n } }));
        written += 1;
      }
      if (n % 5 === 0) {
        // A transaction that fails after writing its event: the event must never be published.
        const doomed = uuidv7();
        rolledBack.push(doomed);
        await producerDb.transaction(async (tx) => {
          await outbox.add(tx, { type: 'metrics_update', topic: Topics.metrics, subject: doomed, data: { ...metricsUpdateData(), key: doomed, n: 1 } });
          throw new Error('rollback');
        }).catch(() => undefined);
      }
      if (n === 10) await broker.stop(); // the broker dies with events in flight; writing goes on
      if (n === 30) await broker.start();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(written).toBe(keys.length * perKey);
    await waitFor(() => keys.every((k) => new Set(seen.get(k) ?? []).size === perKey), 'every event after the broker came back', 90_000, 200);
    for (const key of keys) {
      const list = seen.get(key)!;
      // At-least-once may repeat a tail after a failed batch, but the inbox applied each event once,
      // so the applied sequence is exactly 1..N in order.
      expect(list).toEqual(Array.from({ length: perKey }, (_, i) => i + 1));
    }
    for (const doomed of rolledBack) expect(seen.has(doomed)).toBe(false);
    expect(await producerDb.query('select count(*)::int as n from outbox where published_at is null')).toEqual([{ n: 0 }]);
  } finally {
    await inbox.close();
    await relay.stop();
  }
}, 180_000);
