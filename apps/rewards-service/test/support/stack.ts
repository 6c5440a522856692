import { randomUUID } from 'node:crypto';
import { mintUserToken, type UserRole } from '@wozamali/auth';
import { freePort, spawnService, uniqueName, type SpawnedService } from '@wozamali/testing';

export const JWT_SECRET = 'rewards-e2e-jwt-secret-at-least-32-bytes!!';
export const ADMIN_KEY = `wm_live_rewardsadm_${'Z9y8X7w6'.repeat(5)}`;
export const ADMIN_HEADERS = { authorization: `Bearer ${ADMIN_KEY}`, 'x-service-id': 'admin' };

export function userHeaders(role: UserRole, sub: string): Record<string, string> {
  return { authorization: `Bearer ${mintUserToken(JWT_SECRET, { sub, role, expiresInSeconds: 3600 })}` };
}

/** The wallet, the rewards-service and the gateway, each its own built process, as `npm start` runs them. */
export class RewardsStack {
  wallet!: SpawnedService;
  rewards!: SpawnedService;
  gateway!: SpawnedService;

  async start(extraGateway: Record<string, string> = {}, extraRewards: Record<string, string> = {}): Promise<this> {
    this.wallet = await spawnService('wallet-service', await freePort(), { KAFKA_CONSUMERS_ENABLED: 'false' });
    this.rewards = await spawnService('rewards-service', await freePort(), {
      // No donations-service in this stack: its donor-lookup job must not take the donor-badge test's lookups (same database).
      WALLET_SERVICE_URL: this.wallet.url, KAFKA_CONSUMERS_ENABLED: 'false', DONOR_LOOKUP_INTERVAL_MS: '3600000', ...extraRewards,
    });
    const port = await freePort();
    this.gateway = await spawnService('api-gateway', port, {
      GATEWAY_PORT: String(port), ADMIN_API_KEY: ADMIN_KEY, JWT_SECRET, NODE_ENV: 'test', OUTBOX_RELAY_ENABLED: 'false', KAFKA_CONSUMERS_ENABLED: 'false',
      WALLET_SERVICE_URL: this.wallet.url, REWARDS_SERVICE_URL: this.rewards.url, REDIS_KEY_PREFIX: uniqueName('rw-e2e'), GATEWAY_WALLET_CACHE_TTL_MS: '0',
      ...extraGateway,
    });
    return this;
  }

  async stop(): Promise<void> {
    await this.gateway?.stop();
    await this.rewards?.stop();
    await this.wallet?.stop();
  }

  async call(method: string, path: string, headers: Record<string, string>, body?: unknown, key: string | null = randomUUID()): Promise<{ status: number; headers: Headers; body: any }> {
    const res = await fetch(`${this.gateway.url}${path}`, {
      method,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(method === 'POST' && key ? { 'idempotency-key': key } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, headers: res.headers, body: parsed };
  }

  /** A service key for `serviceId` with `permissions`, made by the admin through the gateway. */
  async apiKey(serviceId: string, permissions: Record<string, string[]>): Promise<Record<string, string>> {
    const a = await this.call('POST', '/v1/api-keys', ADMIN_HEADERS, { name: `${serviceId} key`, service_id: serviceId, permissions });
    if (a.status !== 201) throw new Error(`api key: ${a.status} ${JSON.stringify(a.body)}`);
    return { authorization: `Bearer ${a.body.key as string}`, 'x-service-id': serviceId };
  }
}
