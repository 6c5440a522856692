import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { databaseName, dataSourceOptions, serviceLogin } from '../../src';

// Found by the chaos suite (terminate every connection of the withdrawals' database): a pooled
// connection that is checked out but idle (a transaction waiting on another service's answer)
// has no 'error' listener once pg-pool hands it out, so the server ending it was an unhandled
// 'error' event and killed the whole process. Every DataSource built from dataSourceOptions now
// keeps a listener on every connection: the connection is dropped, the request that held it
// fails, and the process lives.
const env = { DATABASE_URL: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres', DB_PREFIX: process.env.DB_PREFIX || 'wozamali_test' };

it('a checked-out, idle connection ended by the server does not crash the process; its holder fails, the pool serves on', async () => {
  const database = databaseName(env.DB_PREFIX, 'wallet-service');
  const ds = new DataSource(dataSourceOptions({ serverUrl: env.DATABASE_URL, database, login: serviceLogin(env, 'wallet-service'), poolSize: 2, applicationName: 'terminated-connection-test' }));
  await ds.initialize();
  const admin = new Client({ connectionString: env.DATABASE_URL });
  await admin.connect();
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  // jest would fail the test on an uncaught exception anyway; recording it also says what it was.
  process.on('uncaughtException', onUncaught);
  try {
    const qr = ds.createQueryRunner();
    await qr.connect();
    await qr.startTransaction();
    const [{ pid }] = (await qr.query('select pg_backend_pid() as pid')) as [{ pid: number }];
    // Idle in its transaction, as while waiting on an HTTP answer; the server ends it.
    await admin.query('select pg_terminate_backend($1)', [pid]);
    await new Promise((r) => setTimeout(r, 300));
    expect(uncaught).toEqual([]);
    await expect(qr.query('select 1')).rejects.toThrow();
    await qr.release();
    // The pool drops the broken connection and serves the next request with a new one.
    expect(await ds.query('select 1 as one')).toEqual([{ one: 1 }]);
    expect(uncaught).toEqual([]);

    // A connection taken from the pool directly (as the wallet's ledger does) holds no listener of
    // its own: ended by the server while checked out and idle, it must not crash the process either.
    const pool = (ds.driver as unknown as { master: { connect(): Promise<{ query(q: string): Promise<{ rows: { pid: number }[] }>; release(err?: Error): void }> } }).master;
    const raw = await pool.connect();
    const rawPid = (await raw.query('select pg_backend_pid() as pid')).rows[0]!.pid;
    await admin.query('select pg_terminate_backend($1)', [rawPid]);
    await new Promise((r) => setTimeout(r, 300));
    expect(uncaught).toEqual([]);
    await expect(raw.query('select 1')).rejects.toThrow();
    raw.release();
    expect(await ds.query('select 2 as two')).toEqual([{ two: 2 }]);
    expect(uncaught).toEqual([]);
  } finally {
    process.off('uncaughtException', onUncaught);
    await admin.end();
    await ds.destroy();
  }
});
