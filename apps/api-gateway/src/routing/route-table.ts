import type { RouteRule } from './route-rule';
import { WALLET_ROUTES } from './routes/wallet.routes';
import { REWARDS_ROUTES } from './routes/rewards.routes';
import { DONATIONS_ROUTES } from './routes/donations.routes';
import { WITHDRAWALS_ROUTES } from './routes/withdrawals.routes';
import { METRICS_ROUTES } from './routes/metrics.routes';
import { WEBHOOKS_ROUTES } from './routes/webhooks.routes';
import { GATEWAY_ROUTES } from './routes/gateway.routes';

export type { Backend, HttpMethod, RouteRule, UserRule } from './route-rule';

/**
 * Every public route: method + path → owning backend, the permission a service key needs, and the
 * end-user rule; each backend's routes live in `routes/<backend>.routes.ts`. Anything not listed is
 * 404 (deny by default). First match wins: specific before `**`.
 */
export const ROUTES: readonly RouteRule[] = [
  ...WALLET_ROUTES,
  ...REWARDS_ROUTES,
  ...DONATIONS_ROUTES,
  ...WITHDRAWALS_ROUTES,
  ...METRICS_ROUTES,
  ...WEBHOOKS_ROUTES,
  ...GATEWAY_ROUTES,
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

  /**
   * The methods some route serves `path` with (HEAD wherever GET is), for a 405's `Allow`; empty
   * when no route knows the path at all (then it is 404).
   */
  allowedMethods(path: string): string[] {
    const allowed = [...this.byMethod.keys()].filter((m) => this.resolve(m, path) !== null);
    if (allowed.includes('GET')) allowed.push('HEAD');
    return allowed.sort();
  }

  /** Resolves `method` + `path` (no query string); null when no route serves it. HEAD is served as GET is. */
  resolve(method: string, path: string): RouteMatch | null {
    if (method === 'HEAD') method = 'GET';
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
