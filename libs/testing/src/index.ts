import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { databaseName, databaseUrl, dataSourceOptions } from '@wozamali/database';
import { DataSource } from 'typeorm';
import { serviceKeyEnv } from './service-tokens';
import { SERVICE_NAMES } from '@wozamali/auth';

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
 * tests that stop and start Kafka without disturbing the tests that share the main test broker. It
 * has the checkout's SCRAM users (.run/kafka-credentials.json) and no ACLs until
 * scripts/kafka-topics.js runs on it; the tests' clients log in as the admin.
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

export interface SpawnedService {
  url: string;
  pid: number;
  output(): string;
  /** SIGTERM (graceful) or SIGKILL (a crash); resolves with the exit code or signal. */
  stop(signal?: NodeJS.Signals): Promise<number | string | null>;
}

/**
 * Starts a service from its build (`apps/<service>/dist/main.js`, built by scripts/build.js) as a
 * separate process on the test databases and broker, with the test service keys (see
 * `service-tokens.ts`), and waits until it answers /health/ready.
 */
export async function spawnService(service: string, port: number, env: NodeJS.ProcessEnv = {}): Promise<SpawnedService> {
  const { spawn } = await import('node:child_process');
  // The service logs in to Kafka and PostgreSQL as itself (its development user and role), never
  // with the admin credentials the tests' own clients use.
  const inherited = { ...process.env };
  for (const key of ['KAFKA_ADMIN_USERNAME', 'KAFKA_ADMIN_PASSWORD', 'KAFKA_ADMIN_MECHANISM']) delete inherited[key];
  const child = spawn(process.execPath, [path.join(ROOT, 'apps', service, 'dist', 'main.js')], {
    cwd: ROOT,
    env: { ...inherited, DB_PREFIX: process.env.DB_PREFIX || 'wozamali_test', KAFKA_BROKERS: kafkaBrokers(), PORT: String(port), LOG_LEVEL: 'warn', GATEWAY_METRICS_PORT: '0', ...((SERVICE_NAMES as readonly string[]).includes(service) ? serviceKeyEnv(service) : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-20_000); });
  child.stderr!.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-20_000); });
  const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`exited: ${out}`);
      return (await fetch(`${url}/health/ready`)).ok;
    }, `${service} to be ready`, 60_000, 200);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${out}`);
  }
  return {
    url,
    pid: child.pid!,
    output: () => out,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
export * from './fuzz';
export * from './stub-server';
export * from './service-tokens';

/** A TCP port on 127.0.0.1 with nothing listening (bound, then released): for a server to start on, or to find closed. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export * from './webhook-receiver';
export * from './sample-events';
export * from './service-auth-suite';
