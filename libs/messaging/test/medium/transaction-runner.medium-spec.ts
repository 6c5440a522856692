import { uuidv7, type WalletUpdateData } from '@wozamali/contracts';
import { databaseName, databaseUrl, dataSourceOptions, migrateDatabase } from '@wozamali/database';
import { kafkaBrokers, serverUrl, uniqueName, waitFor } from '@wozamali/testing';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { createKafka, MessagingTables1764000000000, OutboxNotifier, OutboxRelay, OutboxWriter, TransactionRunner } from '../../src';

// A database of its own, so its relay publishes only this test's events. The relay polls once a
// minute: an event published within seconds was published because the commit woke the relay.
const dbName = databaseName(process.env.DB_PREFIX || 'wozamali_test', 'spine_txrunner');
let db: DataSource;
let relay: OutboxRelay;
let runner: TransactionRunner;
let pokes = 0;

function walletUpdate(userId: string): WalletUpdateData {
  return {
    user_id: userId, wallet_id: uuidv7(), transfer_id: uuidv7(), kind: 'earn', currency: 'ZAR',
    balance_change: 0, points_change: 3, description: 'runner test', new_balance: 0, new_points: 3, held: 0,
  };
}

const publishedAt = async (id: string): Promise<Date | null> =>
  ((await db.query('select published_at from outbox where id = $1', [id])) as { published_at: Date | null }[])[0]?.published_at ?? null;

beforeAll(async () => {
  await migrateDatabase({ serverUrl: serverUrl(), database: dbName, migrations: [MessagingTables1764000000000] });
  db = await new DataSource(dataSourceOptions({ serverUrl: serverUrl(), database: dbName, poolSize: 4 })).initialize();
  await db.query('create table if not exists runner_rows (id uuid primary key)');
  // Earlier runs' rows would make the relay's first pass slow: start from an empty outbox.
  await db.query('delete from outbox');
  relay = new OutboxRelay({ service: uniqueName('runner-relay'), connectionString: databaseUrl(serverUrl(), dbName), kafka: createKafka(uniqueName('runner'), kafkaBrokers()), pollIntervalMs: 60_000 });
  const notifier = new OutboxNotifier((db.driver as unknown as { master: Pool }).master, 5, () => {
    pokes += 1;
    relay.wake();
  });
  runner = new TransactionRunner(db, new OutboxWriter('wallet-service'), notifier);
  relay.start();
  await waitFor(() => relay.getStatus().active, 'the relay to take its lock', 20_000);
});

afterAll(async () => {
  await relay.stop();
  await db.destroy();
});

describe('TransactionRunner', () => {
  it('commits the state change with its events and wakes the relay, which publishes at once', async () => {
    const userId = uuidv7();
    const rowId = uuidv7();
    const before = pokes;
    const [event] = await runner.run(async (tx) => {
      await tx.manager.query('insert into runner_rows (id) values ($1)', [rowId]);
      return tx.emit({ type: 'wallet_update', subject: userId, data: walletUpdate(userId) });
    });
    expect(pokes).toBe(before + 1);
    expect(await db.query('select count(*)::int as n from runner_rows where id = $1', [rowId])).toEqual([{ n: 1 }]);
    await waitFor(() => publishedAt(event!.id), 'the event published', 10_000);
  });

  it('an outbox write that does not go through it waits for the poll', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300)); // the last test's NOTIFY has been and gone
    const userId = uuidv7();
    const [event] = await db.transaction((m) => new OutboxWriter('wallet-service').add(m, { type: 'wallet_update', subject: userId, data: walletUpdate(userId) }));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await publishedAt(event!.id)).toBeNull();
    // Woken, the relay takes it too.
    relay.wake();
    await waitFor(() => publishedAt(event!.id), 'the event published once woken', 10_000);
  });

  it('neither writes nor wakes when the callback fails, and does not wake for a transaction without events', async () => {
    const userId = uuidv7();
    const rowId = uuidv7();
    const before = pokes;
    await expect(runner.run(async (tx) => {
      await tx.manager.query('insert into runner_rows (id) values ($1)', [rowId]);
      await tx.emit({ type: 'wallet_update', subject: userId, data: walletUpdate(userId) });
      throw new Error('business rule failed');
    })).rejects.toThrow('business rule failed');
    expect(await db.query('select count(*)::int as n from outbox where key = $1', [userId])).toEqual([{ n: 0 }]);
    expect(await db.query('select count(*)::int as n from runner_rows where id = $1', [rowId])).toEqual([{ n: 0 }]);

    expect(await runner.run(async (tx) => {
      await tx.manager.query('insert into runner_rows (id) values ($1)', [uuidv7()]);
      return 'no events';
    })).toBe('no events');
    expect(await runner.run(async (tx) => (await tx.emit()).length)).toBe(0);
    expect(pokes).toBe(before);
  });
});
