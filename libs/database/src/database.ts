import { Client, types } from 'pg';
import { DataSource, type DataSourceOptions, type EntityManager, type MixedList } from 'typeorm';

// int8 (bigint) columns hold cents and points. Amounts are capped below 2^53 at the edge and by
// check constraints, so they are read as JS numbers; a value past that is a bug and fails loudly.
types.setTypeParser(20, (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${value} is past 2^53`);
  return n;
});

/** `<prefix>_<service>`, e.g. `wozamali_wallet`. */
export function databaseName(prefix: string, service: string): string {
  return `${prefix}_${service.replace(/-service$/, '').replace(/-/g, '_')}`;
}

/** The server URL with its database replaced. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export interface ServiceDatabaseOptions {
  serverUrl: string;
  database: string;
  poolSize?: number;
  migrations?: MixedList<string | (new () => unknown)>;
  entities?: MixedList<string | (new () => unknown)>;
  applicationName?: string;
}

/** TypeORM options for a service's own database. Never `synchronize`: schema changes are migrations. */
export function dataSourceOptions(opts: ServiceDatabaseOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl(opts.serverUrl, opts.database),
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    entities: opts.entities ?? [],
    migrations: opts.migrations ?? [],
    logging: ['error'],
    applicationName: opts.applicationName ?? opts.database,
    extra: { max: opts.poolSize ?? 16, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000 },
  } as DataSourceOptions;
}

/** Creates the database on the server when it does not exist yet (idempotent, race-safe). */
export async function ensureDatabase(serverUrl: string, database: string): Promise<boolean> {
  if (!/^[a-z][a-z0-9_]*$/.test(database)) throw new Error(`bad database name ${database}`);
  const client = new Client({ connectionString: databaseUrl(serverUrl, 'postgres') });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount) return false;
    try {
      await client.query(`create database ${database}`);
    } catch (err) {
      if ((err as { code?: string }).code !== '42P04') throw err; // created concurrently
    }
    return true;
  } finally {
    await client.end();
  }
}

/** Drops a database (tests only reset their own prefixed databases). */
export async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  if (!/^[a-z][a-z0-9_]*$/.test(database)) throw new Error(`bad database name ${database}`);
  const client = new Client({ connectionString: databaseUrl(serverUrl, 'postgres') });
  await client.connect();
  try {
    await client.query(`drop database if exists ${database} with (force)`);
  } finally {
    await client.end();
  }
}

/**
 * Creates the database if missing and applies the service's pending migrations, under an
 * advisory lock so two instances starting together do not race.
 */
export async function migrateDatabase(opts: ServiceDatabaseOptions): Promise<string[]> {
  await ensureDatabase(opts.serverUrl, opts.database);
  const ds = new DataSource({ ...dataSourceOptions({ ...opts, poolSize: 2 }) });
  await ds.initialize();
  try {
    await ds.query('select pg_advisory_lock(hashtext($1))', [`migrations:${opts.database}`]);
    try {
      const applied = await ds.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await ds.query('select pg_advisory_unlock(hashtext($1))', [`migrations:${opts.database}`]);
    }
  } finally {
    await ds.destroy();
  }
}

/** Runs `fn` in one transaction on the data source. */
export function withTransaction<T>(ds: DataSource, fn: (manager: EntityManager) => Promise<T>): Promise<T> {
  return ds.transaction(fn);
}

/** Extracts the PostgreSQL error code (SQLSTATE) of a driver error, when there is one. */
export function pgErrorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}
