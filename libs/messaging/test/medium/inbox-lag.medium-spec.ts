import { uuidv7 } from '@wozamali/contracts';
import { databaseName, dataSourceOptions, migrateDatabase } from '@wozamali/database';
import { kafkaBrokers, metricsUpdateData, serverUrl, uniqueName, waitFor } from '@wozamali/testing';
import { DataSource } from 'typeorm';
import { createKafka, ensureTopics, KafkaInboxServer, MessagingTables1764000000000, type InboxMessage } from '../../src';

// Consumer lag (DESIGN.md §8) as the inbox reports it, on a topic of this test's own: 50 events wait
// on the broker, the handler is held at the 11th, and the lag then reads what is left behind it.
const database = databaseName(process.env.DB_PREFIX || 'wozamali_test', 'inbox_lag');
let db: DataSource;

beforeAll(async () => {
  await migrateDatabase({ serverUrl: serverUrl(), database, migrations: [MessagingTables1764000000000] });
  db = await new DataSource(dataSourceOptions({ serverUrl: serverUrl(), database, poolSize: 4 })).initialize();
});

afterAll(async () => {
  await db?.destroy();
});

it('reports the messages behind the high watermark while it works through a backlog, and 0 once caught up', async () => {
  const kafka = createKafka(uniqueName('inbox-lag'), kafkaBrokers());
  const topic = uniqueName('wozamali.test.inbox-lag');
  await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
  const producer = kafka.producer();
  await producer.connect();
  const key = uuidv7();
  await producer.send({
    topic,
    messages: Array.from({ length: 50 }, (_, i) => ({
      key,
      value: JSON.stringify({ id: uuidv7(), type: 'metrics_update', version: 1, source: 'test', occurred_at: new Date().toISOString(), subject: key, correlation_id: null, data: { ...metricsUpdateData(), n: i + 1 } }),
    })),
  });
  await producer.disconnect();

  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const seen: number[] = [];
  const inbox = new KafkaInboxServer({ kafka, dataSource: db, consumer: uniqueName('inbox-lag'), topics: [topic], maxBatch: 10 });
  inbox.addHandler('metrics_update', async ({ envelope }: InboxMessage<{ n: number }>) => {
    if (envelope.data.n === 11) await held; // the second chunk of 10 waits here
    seen.push(envelope.data.n);
  }, true);
  expect(inbox.consumerLag()).toBe(0);
  await inbox.listen(() => undefined);
  try {
    await waitFor(() => seen.length === 10, 'the first chunk handled');
    // Ten handled and their offsets resolved: forty are behind the high watermark (50). The lag is
    // recorded just after the chunk's handlers return, so it is awaited, not read at once.
    await waitFor(() => inbox.consumerLag() === 40 || null, 'the lag of the first chunk', 5000).catch(() => undefined);
    expect(inbox.consumerLag()).toBe(40);
    release();
    await waitFor(() => seen.length === 50, 'the whole backlog handled');
    await waitFor(() => inbox.consumerLag() === 0, 'the lag back to 0');
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  } finally {
    release();
    await inbox.close();
  }
}, 60_000);
