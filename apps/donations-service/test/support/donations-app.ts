import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { validateEnv } from '@wozamali/config';
import { uuidv7 } from '@wozamali/contracts';
import { buildService } from '@wozamali/platform';
import { freePort, kafkaBrokers, openTestDataSource, serviceAuthHeaders, serviceKeyEnv, spawnService, type SpawnedService } from '@wozamali/testing';
import type { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { callers } from '../../src/config/callers';
import { DonationsServiceEnv } from '../../src/config/env';

export interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

export type As = { user: string } | { admin: true | string } | { service: string };

export interface DonationsHarness {
  app: NestFastifyApplication;
  url: string;
  db: DataSource;
  wallet: SpawnedService;
  walletPort: number;
  call(method: string, path: string, as: As, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  /** A POST with a fresh Idempotency-Key unless one is given. */
  post(path: string, as: As, body: unknown, key?: string): Promise<Answer>;
  get(path: string, as: As): Promise<Answer>;
  /** The wallet's public API, as the gateway. */
  walletCall(method: string, path: string, body?: unknown): Promise<Answer>;
  /** Gives a resident money (cents) and points in the real wallet. */
  fund(userId: string, cents: number, points: number): Promise<void>;
  restartWallet(): Promise<void>;
  /** Spends a resident's points in the real wallet. */
  spend(userId: string, points: number): Promise<void>;
}

async function request(url: string, method: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  const res = await fetch(url, { method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

const ADMIN_ID = '0190f6b0-0000-7000-8000-00000000ad01';

/**
 * The donations-service in this process on a free port (real PostgreSQL and Kafka) and the real
 * wallet-service as a separate process (its build), which a test may stop and start again.
 */
export function useDonations(overrides: Record<string, string> | (() => Record<string, string>) = {}): DonationsHarness {
  const h = {} as DonationsHarness;
  beforeAll(async () => {
    h.walletPort = await freePort();
    h.wallet = await spawnService('wallet-service', h.walletPort);
    const env = validateEnv(DonationsServiceEnv, {
      ...process.env, DB_PREFIX: process.env.DB_PREFIX || 'wozamali_test', KAFKA_BROKERS: kafkaBrokers(), LOG_LEVEL: 'warn', PORT: '3999',
      WALLET_SERVICE_URL: `http://127.0.0.1:${h.walletPort}`, WALLET_TIMEOUT_MS: '10000', PENDING_DONATION_INTERVAL_MS: '500', ...serviceKeyEnv('donations-service'), ...(typeof overrides === 'function' ? overrides() : overrides),
    });
    const { app } = await buildService({ service: 'donations-service', envClass: DonationsServiceEnv, module: (e) => AppModule.register(e), callers }, env);
    await app.listen(0, '127.0.0.1');
    h.app = app;
    h.url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    h.db = await openTestDataSource('donations-service');
    h.call = async (method, path, as, body, headers = {}) => {
      const auth = 'service' in as
        ? await serviceAuthHeaders('donations-service', as.service)
        : await serviceAuthHeaders('donations-service', 'api-gateway', 'admin' in as ? { type: 'user', userId: as.admin === true ? ADMIN_ID : as.admin, role: 'admin' } : { type: 'user', userId: as.user, role: 'resident' });
      return request(`${h.url}${path}`, method, { ...auth, ...headers }, body);
    };
    h.post = (path, as, body, key = uuidv7()) => h.call('POST', path, as, body, { 'idempotency-key': key });
    h.get = (path, as) => h.call('GET', path, as);
    h.walletCall = async (method, path, body) => request(`http://127.0.0.1:${h.walletPort}${path}`, method, {
      ...(await serviceAuthHeaders('wallet-service', 'api-gateway')), ...(method === 'POST' ? { 'idempotency-key': uuidv7() } : {}),
    }, body);
    h.spend = async (userId, points) => {
      const res = await h.walletCall('POST', `/v1/users/${userId}/points/spend`, { points, reason: 'test spending' });
      if (res.status !== 201) throw new Error(`spending failed: ${res.status} ${res.text}`);
    };
    h.fund = async (userId, cents, points) => {
      const res = await h.walletCall('POST', `/v1/users/${userId}/points/earn`, { points: Math.max(points, 1), ...(cents > 0 ? { amount: cents } : {}), reason: 'test funding' });
      if (res.status !== 201) throw new Error(`funding failed: ${res.status} ${res.text}`);
    };
    h.restartWallet = async () => {
      h.wallet = await spawnService('wallet-service', h.walletPort);
    };
  }, 120_000);
  afterAll(async () => {
    await h.app?.close();
    await h.wallet?.stop();
    await h.db?.destroy();
  });
  return h;
}

export const ADMIN: As = { admin: true };
