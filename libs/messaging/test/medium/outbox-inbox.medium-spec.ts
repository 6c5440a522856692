import { Topics, uuidv7, type WalletUpdateData } from '@wozamali/contracts';
import { createKafka, KafkaInboxServer, MessagingTables1764000000000, OutboxRelay, OutboxWriter, TEST_POISON_HEADER, type InboxMessage } from '../../src';
import { kafkaBrokers, metricsUpdateData, openTestDataSource, serverUrl, uniqueName, waitFor } from '@wozamali/testing';
import { databaseName, databaseUrl, dataSourceOptions, migrateDatabase } from '@wozamali/database';
import { DataSource } from 'typeorm';

// The producing side writes into a database of its own (so its relay publishes only this test's
// events), the consuming side into the metrics-service's: two databases, the real broker between.
const producerDbName = databaseName(process.env.DB_PREFIX || 'wozamali_test', 'spine_outbox');
let producerDb: DataSource;
let consumerDb: DataSource;

function walletUpdate(userId: string, n: number): WalletUpdateData {
  return {
    user_id: userId, wallet_id: userId, transfer_id: uuidv7(), kind: 'earn', currency: 'ZAR',
    balance_change: n, points_change: n, description: `test ${n}`, new_balance: n, new_points: n, held: 0,
  };
}

beforeAll(async () => {
  await migrateDatabase({ serverUrl: serverUrl(), database: producerDbName, migrations: [MessagingTables1764000000000] });
  producerDb = await new DataSource(dataSourceOptions({ serverUrl: serverUrl(), database: producerDbName, poolSize: 4 })).initialize();
  consumerDb = await openTestDataSource('metrics-service');
  await producerDb.query('create table if not exists spine_business_rows (id uuid primary key, note text not null)');
  await consumerDb.query('create table if not exists spine_effects (event_id uuid not null, consumer text not null, user_id uuid not null, n int not null)');
});

afterAll(async () => {
  await producerDb.destroy();
  await consumerDb.destroy();
});

describe('outbox -> Kafka -> inbox', () => {
  it('publishes a business row and its event written in one transaction; a consumer in another service applies it once, even when delivered twice', async () => {
    const kafka = createKafka(uniqueName('spine'), kafkaBrokers());
    const consumer = uniqueName('spine-consumer');
    const relay = new OutboxRelay({ service: uniqueName('spine-relay'), connectionString: databaseUrl(serverUrl(), producerDbName), kafka });
    const inbox = new KafkaInboxServer({ kafka, dataSource: consumerDb, consumer, topics: [Topics.wallet] });
    const received: InboxMessage<WalletUpdateData>['envelope'][] = [];
    inbox.addHandler('wallet_update', async ({ envelope, manager }: InboxMessage<WalletUpdateData>) => {
      received.push(envelope);
      await manager.query('insert into spine_effects (event_id, consumer, user_id, n) values ($1, $2, $3, $4)', [envelope.id, consumer, envelope.data.user_id, envelope.data.balance_change]);
    }, true);
    const outbox = new OutboxWriter('wallet-service');
    const userId = uuidv7();
    const rowId = uuidv7();

    const [event] = await producerDb.transaction(async (tx) => {
      await tx.query('insert into spine_business_rows (id, note) values ($1, $2)', [rowId, 'credited']);
      return outbox.add(tx, { type: 'wallet_update', subject: userId, data: walletUpdate(userId, 7), correlation_id: 'req-1' });
    });
    // A transaction that rolls back leaves neither the row nor the event.
    const rolledBackUser = uuidv7();
    await expect(producerDb.transaction(async (tx) => {
      await tx.query('insert into spine_business_rows (id, note) values ($1, $2)', [uuidv7(), 'rolled back']);
      await outbox.add(tx, { type: 'wallet_update', subject: rolledBackUser, data: walletUpdate(rolledBackUser, 1) });
      throw new Error('business rule failed');
    })).rejects.toThrow('business rule failed');
    expect(await producerDb.query('select count(*)::int as n from outbox where key = $1', [rolledBackUser])).toEqual([{ n: 0 }]);

    relay.start();
    await inbox.listen(() => undefined);
    try {
      const arrived = await waitFor(() => received.find((e) => e.id === event!.id), 'the event at the consumer', 30_000);
      expect(arrived).toMatchObject({ type: 'wallet_update', source: 'wallet-service', subject: userId, correlation_id: 'req-1', data: { balance_change: 7 } });
      const published = await producerDb.query('select published_at from outbox where id = $1', [event!.id]);
      expect(published[0].published_at).not.toBeNull();

      // The same event delivered again (a redelivery after a crash): no second effect.
      // (The topic is shared with other suites and holds at-least-once copies of their events, so
      // the inbox's total duplicate count says nothing about this one: ask for this event's outcome.)
      const outcome = await inbox.handleMessage({ topic: Topics.wallet, partition: 0, message: { key: Buffer.from(userId), value: Buffer.from(JSON.stringify(event)), offset: '0', timestamp: '0', attributes: 0, headers: {} } });
      const effects = await consumerDb.query('select count(*)::int as n from spine_effects where event_id = $1 and consumer = $2', [event!.id, consumer]);
      expect(effects).toEqual([{ n: 1 }]);
      expect(outcome).toBe('duplicate');
      expect(received.some((e) => e.subject === rolledBackUser)).toBe(false);
    } finally {
      await inbox.close();
      await relay.stop();
    }
  });

  it('a poison message goes to the DLQ with its error, and the partition keeps flowing', async () => {
    const kafka = createKafka(uniqueName('dlq'), kafkaBrokers());
    const topic = Topics.metrics;
    const consumer = uniqueName('dlq-consumer');
    const inbox = new KafkaInboxServer({ kafka, dataSource: consumerDb, consumer, topics: [topic], maxAttempts: 3, retryBackoffMs: 20, fromBeginning: false });
    // The topic is shared with other suites running now: only this test's key counts.
    const key = uuidv7();
    const handled = new Set<number>();
    inbox.addHandler('metrics_update', async ({ envelope }: InboxMessage<{ date: string; n: number }>) => {
      if (envelope.subject !== key) return;
      if (envelope.data.n === 2) throw new Error('cannot apply n=2');
      handled.add(envelope.data.n); // in memory, so a rolled-back batch attempt may add twice: a set
    }, true);
    const dlqConsumer = kafka.consumer({ groupId: uniqueName('dlq-reader') });
    const dead: { value: string; error: string }[] = [];
    await dlqConsumer.connect();
    await dlqConsumer.subscribe({ topic: `${topic}.dlq`, fromBeginning: false });
    await dlqConsumer.run({ eachMessage: async ({ message }) => {
      if (message.headers?.['x-consumer']?.toString() === consumer && message.key?.toString() === key) dead.push({ value: message.value!.toString(), error: message.headers['x-error']!.toString() });
    } });
    await inbox.listen(() => undefined);
    const producer = kafka.producer();
    await producer.connect();
    try {
      // Wait until both consumers have joined (their first poll from the latest offset).
      await new Promise((r) => setTimeout(r, 4000));
      const poison = { [TEST_POISON_HEADER]: 'outbox-inbox' }; // poisoned on purpose: the run's dead-letter check expects these
      const event = (n: number) => JSON.stringify({ id: uuidv7(), type: 'metrics_update', version: 1, source: 'test', occurred_at: new Date().toISOString(), subject: key, correlation_id: null, data: { ...metricsUpdateData(), n } });
      await producer.send({ topic, messages: [
        { key, value: event(1) },
        { key, value: '{not json', headers: poison },
        { key, value: event(2), headers: poison },
        { key, value: JSON.stringify({ id: 'nope', type: 'metrics_update' }), headers: poison },
        { key, value: event(3) },
      ] });
      await waitFor(() => handled.has(3) && dead.length >= 3, 'the good messages handled and the poison ones dead-lettered', 30_000);
      expect([...handled].sort()).toEqual([1, 3]);
      expect(dead.map((d) => d.error).sort()).toEqual([
        expect.stringContaining('handler failed 3 times: cannot apply n=2'),
        expect.stringContaining('invalid envelope'),
        expect.stringContaining('malformed JSON'),
      ]);
      expect(inbox.stats.deadLettered).toBeGreaterThanOrEqual(3); // and any other suite's poison on the topic
    } finally {
      await producer.disconnect();
      await dlqConsumer.disconnect();
      await inbox.close();
    }
  });

  it('prunes inbox rows past retention (by id and by processing time), only its own consumer\'s, and nothing newer', async () => {
    const consumer = uniqueName('inbox-prune');
    const other = uniqueName('inbox-prune-other');
    const inbox = new KafkaInboxServer({ kafka: createKafka(uniqueName('inbox-prune'), kafkaBrokers()), dataSource: consumerDb, consumer, topics: [Topics.metrics], retentionMs: 30 * 24 * 3600 * 1000 });
    const day = 24 * 3600 * 1000;
    const rows = {
      expired: [consumer, uuidv7(Date.now() - 40 * day), 40],
      recentId: [consumer, uuidv7(), 40], // processed long ago but with a recent id: kept
      recentlyProcessed: [consumer, uuidv7(Date.now() - 40 * day), 0], // an old event handled today: kept
      young: [consumer, uuidv7(Date.now() - 29 * day), 29],
      othersExpired: [other, uuidv7(Date.now() - 40 * day), 40],
    } as const;
    for (const [c, id, daysAgo] of Object.values(rows)) {
      await consumerDb.query(`insert into inbox (consumer, event_id, event_type, processed_at) values ($1, $2, 'metrics_update', now() - $3 * interval '1 day')`, [c, id, daysAgo]);
    }
    expect(await inbox.prune()).toBe(1);
    const left = (await consumerDb.query('select event_id from inbox where consumer in ($1, $2)', [consumer, other])).map((r: { event_id: string }) => r.event_id).sort();
    expect(left).toEqual([rows.recentId[1], rows.recentlyProcessed[1], rows.young[1], rows.othersExpired[1]].sort());
    expect(await inbox.prune()).toBe(0);
  });

  it('prunes published rows past retention and never an unpublished one', async () => {
    const kafka = createKafka(uniqueName('prune'), kafkaBrokers());
    const old = uuidv7();
    const pending = uuidv7();
    await producerDb.query(`insert into outbox (id, topic, key, type, payload, published_at, created_at) values ($1, 'x', null, 't', '{}', now() - interval '8 days', now() - interval '8 days')`, [old]);
    const relay = new OutboxRelay({ service: uniqueName('prune-relay'), connectionString: databaseUrl(serverUrl(), producerDbName), kafka, retentionMs: 7 * 24 * 3600 * 1000, pruneIntervalMs: 50 });
    const outbox = new OutboxWriter('prune-test');
    await producerDb.transaction((tx) => outbox.add(tx, { type: 'metrics_update', topic: Topics.metrics, subject: pending, data: metricsUpdateData() }));
    relay.start();
    try {
      await waitFor(async () => (await producerDb.query('select 1 from outbox where id = $1', [old])).length === 0, 'the old row pruned', 15_000);
      const fresh = await waitFor(async () => (await producerDb.query('select published_at from outbox where key = $1', [pending]))[0]?.published_at, 'the new row published', 15_000);
      expect(fresh).toBeInstanceOf(Date);
    } finally {
      await relay.stop();
    }
  });
});
