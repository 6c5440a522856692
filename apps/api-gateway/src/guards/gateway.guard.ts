import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '@wozamali/auth';
import { SERVICE_ENV, setRouteTemplate } from '@wozamali/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorize } from '../auth/authorize';
import { Authenticator } from '../auth/authenticator.service';
import type { ApiGatewayEnv } from '../config/env';
import { GatewayException } from '../errors/gateway.exception';
import type { RateDecision } from '../rate-limit/rate-limiter';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { RouteTable, type RouteMatch } from '../routing/route-table';

/** What the guard established for a /v1 request, read by the controllers. */
export interface GatewayContext {
  principal: Principal;
  match: RouteMatch;
}

export type GatewayRequest = FastifyRequest & { gateway?: GatewayContext };

// The gateway's /metrics is not on its public listener (gateway-app.ts serves it on an internal one).
const PUBLIC_PATHS = new Set(['/health/live', '/health/ready']);

/**
 * The principal of a request on a route marked `auth: 'none'` (the backend authenticates it itself):
 * a key with no permissions, so it can reach nothing else.
 */
export const UNAUTHENTICATED: Principal = Object.freeze({
  type: 'service', keyId: 'unauthenticated', publicId: 'unauthenticated', serviceId: 'unauthenticated', permissions: {}, rateLimitPerMinute: null,
});

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Every request but the health probes and metrics: authenticate (a failure counts against the client IP's limit), count the
 * request against its principal's limit, resolve the route (unknown → 404), authorize.
 */
@Injectable()
export class GatewayGuard implements CanActivate {
  constructor(
    private readonly auth: Authenticator,
    private readonly limiter: RateLimiter,
    private readonly routes: RouteTable,
    @Inject(SERVICE_ENV) private readonly env: ApiGatewayEnv,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<GatewayRequest>();
    const reply = ctx.switchToHttp().getResponse<FastifyReply>();
    const q = req.url.indexOf('?');
    const path = q === -1 ? req.url : req.url.slice(0, q);
    // Deny by default: only the platform's probes are public among Nest routes (the docs are not Nest routes).
    if (PUBLIC_PATHS.has(path)) return true;

    // A route explicitly marked `auth: 'none'` (never in the /v1/external/{service_id}/ form) skips authentication, limited per IP.
    const open = this.routes.resolve(req.method, path);
    if (open && open.rule.auth === 'none' && open.externalServiceId === null) {
      await this.limit(reply, `ip:${req.ip}`, this.env.RATE_LIMIT_IP_PER_WINDOW);
      req.gateway = { principal: UNAUTHENTICATED, match: open };
      return true;
    }

    let principal: Principal;
    try {
      principal = await this.auth.authenticate(header(req, 'authorization'), header(req, 'x-service-id'));
    } catch (err) {
      // Unauthenticated callers are limited per IP, so keys and tokens cannot be guessed at speed.
      await this.limit(reply, `ip:${req.ip}`, this.env.RATE_LIMIT_IP_PER_WINDOW);
      void reply.header('www-authenticate', 'Bearer');
      throw err;
    }
    const bucket = principal.type === 'service' ? `key:${principal.publicId}` : `user:${principal.userId}`;
    const limit = principal.type === 'service' ? principal.rateLimitPerMinute ?? this.env.RATE_LIMIT_KEY_PER_WINDOW : this.env.RATE_LIMIT_USER_PER_WINDOW;
    await this.limit(reply, bucket, limit);

    const match = this.routes.resolve(req.method, path);
    if (!match) {
      // A path some route knows, asked with another method: 405 and what it does answer.
      const allowed = this.routes.allowedMethods(path);
      if (allowed.length === 0) throw new GatewayException('not_found', 'no such resource');
      void reply.header('allow', allowed.join(', '));
      throw new GatewayException('method_not_allowed', `${req.method} is not allowed here; allowed: ${allowed.join(', ')}`);
    }
    setRouteTemplate(req, match.rule.path);
    authorize(principal, match, req.body);
    req.gateway = { principal, match };
    return true;
  }

  private async limit(reply: FastifyReply, bucket: string, limit: number): Promise<void> {
    const d: RateDecision = await this.limiter.hit(bucket, limit);
    void reply.header('ratelimit-limit', String(d.limit)).header('ratelimit-remaining', String(d.remaining)).header('ratelimit-reset', String(d.resetSeconds))
      .header('ratelimit-policy', `${d.limit};w=${this.env.RATE_LIMIT_WINDOW_SECONDS}`);
    if (!d.allowed) {
      void reply.header('retry-after', String(d.resetSeconds));
      throw new GatewayException('rate_limited', `too many requests; retry in ${d.resetSeconds} s`, { retry_after_seconds: d.resetSeconds });
    }
  }
}
