import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { validateEnv } from '@wozamali/config';
import { uuidv7 } from '@wozamali/contracts';
import { buildService } from '@wozamali/platform';
import { kafkaBrokers, openTestDataSource, serviceAuthHeaders, serviceKeyEnv } from '@wozamali/testing';
import type { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { callers } from '../../src/config/callers';
import { WalletServiceEnv } from '../../src/config/env';

export interface WalletTestApp {
  app: NestFastifyApplication;
  url: string;
  post(path: string, body: unknown, key?: string | null, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  get(path: string): Promise<{ status: number; body: any; headers: Headers }>;
  put(path: string, body: unknown): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * The service a test's call comes from, as in production: the gateway on the public API, the
 * withdrawals-service on holds, the donations-service on account reads and reversals, and on a
 * transfer the service whose business its kind is (redeem: rewards, donate and campaign moves:
 * donations, money back from payout clearing: withdrawals). A test that sends its own
 * `authorization` overrides it.
 */
export function callerFor(method: string, path: string, body?: unknown): string {
  if (!path.startsWith('/internal/')) return 'api-gateway';
  if (/^\/internal\/v1\/transfers\/[^/]+\/reverse/.test(path)) return 'donations-service';
  if (path.startsWith('/internal/v1/accounts')) return 'donations-service';
  if (path === '/internal/v1/transfers' && body && typeof body === 'object') {
    const b = body as { kind?: unknown; from?: { type?: unknown }; legs?: { from?: { type?: unknown } }[] };
    if (b.kind === 'redeem') return 'rewards-service';
    const froms = [b.from?.type, ...(Array.isArray(b.legs) ? b.legs.map((l) => l?.from?.type) : [])];
    if (b.kind === 'transfer' && froms.includes('payout_clearing')) return 'withdrawals-service';
    return 'donations-service';
  }
  return method === 'GET' ? 'donations-service' : 'withdrawals-service';
}

/** The real wallet-service (Fastify, real PostgreSQL test database, real Kafka) on a free port; every call carries a service token. */
export async function startWalletApp(overrides: Record<string, string> = {}): Promise<WalletTestApp> {
  const env = validateEnv(WalletServiceEnv, {
    ...process.env, DB_PREFIX: process.env.DB_PREFIX || 'wozamali_test', KAFKA_BROKERS: kafkaBrokers(), LOG_LEVEL: 'warn', PORT: '3999', ...serviceKeyEnv('wallet-service'), ...overrides,
  });
  const { app } = await buildService({ service: 'wallet-service', envClass: WalletServiceEnv, module: (e) => AppModule.register(e), callers }, env);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const auth = await serviceAuthHeaders('wallet-service', callerFor(method, path, body));
    const res = await fetch(`${url}${path}`, { method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...auth, ...headers }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };
  return {
    app,
    url,
    post: (path, body, key = uuidv7(), headers = {}) => call('POST', path, body, { ...(key ? { 'idempotency-key': key } : {}), ...headers }),
    get: (path) => call('GET', path),
    put: (path, body) => call('PUT', path, body),
    close: () => app.close(),
  };
}

/** Starts the wallet app and a connection to its test database for the test file, and stops both after it. */
export function useWalletApp(overrides: Record<string, string> = {}): { readonly w: WalletTestApp; readonly db: DataSource } {
  const ctx = {} as { w: WalletTestApp; db: DataSource };
  beforeAll(async () => {
    ctx.w = await startWalletApp(overrides);
    ctx.db = await openTestDataSource('wallet-service', 2);
  });
  afterAll(async () => {
    await ctx.w?.close();
    await ctx.db?.destroy();
  });
  return ctx;
}
