import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { databaseName, databaseUrl, dataSourceOptions } from '@wozamali/database';
import { DataSource } from 'typeorm';

const exec = promisify(execFile);

/** The monorepo root. */
export const ROOT = path.resolve(__dirname, '../../..');

/** PostgreSQL server URL the tests use (the real server; no mocks). */
export function serverUrl(): string {
  return process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** The test database of a service (`wozamali_test_<service>`), migrated by scripts/test.sh. */
export function testDatabase(service: string): string {
  return databaseName(process.env.DB_PREFIX || 'wozamali_test', service);
}

export function testDatabaseUrl(service: string): string {
  return databaseUrl(serverUrl(), testDatabase(service));
}

/** An initialised TypeORM data source on a service's test database. */
export async function openTestDataSource(service: string, poolSize = 8): Promise<DataSource> {
  const ds = new DataSource(dataSourceOptions({ serverUrl: serverUrl(), database: testDatabase(service), poolSize }));
  return ds.initialize();
}

/** The real Kafka broker the tests use. */
export function kafkaBrokers(): string {
  return process.env.KAFKA_BROKERS || `127.0.0.1:${process.env.KAFKA_PORT || 19092}`;
}

/** A name unique to this test run, for consumer groups, relay names and ids. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Polls `probe` until it returns a truthy value, or fails after `timeoutMs` with `what`. */
export async function waitFor<T>(probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, what: string, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A broker of the test's own (a second KRaft node on other ports, started by scripts/infra.sh), for
 * tests that stop and start Kafka without disturbing the tests that share the main test broker.
 */
export class DisposableBroker {
  constructor(readonly port: number, readonly controllerPort = port + 1) {}

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  private env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_PORT: String(this.port), KAFKA_CONTROLLER_PORT: String(this.controllerPort), KAFKA_HEAP: '512m' };
    delete env.KAFKA_BROKERS;
    return env;
  }

  async start(): Promise<void> {
    await exec('bash', [path.join(ROOT, 'scripts/infra.sh'), 'kafka-up'], { env: this.env(), cwd: ROOT });
  }

  async stop(): Promise<void> {
    await exec('bash', [path.join(ROOT, 'scripts/infra.sh'), 'kafka-down'], { env: this.env(), cwd: ROOT });
  }
}
