import * as pg from 'pg';
import { Client, types, type PoolClient, type PoolConfig } from 'pg';
import { DataSource, type DataSourceOptions, type EntityManager, type MixedList } from 'typeorm';

// int8 (bigint) columns hold cents and points. Amounts are capped below 2^53 at the edge and by
// check constraints, so they are read as JS numbers; a value past that is a bug and fails loudly.
types.setTypeParser(20, (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${value} is past 2^53`);
  return n;
});

const GUARDED = Symbol('wozamali.connectionErrorGuard');

/**
 * pg-pool takes its own 'error' listener off a connection while it is checked out, and the holder
 * may have none (a raw `pool.connect()`, or the instant between checkout and TypeORM adding its
 * own): the server ending such a connection (a restart, `pg_terminate_backend`, a failover) was an
 * unhandled 'error' event, which ends the whole process. Every connection of our pools keeps one
 * listener for its life: the error is logged, the holder's next query fails (the request answers
 * 503 or is retried), and the pool drops the connection when it comes back unqueryable.
 */
function guardConnection(client: PoolClient): void {
  const c = client as PoolClient & { [GUARDED]?: true };
  if (c[GUARDED]) return;
  c[GUARDED] = true;
  c.on('error', (err: Error) => {
    // One line on stderr, as pg's own notices: this library has no logger of its own.
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'warn', context: 'Database', msg: `a pooled connection failed: ${err.message}` })}\n`);
  });
}

/** The `pg` pool every DataSource of ours uses (see {@link guardConnection}). */
class GuardedPool extends pg.Pool {
  constructor(config?: PoolConfig) {
    super(config);
    this.on('connect', guardConnection);
    this.on('acquire', guardConnection);
  }
}

/** `pg` as TypeORM's driver, with {@link GuardedPool} for its Pool (everything else is pg's own). */
const guardedPg: typeof pg = Object.create(pg, { Pool: { value: GuardedPool, enumerable: true } }) as typeof pg;

/** `<prefix>_<service>`, e.g. `wozamali_wallet`. */
export function databaseName(prefix: string, service: string): string {
  return `${prefix}_${service.replace(/-service$/, '').replace(/-/g, '_')}`;
}

/** A PostgreSQL login: a role and, unless the server trusts it, its password. */
export interface DatabaseLogin {
  user: string;
  password?: string;
}

/** The server URL with its database replaced (and its login, when one is given). */
export function databaseUrl(serverUrl: string, database: string, login?: DatabaseLogin): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  if (login) {
    url.username = encodeURIComponent(login.user);
    url.password = login.password ? encodeURIComponent(login.password) : '';
  }
  return url.toString();
}

/**
 * The role a service logs in as: `DB_USER` when set (required in production, see CommonEnv), else
 * the role named like the service's database (`<DB_PREFIX>_<service>`), which scripts/migrate.js and
 * {@link migrateDatabase} make and which owns that database only.
 */
export function serviceLogin(env: { DB_PREFIX: string; DB_USER?: string; DB_PASSWORD?: string }, service: string): DatabaseLogin {
  return { user: env.DB_USER || databaseName(env.DB_PREFIX, service), ...(env.DB_PASSWORD ? { password: env.DB_PASSWORD } : {}) };
}

/** URL of a service's own database, logged in as the service's own role. */
export function serviceDatabaseUrl(env: { DATABASE_URL: string; DB_PREFIX: string; DB_USER?: string; DB_PASSWORD?: string }, service: string): string {
  return databaseUrl(env.DATABASE_URL, databaseName(env.DB_PREFIX, service), serviceLogin(env, service));
}

export interface ServiceDatabaseOptions {
  serverUrl: string;
  database: string;
  /** Log in as this role instead of the server URL's user (a service's own role). */
  login?: DatabaseLogin;
  poolSize?: number;
  migrations?: MixedList<string | (new () => unknown)>;
  entities?: MixedList<string | (new () => unknown)>;
  applicationName?: string;
}

/** TypeORM options for a service's own database. Never `synchronize`: schema changes are migrations. */
export function dataSourceOptions(opts: ServiceDatabaseOptions): DataSourceOptions {
  return {
    type: 'postgres',
    driver: guardedPg,
    url: databaseUrl(opts.serverUrl, opts.database, opts.login),
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    entities: opts.entities ?? [],
    migrations: opts.migrations ?? [],
    logging: ['error'],
    applicationName: opts.applicationName ?? opts.database,
    // A loaded server can take seconds to start a backend: wait up to 20 s for a connection (a request that
    // still gets none answers 503, retry with the same key: see ProblemFilter).
    extra: { max: opts.poolSize ?? 16, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 20_000 },
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

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Least privilege for a service's database, run as the admin of the server URL (idempotent,
 * race-safe): the owner role exists (LOGIN, no superuser, no CREATEDB/CREATEROLE; its password set
 * when given), the database exists and is owned by it, PUBLIC may not connect to it, and the objects
 * an earlier admin-run migration left in its `public` schema are handed to the owner.
 */
export async function ensureServiceDatabase(serverUrl: string, database: string, owner: DatabaseLogin): Promise<void> {
  if (!IDENTIFIER.test(database)) throw new Error(`bad database name ${database}`);
  if (!IDENTIFIER.test(owner.user)) throw new Error(`bad role name ${owner.user}`);
  const admin = new Client({ connectionString: databaseUrl(serverUrl, 'postgres') });
  await admin.connect();
  try {
    // Roles are per server: two migrations (two test runs) can race to make the same one.
    await admin.query('select pg_advisory_lock(hashtext($1))', [`role:${owner.user}`]);
    try {
      const found = await admin.query('select 1 from pg_roles where rolname = $1', [owner.user]);
      if (!found.rowCount) await admin.query(`create role ${owner.user} login nosuperuser nocreatedb nocreaterole noinherit`);
      if (owner.password) await admin.query(`alter role ${owner.user} with login password ${quoteLiteral(owner.password)}`);
    } finally {
      await admin.query('select pg_advisory_unlock(hashtext($1))', [`role:${owner.user}`]);
    }
    const db = await admin.query<{ owner: string }>('select pg_get_userbyid(datdba) as owner from pg_database where datname = $1', [database]);
    if (!db.rowCount) {
      try {
        await admin.query(`create database ${database} owner ${owner.user}`);
      } catch (err) {
        if ((err as { code?: string }).code !== '42P04') throw err; // created concurrently
      }
    } else if (db.rows[0]!.owner !== owner.user) {
      await admin.query(`alter database ${database} owner to ${owner.user}`);
    }
    await admin.query(`revoke all on database ${database} from public`);
  } finally {
    await admin.end();
  }
  const inDb = new Client({ connectionString: databaseUrl(serverUrl, database) });
  await inDb.connect();
  try {
    // The owner creates its tables in `public` (PostgreSQL 15 lets only the schema's owner create there).
    await inDb.query(`alter schema public owner to ${owner.user}`);
    const stale = await inDb.query<{ kind: string; name: string }>(
      `select case c.relkind when 'S' then 'sequence' when 'v' then 'view' when 'm' then 'materialized view' else 'table' end as kind,
              format('%I.%I', n.nspname, c.relname) as name
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'S')
          and pg_get_userbyid(c.relowner) <> $1
          and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype in ('a', 'i') and c.relkind = 'S')`,
      [owner.user],
    );
    for (const row of stale.rows) await inDb.query(`alter ${row.kind} ${row.name} owner to ${owner.user}`);
    const types = await inDb.query<{ name: string }>(
      `select format('%I.%I', n.nspname, t.typname) as name from pg_type t join pg_namespace n on n.oid = t.typnamespace
        where n.nspname = 'public' and t.typtype in ('e', 'd', 'c') and pg_get_userbyid(t.typowner) <> $1
          and not exists (select 1 from pg_class c where c.oid = t.typrelid and c.relkind <> 'c')`,
      [owner.user],
    );
    for (const row of types.rows) await inDb.query(`alter type ${row.name} owner to ${owner.user}`);
    const functions = await inDb.query<{ sig: string }>(
      `select p.oid::regprocedure::text as sig from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'public' and pg_get_userbyid(p.proowner) <> $1`,
      [owner.user],
    );
    for (const row of functions.rows) await inDb.query(`alter routine ${row.sig} owner to ${owner.user}`);
  } finally {
    await inDb.end();
  }
}

/**
 * Creates the database if missing and applies the service's pending migrations, under an
 * advisory lock so two instances starting together do not race. The database belongs to `owner`
 * (default: the role named like the database, see {@link serviceLogin}), made if missing, and the
 * migrations run as that role (the admin of the server URL switches to it), so it owns its tables;
 * `owner: false` keeps the admin's ownership (scratch databases of library tests).
 */
export async function migrateDatabase(opts: ServiceDatabaseOptions & { owner?: DatabaseLogin | false }): Promise<string[]> {
  const owner = opts.owner === false ? null : (opts.owner ?? { user: opts.database });
  if (owner) await ensureServiceDatabase(opts.serverUrl, opts.database, owner);
  else await ensureDatabase(opts.serverUrl, opts.database);
  const base = dataSourceOptions({ ...opts, login: undefined, poolSize: 2 });
  const ds = new DataSource({
    ...base,
    ...(owner ? { extra: { ...(base as { extra: object }).extra, options: `-c role=${owner.user}` } } : {}),
  } as DataSourceOptions);
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
