import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TokenPrincipal } from '@wozamali/auth';
import { validateEnv } from '@wozamali/config';
import { uuidv7 } from '@wozamali/contracts';
import type { KafkaInboxServer } from '@wozamali/messaging';
import { freePort, kafkaBrokers, openTestDataSource, serviceAuthHeaders, serviceKeyEnv, spawnService, type SpawnedService } from '@wozamali/testing';
import type { DataSource } from 'typeorm';
import { RewardsServiceEnv } from '../../src/config/env';
import { buildRewards } from '../../src/main';
import { RewardJobs } from '../../src/workers/reward-jobs';

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

/** Principals the gateway would put in the service token. */
export const resident = (userId: string): TokenPrincipal => ({ type: 'user', userId, role: 'resident' });
export const admin: TokenPrincipal = { type: 'user', userId: '00000000-0000-7000-8000-00000000a001', role: 'admin' };
export const partner = (serviceId: string, keyId: string = randomUUID()): TokenPrincipal => ({ type: 'service', serviceId, keyId, permissions: { rewards: ['use_codes'] } });

async function send(base: string, audience: string, method: string, path: string, principal: TokenPrincipal | null, body?: unknown, key?: string | null): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(await serviceAuthHeaders(audience, 'api-gateway', principal)),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(method === 'POST' && key !== null ? { 'idempotency-key': key ?? randomUUID() } : {}),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try { parsed = JSON.parse(text); } catch { parsed = text; }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** A real wallet-service process and the rewards-service in this process (its jobs run on demand). */
export class RewardsHarness {
  wallet!: SpawnedService;
  walletPort = 0;
  app!: NestFastifyApplication;
  inbox: KafkaInboxServer | null = null;
  url = '';
  db!: DataSource;
  walletDb!: DataSource;
  jobs!: RewardJobs;

  async start(overrides: Record<string, string> = {}, walletUrl?: (walletUrl: string) => Promise<string>): Promise<this> {
    this.walletPort = await freePort();
    this.wallet = await spawnService('wallet-service', this.walletPort, { KAFKA_CONSUMERS_ENABLED: 'false' });
    const walletServiceUrl = walletUrl ? await walletUrl(this.wallet.url) : this.wallet.url;
    const env = validateEnv(RewardsServiceEnv, {
      ...process.env, DB_PREFIX: process.env.DB_PREFIX || 'wozamali_test', KAFKA_BROKERS: kafkaBrokers(), LOG_LEVEL: 'error', ...serviceKeyEnv('rewards-service'),
      WALLET_SERVICE_URL: walletServiceUrl, REWARDS_WORKERS_ENABLED: 'false', KAFKA_CONSUMERS_ENABLED: 'false', WALLET_TIMEOUT_MS: '10000',
      WALLET_BREAKER_RESET_MS: '500', DB_POOL_SIZE: '24', ...overrides,
    });
    const built = await buildRewards(env);
    this.app = built.app;
    this.inbox = built.inbox;
    if (this.inbox) await this.app.startAllMicroservices();
    await this.app.listen(0, '127.0.0.1');
    this.url = `http://127.0.0.1:${(this.app.getHttpServer().address() as AddressInfo).port}`;
    this.db = await openTestDataSource('rewards-service', 4);
    this.walletDb = await openTestDataSource('wallet-service', 2);
    this.jobs = this.app.get(RewardJobs);
    return this;
  }

  async stop(): Promise<void> {
    await this.app?.close();
    await this.wallet?.stop();
    await this.db?.destroy();
    await this.walletDb?.destroy();
  }

  /** Restarts the wallet process on the same port (the rewards-service's client keeps its URL). */
  async restartWallet(): Promise<void> {
    this.wallet = await spawnService('wallet-service', this.walletPort, { KAFKA_CONSUMERS_ENABLED: 'false' });
  }

  call(method: string, path: string, principal: TokenPrincipal | null, body?: unknown, key?: string | null): Promise<Answer> {
    return send(this.url, 'rewards-service', method, path, principal, body, key);
  }

  /** Credits a resident's points (and money) through the wallet's public API, as the gateway would. */
  async earn(userId: string, points: number, amount = 0): Promise<void> {
    const a = await send(this.wallet.url, 'wallet-service', 'POST', `/v1/users/${userId}/points/earn`, null, { points, amount, reason: 'test credit' });
    if (a.status !== 201) throw new Error(`earn failed: ${a.status} ${JSON.stringify(a.body)}`);
  }

  async walletOf(userId: string): Promise<{ points: number; balance: number }> {
    const a = await send(this.wallet.url, 'wallet-service', 'GET', `/v1/wallets/${userId}`, null);
    return a.body as { points: number; balance: number };
  }

  /** The wallet's ledger verifier: every cached balance recomputed from the postings. */
  async verifyLedger(): Promise<{ ok: boolean; mismatches: unknown[] }> {
    return (await send(this.wallet.url, 'wallet-service', 'GET', '/v1/admin/ledger/verify', null)).body as { ok: boolean; mismatches: unknown[] };
  }

  /** Redemption transfers of the wallet for this resident (kind redeem). */
  async redeemTransfers(userId: string, kind = 'redeem'): Promise<{ id: string; postings: { asset: string; amount: string; owner_type: string }[] }[]> {
    const rows = (await this.walletDb.query(
      `select t.id, json_agg(json_build_object('asset', a.asset, 'amount', p.amount::text, 'owner_type', a.owner_type)) as postings
         from transfers t join postings p on p.transfer_id = t.id join accounts a on a.id = p.account_id
        where t.kind = $2 and t.user_id = $1 group by t.id`,
      [userId, kind],
    )) as { id: string; postings: { asset: string; amount: string; owner_type: string }[] }[];
    return rows;
  }

  /** A reward of its own for a test (admin POST), e.g. one unit of stock. */
  async createReward(fields: Record<string, unknown> = {}): Promise<any> {
    const a = await this.call('POST', '/v1/rewards', admin, { code: `T_${uuidv7().replace(/-/g, '').slice(-16).toUpperCase()}`, name: 'Test reward', type: 'product', points_cost: 100, ...fields });
    if (a.status !== 201) throw new Error(`create reward failed: ${a.status} ${JSON.stringify(a.body)}`);
    return a.body;
  }
}
