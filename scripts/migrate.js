#!/usr/bin/env node
// Creates each service's database if missing and applies its TypeORM migrations (never synchronize).
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
    const applied = await migrateDatabase({ serverUrl, database, migrations });
    console.log(`[migrate] ${database}: ${applied.length ? applied.join(', ') : 'up to date'}`);
  }
})().catch((err) => {
  console.error('[migrate] failed:', err.message);
  process.exit(1);
});
