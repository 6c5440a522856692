import type { Resource } from '@wozamali/auth';

/** The backends the gateway routes to (`gateway` = served by the gateway itself). */
export type Backend = 'wallet' | 'rewards' | 'donations' | 'withdrawals' | 'metrics' | 'webhooks' | 'gateway';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * What an end user (JWT) may do on a route; admins may do everything, service keys are judged by
 * their permissions instead.
 * - `own`: only on their own `{user_id}` (anyone else's is 404, as if it did not exist);
 * - `collector`: collectors (record collections for residents);
 * - `any_user`: any signed-in user (catalogues);
 * - `admin`: admins only.
 */
export type UserRule = 'own' | 'collector' | 'any_user' | 'admin';

export interface RouteRule {
  method: HttpMethod;
  /** OpenAPI-style path; `{name}` is one segment, a trailing `**` any rest (undocumented). */
  path: string;
  backend: Backend;
  resource: Resource;
  action: string;
  users: UserRule;
}

const r = (method: HttpMethod, path: string, backend: Backend, resource: Resource, action: string, users: UserRule): RouteRule => ({ method, path, backend, resource, action, users });

/**
 * Every public route: method + path → owning backend, the permission a service key needs, and the
 * end-user rule. Anything not listed is 404 (deny by default). First match wins: specific before `**`.
 */
export const ROUTES: readonly RouteRule[] = [
  // wallet-service
  r('GET', '/v1/wallets/{user_id}', 'wallet', 'wallets', 'read', 'own'),
  r('GET', '/v1/wallets/{user_id}/transactions', 'wallet', 'wallets', 'read', 'own'),
  r('POST', '/v1/users/{user_id}/points/earn', 'wallet', 'points', 'earn', 'admin'),
  r('POST', '/v1/users/{user_id}/points/spend', 'wallet', 'points', 'spend', 'own'),
  r('GET', '/v1/users/{user_id}/points/history', 'wallet', 'points', 'read', 'own'),
  r('POST', '/v1/collections', 'wallet', 'collections', 'create', 'collector'),
  r('GET', '/v1/materials', 'wallet', 'materials', 'read', 'any_user'),
  r('PUT', '/v1/materials/rate-card', 'wallet', 'materials', 'write', 'admin'),
  r('GET', '/v1/tiers', 'wallet', 'tiers', 'read', 'admin'),
  r('PUT', '/v1/tiers', 'wallet', 'tiers', 'write', 'admin'),
  r('GET', '/v1/admin/ledger/verify', 'wallet', 'ledger', 'verify', 'admin'),
  r('POST', '/v1/admin/adjustments', 'wallet', 'ledger', 'adjust', 'admin'),
  r('POST', '/v1/admin/transfers/{transfer_id}/reverse', 'wallet', 'ledger', 'reverse', 'admin'),

  // rewards-service
  r('GET', '/v1/rewards', 'rewards', 'rewards', 'read', 'any_user'),
  r('GET', '/v1/rewards/**', 'rewards', 'rewards', 'read', 'any_user'),
  r('POST', '/v1/rewards/**', 'rewards', 'rewards', 'write', 'admin'),
  r('POST', '/v1/rewards', 'rewards', 'rewards', 'write', 'admin'),
  r('PUT', '/v1/rewards/**', 'rewards', 'rewards', 'write', 'admin'),
  r('PATCH', '/v1/rewards/**', 'rewards', 'rewards', 'write', 'admin'),
  r('DELETE', '/v1/rewards/**', 'rewards', 'rewards', 'write', 'admin'),
  r('GET', '/v1/users/{user_id}/rewards', 'rewards', 'rewards', 'read', 'own'),
  r('GET', '/v1/users/{user_id}/rewards/**', 'rewards', 'rewards', 'read', 'own'),
  r('POST', '/v1/users/{user_id}/rewards', 'rewards', 'rewards', 'redeem', 'own'),
  r('POST', '/v1/users/{user_id}/rewards/**', 'rewards', 'rewards', 'redeem', 'own'),

  // donations-service
  r('GET', '/v1/donations/campaigns', 'donations', 'campaigns', 'read', 'any_user'),
  r('GET', '/v1/donations/campaigns/**', 'donations', 'campaigns', 'read', 'any_user'),
  r('POST', '/v1/donations/campaigns', 'donations', 'campaigns', 'write', 'admin'),
  r('POST', '/v1/donations/campaigns/**', 'donations', 'campaigns', 'write', 'admin'),
  r('PUT', '/v1/donations/campaigns/**', 'donations', 'campaigns', 'write', 'admin'),
  r('PATCH', '/v1/donations/campaigns/**', 'donations', 'campaigns', 'write', 'admin'),
  r('GET', '/v1/donations', 'donations', 'donations', 'read', 'admin'),
  r('GET', '/v1/donations/**', 'donations', 'donations', 'read', 'admin'),
  r('GET', '/v1/users/{user_id}/donations', 'donations', 'donations', 'read', 'own'),
  r('GET', '/v1/users/{user_id}/donations/**', 'donations', 'donations', 'read', 'own'),
  r('POST', '/v1/users/{user_id}/donations', 'donations', 'donations', 'create', 'own'),

  // withdrawals-service
  r('GET', '/v1/users/{user_id}/withdrawals', 'withdrawals', 'withdrawals', 'read', 'own'),
  r('GET', '/v1/users/{user_id}/withdrawals/**', 'withdrawals', 'withdrawals', 'read', 'own'),
  r('POST', '/v1/users/{user_id}/withdrawals', 'withdrawals', 'withdrawals', 'request', 'own'),
  r('GET', '/v1/withdrawals', 'withdrawals', 'withdrawals', 'read', 'admin'),
  r('GET', '/v1/withdrawals/**', 'withdrawals', 'withdrawals', 'read', 'admin'),
  r('POST', '/v1/withdrawals/**', 'withdrawals', 'withdrawals', 'approve', 'admin'),

  // metrics-service
  r('GET', '/v1/users/{user_id}/metrics', 'metrics', 'metrics', 'read', 'own'),
  r('GET', '/v1/metrics', 'metrics', 'metrics', 'read', 'admin'),
  r('GET', '/v1/metrics/**', 'metrics', 'metrics', 'read', 'admin'),

  // webhook-dispatcher: webhooks and the external services registry
  // An endpoint's signing secret lets its holder forge webhooks: reading it needs write, not read.
  r('GET', '/v1/webhooks/endpoints/{endpoint_id}/secret', 'webhooks', 'webhooks', 'write', 'admin'),
  r('GET', '/v1/webhooks/**', 'webhooks', 'webhooks', 'read', 'admin'),
  r('POST', '/v1/webhooks/**', 'webhooks', 'webhooks', 'write', 'admin'),
  r('PUT', '/v1/webhooks/**', 'webhooks', 'webhooks', 'write', 'admin'),
  r('PATCH', '/v1/webhooks/**', 'webhooks', 'webhooks', 'write', 'admin'),
  r('DELETE', '/v1/webhooks/**', 'webhooks', 'webhooks', 'write', 'admin'),
  r('POST', '/v1/external/services', 'webhooks', 'external_services', 'register', 'admin'),
  r('POST', '/v1/external/services/{service_ref}/heartbeat', 'webhooks', 'external_services', 'heartbeat', 'admin'),
  r('GET', '/v1/external/services', 'webhooks', 'external_services', 'read', 'admin'),
  r('GET', '/v1/external/services/**', 'webhooks', 'external_services', 'read', 'admin'),
  r('PATCH', '/v1/external/services/{service_ref}', 'webhooks', 'external_services', 'write', 'admin'),
  r('DELETE', '/v1/external/services/{service_ref}', 'webhooks', 'external_services', 'write', 'admin'),

  // the gateway's own API keys
  r('POST', '/v1/api-keys', 'gateway', 'api_keys', 'manage', 'admin'),
  r('GET', '/v1/api-keys', 'gateway', 'api_keys', 'manage', 'admin'),
  r('POST', '/v1/api-keys/{id}/revoke', 'gateway', 'api_keys', 'manage', 'admin'),
  r('POST', '/v1/api-keys/{id}/rotate', 'gateway', 'api_keys', 'manage', 'admin'),
];

interface CompiledRoute {
  rule: RouteRule;
  segments: string[];
  rest: boolean;
}

/** A request resolved against the table. */
export interface RouteMatch {
  rule: RouteRule;
  params: Record<string, string>;
  /** The path the backend is called with (the seed's external form is rewritten to the plain one). */
  backendPath: string;
  /** Set for `/v1/external/{service_id}/…`: must equal the key's service. */
  externalServiceId: string | null;
}

const SERVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
// Anything a path could smuggle past segment matching (dot segments, encoded slashes, backslashes, empty segments).
const UNSAFE_SEGMENT = /^\.{1,2}$|%|\\/;

export class RouteTable {
  private readonly byMethod = new Map<string, CompiledRoute[]>();

  constructor(rules: readonly RouteRule[] = ROUTES) {
    for (const rule of rules) {
      const parts = rule.path.split('/').slice(1);
      const rest = parts[parts.length - 1] === '**';
      const list = this.byMethod.get(rule.method) ?? [];
      list.push({ rule, segments: rest ? parts.slice(0, -1) : parts, rest });
      this.byMethod.set(rule.method, list);
    }
  }

  /** Resolves `method` + `path` (no query string); null when no route serves it. */
  resolve(method: string, path: string): RouteMatch | null {
    const segments = path.split('/').slice(1);
    if (path[0] !== '/' || segments.some((s) => s === '' || UNSAFE_SEGMENT.test(s))) return null;
    // The seed's form: /v1/external/{service_id}/{resource…} (`services` is the registry itself).
    if (segments[0] === 'v1' && segments[1] === 'external' && segments.length >= 4 && segments[2] !== 'services') {
      const serviceId = segments[2];
      if (!SERVICE_ID.test(serviceId)) return null;
      const inner = this.match(method, ['v1', ...segments.slice(3)]);
      if (!inner || inner.rule.backend === 'gateway' || inner.rule.path.startsWith('/v1/external/')) return null;
      return { ...inner, externalServiceId: serviceId };
    }
    return this.match(method, segments);
  }

  private match(method: string, segments: string[]): RouteMatch | null {
    for (const route of this.byMethod.get(method) ?? []) {
      const n = route.segments.length;
      if (route.rest ? segments.length <= n : segments.length !== n) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < n; i += 1) {
        const want = route.segments[i];
        if (want[0] === '{') params[want.slice(1, -1)] = segments[i];
        else if (want !== segments[i]) { ok = false; break; }
      }
      if (ok) return { rule: route.rule, params, backendPath: `/${segments.join('/')}`, externalServiceId: null };
    }
    return null;
  }
}
