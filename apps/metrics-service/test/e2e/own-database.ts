import { databaseName, dataSourceOptions, migrateDatabase } from '@wozamali/database';
import { serverUrl } from '@wozamali/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { migrations } from '../../src/migrations';

/**
 * A metrics database of a test file's own, made afresh (`<DB_PREFIX>_<suffix>_metrics`): its
 * metrics-service apps are a deployment of their own, so the other files' apps (which consume the
 * same topics into the shared test database) and these never take each other's events.
 */
export async function ownMetricsDatabase(suffix: string): Promise<{ env: Record<string, string>; db: DataSource }> {
  const prefix = `${process.env.DB_PREFIX || 'wozamali_test'}_${suffix}`;
  const database = databaseName(prefix, 'metrics-service');
  const admin = new Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${database} with (force)`);
  } finally {
    await admin.end();
  }
  await migrateDatabase({ serverUrl: serverUrl(), database, migrations });
  const db = await new DataSource(dataSourceOptions({ serverUrl: serverUrl(), database, poolSize: 2 })).initialize();
  return { env: { DATABASE_URL: serverUrl(), DB_PREFIX: prefix }, db };
}
