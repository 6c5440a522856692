import { Client } from 'pg';
import { databaseName, databaseUrl, serviceDatabaseUrl, serviceLogin } from '../../src';

// Issue 18: each service logs in to PostgreSQL as its own role, owner of its own database only.
// scripts/test.sh migrated the test databases (scripts/migrate.js), which made the roles.
const env = { DATABASE_URL: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres', DB_PREFIX: process.env.DB_PREFIX || 'wozamali_test' };

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

it("lets the wallet-service's role open its own database, owning its tables, without being a superuser", async () => {
  const db = await connect(serviceDatabaseUrl(env, 'wallet-service'));
  try {
    const who = await db.query<{ user: string; superuser: boolean; createdb: boolean }>(
      'select current_user as user, rolsuper as superuser, rolcreatedb as createdb from pg_roles where rolname = current_user',
    );
    expect(who.rows[0]).toEqual({ user: databaseName(env.DB_PREFIX, 'wallet-service'), superuser: false, createdb: false });
    // The tables its migrations made (other tests add scratch tables of their own as the admin).
    const tables = ['typeorm_migrations', 'outbox', 'inbox', 'accounts', 'transfers', 'postings'];
    const owners = await db.query<{ table: string; owner: string }>(
      "select tablename as table, tableowner as owner from pg_tables where schemaname = 'public' and tablename = any($1) order by tablename",
      [tables],
    );
    expect(owners.rows).toEqual([...tables].sort().map((table) => ({ table, owner: databaseName(env.DB_PREFIX, 'wallet-service') })));
    await db.query('select count(*) from outbox');
  } finally {
    await db.end();
  }
});

it.each(['rewards-service', 'api-gateway', 'webhook-dispatcher'])("refuses the wallet-service's role a connection to the %s database", async (other) => {
  const url = databaseUrl(env.DATABASE_URL, databaseName(env.DB_PREFIX, other), serviceLogin(env, 'wallet-service'));
  const err = await connect(url).then(
    async (c) => { await c.end(); return null; },
    (e: unknown) => e as { code?: string; message: string },
  );
  expect(err?.code).toBe('42501'); // insufficient_privilege: "permission denied for database"
  expect(err?.message).toMatch(/permission denied for database/);
});
