import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TokenPrincipal } from '@wozamali/auth';
import { validateEnv } from '@wozamali/config';
import { uuidv7 } from '@wozamali/contracts';
import { buildService } from '@wozamali/platform';
import {
  freePort, kafkaBrokers, openTestDataSource, serviceAuthHeaders, serviceKeyEnv, spawnService, StubServer, type SpawnedService, type StubReply, type StubRequest,
} from '@wozamali/testing';
import type { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { callers } from '../../src/config/callers';
import { DEV_FINGERPRINT_KEY, WithdrawalsServiceEnv } from '../../src/config/env';
import { destinationFingerprint, parseDestination } from '../../src/domain/destination';

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

export const resident = (userId: string): TokenPrincipal => ({ type: 'user', userId, role: 'resident' });
export const admin = (userId: string = uuidv7()): TokenPrincipal => ({ type: 'user', userId, role: 'admin' });

/** A bank destination whose account number is unique to the test (searchable in dumps and logs). */
export function bankDestination(account = `${Date.now()}`.slice(-10)): Record<string, string> {
  return { bank_name: 'First National Bank', account_holder: 'Thandi Nkosi', account_number: account, branch_code: '250655' };
}

/**
 * A stand-in in front of the real wallet: passes calls through, or answers as the wallet would when
 * away (503, a hang), or passes the call through and then drops the answer (committed, then timed out).
 */
export class WalletFront {
  mode: 'pass' | 'down' | 'commit_then_hang' = 'pass';

  private constructor(readonly stub: StubServer, private readonly walletUrl: string) {}

  static async start(walletUrl: string): Promise<WalletFront> {
    const stub = await StubServer.start();
    const front = new WalletFront(stub, walletUrl);
    stub.otherwise((req) => front.handle(req));
    return front;
  }

  get url(): string {
    return this.stub.url;
  }

  private async handle(req: StubRequest): Promise<StubReply> {
    if (this.mode === 'down') return { status: 503, body: { code: 'service_unavailable' } };
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'idempotency-key', 'x-service-id', 'content-type', 'accept']) {
      const v = req.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    const res = await fetch(`${this.walletUrl}${req.url}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : req.text });
    const text = await res.text();
    if (this.mode === 'commit_then_hang') return { hang: true };
    return { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' }, body: text };
  }
}

export interface Harness {
  wallet: SpawnedService;
  front: WalletFront;
  app: NestFastifyApplication;
  url: string;
  db: DataSource;
  /** A call through the service's public API as the gateway, for `principal`. */
  call(method: string, path: string, principal: TokenPrincipal | null, body?: unknown, key?: string | null): Promise<Answer>;
  /** Money into a resident's wallet (cents), through the real wallet. */
  fund(userId: string, cents: number): Promise<void>;
  /** The resident's wallet as the real wallet answers it. */
  walletOf(userId: string): Promise<{ balance: number; held: number; available: number }>;
  /** Makes `destination` the user's known destination for the method since two days (no cooling-off). */
  knownDestination(userId: string, method: string, destination: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export async function startWithdrawals(overrides: Record<string, string> = {}): Promise<NestFastifyApplication> {
  const env = validateEnv(WithdrawalsServiceEnv, {
    ...process.env, DB_PREFIX: process.env.DB_PREFIX || 'wozamali_test', KAFKA_BROKERS: kafkaBrokers(), LOG_LEVEL: 'warn', PORT: '3999',
    WITHDRAWAL_WORKERS_ENABLED: 'false', WALLET_TIMEOUT_MS: '3000', ...serviceKeyEnv('withdrawals-service'), ...overrides,
  });
  const { app } = await buildService({ service: 'withdrawals-service', envClass: WithdrawalsServiceEnv, module: (e) => AppModule.register(e), callers }, env);
  await app.listen(0, '127.0.0.1');
  return app;
}

async function request(url: string, audience: string, method: string, path: string, principal: TokenPrincipal | null, body?: unknown, key?: string | null): Promise<Answer> {
  const headers: Record<string, string> = { ...(await serviceAuthHeaders(audience, 'api-gateway', principal)) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method === 'POST' && key !== null) headers['idempotency-key'] = key ?? uuidv7();
  const res = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** The real wallet-service as a process, a front before it, and the withdrawals-service in this process on the test database. */
export function useHarness(overrides: Record<string, string> | (() => Record<string, string>) = {}): Harness {
  const h = {} as Harness;
  beforeAll(async () => {
    h.wallet = await spawnService('wallet-service', await freePort());
    h.front = await WalletFront.start(h.wallet.url);
    h.app = await startWithdrawals({ WALLET_SERVICE_URL: h.front.url, ...(typeof overrides === 'function' ? overrides() : overrides) });
    const address = h.app.getHttpServer().address() as { port: number };
    h.url = `http://127.0.0.1:${address.port}`;
    h.db = await openTestDataSource('withdrawals-service');
    h.call = (method, path, principal, body, key) => request(h.url, 'withdrawals-service', method, path, principal, body, key);
    h.fund = async (userId, cents) => {
      const res = await request(h.wallet.url, 'wallet-service', 'POST', `/v1/users/${userId}/points/earn`, null, { points: 1, amount: cents, reason: 'test funding' });
      if (res.status !== 201) throw new Error(`funding failed: ${res.status} ${JSON.stringify(res.body)}`);
    };
    h.walletOf = async (userId) => (await request(h.wallet.url, 'wallet-service', 'GET', `/v1/wallets/${userId}`, null)).body;
    h.knownDestination = async (userId, method, destination) => {
      const parsed = parseDestination(method, destination);
      if (!parsed.ok) throw new Error(`bad test destination: ${parsed.field}`);
      const fp = destinationFingerprint(Buffer.from(DEV_FINGERPRINT_KEY, 'base64'), parsed.value);
      await h.db.query(
        `insert into withdrawal_destinations (user_id, method, fingerprint, since) values ($1, $2, $3, now() - interval '2 days')
         on conflict (user_id, method) do update set fingerprint = excluded.fingerprint, since = excluded.since`,
        [userId, method, fp],
      );
    };
  }, 120_000);
  afterAll(async () => {
    await h.app?.close();
    await h.front?.stub.close();
    await h.wallet?.stop();
    await h.db?.destroy();
  });
  return h;
}
