import { randomUUID } from 'node:crypto';
import type { Principal } from '@wozamali/auth';
import { authorize } from '../auth/authorize';
import { GatewayException } from '../errors/gateway.exception';
import { ROUTES, RouteTable } from './route-table';

const table = new RouteTable();
const me = randomUUID();
const other = randomUUID();
const resident: Principal = { type: 'user', userId: me, role: 'resident' };
const collector: Principal = { type: 'user', userId: me, role: 'collector' };
const admin: Principal = { type: 'user', userId: me, role: 'admin' };
const readKey: Principal = { type: 'service', keyId: 'k', publicId: 'abcdefabcdef', serviceId: 'notify', permissions: { wallets: ['read'] }, rateLimitPerMinute: null };

function decide(p: Principal, method: string, path: string, body: unknown = undefined): string {
  const match = table.resolve(method, path);
  if (!match) return 'no_route';
  try {
    authorize(p, match, body);
    return 'allow';
  } catch (err) {
    return err instanceof GatewayException ? `${err.status} ${err.code}` : 'error';
  }
}

describe('route table', () => {
  it('routes each known path to its owning backend with the permission it needs', () => {
    expect(table.resolve('GET', `/v1/wallets/${me}`)).toMatchObject({ rule: { backend: 'wallet', resource: 'wallets', action: 'read' }, params: { user_id: me } });
    expect(table.resolve('POST', `/v1/users/${me}/points/earn`)?.rule).toMatchObject({ backend: 'wallet', resource: 'points', action: 'earn' });
    expect(table.resolve('POST', '/v1/webhooks/endpoints')?.rule).toMatchObject({ backend: 'webhooks', resource: 'webhooks', action: 'write' });
    expect(table.resolve('POST', '/v1/external/services/abc/heartbeat')?.rule).toMatchObject({ backend: 'webhooks', action: 'heartbeat' });
    expect(table.resolve('GET', '/v1/external/services/health')?.rule).toMatchObject({ backend: 'webhooks', action: 'read' });
    expect(table.resolve('POST', '/v1/withdrawals/w1/approve')?.rule).toMatchObject({ backend: 'withdrawals', action: 'approve' });
  });

  it('rewrites the seed form /v1/external/{service_id}/{resource} to the plain path and keeps the service id', () => {
    expect(table.resolve('GET', `/v1/external/notify/wallets/${me}`)).toMatchObject({ backendPath: `/v1/wallets/${me}`, externalServiceId: 'notify', params: { user_id: me } });
    expect(table.resolve('GET', '/v1/external/notify/api-keys')).toBeNull();
    expect(table.resolve('GET', '/v1/external/notify/external/services')).toBeNull();
  });

  it('denies by default: unknown paths, unknown methods and smuggling paths resolve to nothing', () => {
    expect(table.resolve('GET', '/v1/secrets')).toBeNull();
    expect(table.resolve('DELETE', `/v1/wallets/${me}`)).toBeNull();
    expect(table.resolve('GET', `/v1/wallets/${me}/../${other}`)).toBeNull();
    expect(table.resolve('GET', `/v1/wallets/${me}%2F..%2F${other}`)).toBeNull();
    expect(table.resolve('GET', `/v1/wallets//${me}`)).toBeNull();
    expect(table.resolve('GET', '/v1/rewards/..')).toBeNull();
  });

  it('every rule names an action of its resource in the permission catalogue', async () => {
    const { PERMISSION_CATALOGUE } = await import('@wozamali/auth');
    for (const rule of ROUTES) expect(PERMISSION_CATALOGUE[rule.resource] as readonly string[]).toContain(rule.action);
  });
});

describe('authorization', () => {
  it('a resident reaches their own wallet, transactions and points history', () => {
    expect(decide(resident, 'GET', `/v1/wallets/${me}`)).toBe('allow');
    expect(decide(resident, 'GET', `/v1/wallets/${me.toUpperCase()}/transactions`)).toBe('allow');
    expect(decide(resident, 'GET', `/v1/users/${me}/points/history`)).toBe('allow');
  });

  it("a resident asking for another user's wallet, rewards, donations or withdrawals gets 404 not_found", () => {
    for (const path of [`/v1/wallets/${other}`, `/v1/wallets/${other}/transactions`, `/v1/users/${other}/rewards`, `/v1/users/${other}/donations`, `/v1/users/${other}/withdrawals`, '/v1/wallets/not-a-uuid']) {
      expect(decide(resident, 'GET', path)).toBe('404 not_found');
    }
    expect(decide(resident, 'POST', `/v1/users/${other}/withdrawals`)).toBe('404 not_found');
  });

  it("a resident reads their own metrics and every signed-in user the leaderboard and impact; another's metrics are 404, the admin views 403", () => {
    expect(decide(resident, 'GET', `/v1/users/${me}/metrics`)).toBe('allow');
    expect(decide(resident, 'GET', `/v1/users/${other}/metrics`)).toBe('404 not_found');
    for (const p of [resident, collector]) {
      expect(decide(p, 'GET', '/v1/metrics/leaderboard')).toBe('allow');
      expect(decide(p, 'GET', '/v1/metrics/impact')).toBe('allow');
    }
    for (const path of [`/v1/metrics/users/${me}`, `/v1/metrics/users/${other}`, '/v1/metrics/system', '/v1/metrics', '/v1/metrics/reconciliation', '/v1/metrics/impact-factors']) {
      expect([path, decide(resident, 'GET', path)]).toEqual([path, '403 forbidden']);
      expect([path, decide(admin, 'GET', path)]).toEqual([path, 'allow']);
    }
    expect(decide(resident, 'PUT', '/v1/metrics/impact-factors')).toBe('403 forbidden');
    expect(decide(admin, 'PUT', '/v1/metrics/impact-factors')).toBe('allow');
    expect(table.resolve('GET', '/v1/metrics/anything-else')).toBeNull();
  });

  it('a resident cannot earn points for themselves, record collections or do admin work (403)', () => {
    expect(decide(resident, 'POST', `/v1/users/${me}/points/earn`)).toBe('403 forbidden');
    expect(decide(resident, 'POST', '/v1/collections')).toBe('403 forbidden');
    expect(decide(resident, 'PUT', '/v1/materials/rate-card')).toBe('403 forbidden');
    expect(decide(resident, 'POST', '/v1/withdrawals/w1/approve')).toBe('403 forbidden');
    expect(decide(resident, 'GET', '/v1/api-keys')).toBe('403 forbidden');
    expect(decide(resident, 'GET', `/v1/external/notify/wallets/${me}`)).toBe('403 forbidden');
  });

  it('a collector may record collections under their own name only', () => {
    expect(decide(collector, 'POST', '/v1/collections', { user_id: other })).toBe('allow');
    expect(decide(collector, 'POST', '/v1/collections', { user_id: other, collector_id: me })).toBe('allow');
    expect(decide(collector, 'POST', '/v1/collections', { user_id: other, collector_id: other })).toBe('403 forbidden');
    expect(decide(collector, 'GET', `/v1/wallets/${other}`)).toBe('404 not_found');
  });

  it('an admin may do everything', () => {
    expect(decide(admin, 'GET', `/v1/wallets/${other}`)).toBe('allow');
    expect(decide(admin, 'POST', '/v1/withdrawals/w1/approve')).toBe('allow');
    expect(decide(admin, 'POST', '/v1/api-keys')).toBe('allow');
  });

  it('a service key reaches exactly what its permissions say', () => {
    expect(decide(readKey, 'GET', `/v1/wallets/${other}`)).toBe('allow');
    expect(decide(readKey, 'POST', '/v1/collections', {})).toBe('403 forbidden');
    expect(decide(readKey, 'POST', `/v1/users/${other}/points/earn`)).toBe('403 forbidden');
  });

  it("reading a webhook endpoint's signing secret needs webhooks:write, not webhooks:read", () => {
    const hooksReader: Principal = { ...readKey, permissions: { webhooks: ['read'] } };
    expect(decide(hooksReader, 'GET', '/v1/webhooks/endpoints/e1')).toBe('allow');
    expect(decide(hooksReader, 'GET', '/v1/webhooks/endpoints/e1/secret')).toBe('403 forbidden');
    expect(decide({ ...readKey, permissions: { webhooks: ['write'] } }, 'GET', '/v1/webhooks/endpoints/e1/secret')).toBe('allow');
  });

  it("the seed form's service id must be the key's own service", () => {
    expect(decide(readKey, 'GET', `/v1/external/notify/wallets/${other}`)).toBe('allow');
    expect(decide(readKey, 'GET', `/v1/external/payments/wallets/${other}`)).toBe('403 service_mismatch');
  });
});
