import { Topics, uuidv7 } from '@wozamali/contracts';
import { kafkaBrokers, metricsUpdateData, serverUrl, uniqueName, waitFor } from '@wozamali/testing';
import { DataSource } from 'typeorm';
import { dataSourceOptions, databaseName, migrateDatabase } from '@wozamali/database';
import { createKafka, KafkaInboxServer, MessagingTables1764000000000, TEST_POISON_HEADER, type InboxMessage } from '../../src';

// The batching inbox against the real broker and PostgreSQL, on a database and consumer group of
// its own.
const database = databaseName(process.env.DB_PREFIX || 'wozamali_test', 'inbox_batch');
let db: DataSource;

beforeAll(async () => {
  await migrateDatabase({ serverUrl: serverUrl(), database, migrations: [MessagingTables1764000000000] });
  db = await new DataSource(dataSourceOptions({ serverUrl: serverUrl(), database, poolSize: 4 })).initialize();
  await db.query('create table if not exists batch_inbox_effects (event_id uuid not null, consumer text not null, n int not null)');
});

afterAll(async () => {
  await db?.destroy();
});

describe('batching inbox', () => {
  it('applies a batch in one transaction, dead-letters a poison message without losing the rest, and an event delivered twice is processed once', async () => {
    const kafka = createKafka(uniqueName('batch-inbox'), kafkaBrokers());
    const consumer = uniqueName('batch-inbox');
    const topic = Topics.metrics;
    // The topic is shared with other suites running now: only this test's key counts (others' events are no-ops here).
    const key = uuidv7(); // one key: one partition, one ordered batch
    const inbox = new KafkaInboxServer({
      kafka, dataSource: db, consumer, topics: [topic], fromBeginning: false, maxAttempts: 2, retryBackoffMs: 10,
      batchHandler: async (envelopes, manager) => {
        for (const e of envelopes) {
          if (e.subject !== key) continue;
          const n = (e.data as { n: number }).n;
          if (n === 3) throw new Error('cannot apply n=3');
          await manager.query('insert into batch_inbox_effects (event_id, consumer, n) values ($1, $2, $3)', [e.id, consumer, n]);
        }
      },
    });
    inbox.addHandler('metrics_update', async ({ envelope, manager }: InboxMessage<{ date: string; n: number }>) => {
      if (envelope.subject !== key) return;
      if (envelope.data.n === 3) throw new Error('cannot apply n=3');
      await manager.query('insert into batch_inbox_effects (event_id, consumer, n) values ($1, $2, $3)', [envelope.id, consumer, envelope.data.n]);
    }, true);
    const dead: string[] = [];
    const dlq = kafka.consumer({ groupId: uniqueName('batch-dlq') });
    await dlq.connect();
    await dlq.subscribe({ topic: `${topic}.dlq`, fromBeginning: false });
    await dlq.run({ eachMessage: async ({ message }) => {
      if (message.headers?.['x-consumer']?.toString() === consumer && message.key?.toString() === key) dead.push(message.headers['x-error']!.toString());
    } });
    await new Promise<void>((resolve, reject) => void inbox.listen((err?: unknown) => (err ? reject(err as Error) : resolve())));
    const producer = kafka.producer();
    await producer.connect();
    try {
      await new Promise((r) => setTimeout(r, 4000)); // both consumers joined, reading from the latest offset
      const poison = { [TEST_POISON_HEADER]: 'batch-inbox' }; // poisoned on purpose: the run's dead-letter check expects these
      const events = [1, 2, 3, 4, 5].map((n) => ({ id: uuidv7(), type: 'metrics_update', version: 1, source: 'test', occurred_at: new Date().toISOString(), subject: key, correlation_id: null, data: { ...metricsUpdateData(), n } }));
      await producer.send({ topic, messages: [
        ...events.map((e) => ({ key, value: JSON.stringify(e), headers: e.data.n === 3 ? poison : {} })),
        { key, value: JSON.stringify(events[0]) }, // delivered twice
        { key, value: '{not json', headers: poison },
      ] });
      await waitFor(async () => dead.length >= 2 && (await db.query('select count(*)::int as n from batch_inbox_effects where consumer = $1', [consumer]))[0].n >= 4, 'the good events applied and the poison ones dead-lettered', 30_000);
      const effects = await db.query('select n from batch_inbox_effects where consumer = $1 order by n', [consumer]);
      expect(effects.map((e: { n: number }) => e.n)).toEqual([1, 2, 4, 5]);
      expect(dead).toEqual(expect.arrayContaining([expect.stringContaining('malformed JSON'), expect.stringContaining('handler failed 2 times: cannot apply n=3')]));
      expect(await db.query('select count(*)::int as n from inbox where consumer = $1 and event_id = any($2::uuid[])', [consumer, events.map((e) => e.id)])).toEqual([{ n: 4 }]);
      expect(inbox.stats.deadLettered).toBeGreaterThanOrEqual(2); // and any other suite's poison on the topic
      // The batch holding the poison event failed as a whole and was redone one event at a time.
      expect(inbox.stats.fallbacks).toBeGreaterThanOrEqual(1);
    } finally {
      await producer.disconnect();
      await dlq.disconnect();
      await inbox.close();
    }
  });
});
