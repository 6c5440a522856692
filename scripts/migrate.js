#!/usr/bin/env node
// Creates each service's database if missing and applies its TypeORM migrations (never synchronize).
// Runs as the admin of DATABASE_URL: each service's role (LOGIN, no superuser) is made if missing and
// owns its database, which PUBLIC may not connect to; the migrations run as that role, so it owns
// its tables. The role is DB_USER_<SERVICE> (e.g. DB_USER_WALLET_SERVICE), default `<DB_PREFIX>_<service>`
// like the database; DB_PASSWORD_<SERVICE> sets its password (production).
// Usage: node scripts/migrate.js [--reset] [service ...]   (--reset drops the databases first; tests only)
'use strict';
const path = require('node:path');
const { databaseName, dropDatabase, migrateDatabase } = require('../libs/database/dist');

const root = path.resolve(__dirname, '..');
const ALL = ['wallet-service', 'rewards-service', 'donations-service', 'withdrawals-service', 'metrics-service', 'webhook-dispatcher', 'api-gateway'];

(async () => {
  const args = process.argv.slice(2);
  const reset = args.includes('--reset');
  const services = args.filter((a) => !a.startsWith('--'));
  const serverUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const prefix = process.env.DB_PREFIX || 'wozamali';
  for (const service of services.length ? services : ALL) {
    const { migrations } = require(path.join(root, 'apps', service, 'dist', 'migrations'));
    const database = databaseName(prefix, service);
    if (reset) await dropDatabase(serverUrl, database);
    const key = service.toUpperCase().replace(/-/g, '_');
    const owner = { user: process.env[`DB_USER_${key}`] || database, password: process.env[`DB_PASSWORD_${key}`] || undefined };
    const applied = await migrateDatabase({ serverUrl, database, migrations, owner });
    console.log(`[migrate] ${database} (owner ${owner.user}): ${applied.length ? applied.join(', ') : 'up to date'}`);
  }
})().catch((err) => {
  console.error('[migrate] failed:', err.message);
  process.exit(1);
});
