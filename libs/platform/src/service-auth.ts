import path from 'node:path';
import { createParamDecorator, Logger, type ExecutionContext } from '@nestjs/common';
import {
  developmentServiceKeys, parseServicePrivateKey, parseServicePublicKeys, ServiceKeyError, ServiceTokenError,
  type ServiceCaller, type ServicePublicKeys, type ServiceSigningKey, type ServiceTokenVerifier,
} from '@wozamali/auth';
import { InvalidEnvironmentError, type CommonEnv } from '@wozamali/config';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceMetrics } from './metrics';
import { problem, sendProblem } from './problem';

/**
 * Which calling services may reach which routes of a service: caller → rules `'<METHOD> <route>'`,
 * the route as declared (`/v1/wallets/:user_id`); `*` as the method matches any method and a
 * trailing `*` matches any rest of the path (`'* /v1/*'`). Anything not listed is refused (403).
 */
export type CallerTable = Readonly<Record<string, readonly string[]>>;

export type { ServiceCaller, TokenPrincipal } from '@wozamali/auth';

/** Routes every probe and scraper reaches without a token. */
const OPEN_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);

interface Rule {
  method: string;
  path: string;
  prefix: boolean;
}

/** A caller table turned into a decision per (caller, method, route), remembered. */
export class CallerPolicy {
  private readonly rules = new Map<string, Rule[]>();
  private readonly decisions = new Map<string, boolean>();

  constructor(table: CallerTable) {
    for (const [caller, entries] of Object.entries(table)) {
      this.rules.set(caller, entries.map((entry) => {
        const m = /^(\*|GET|POST|PUT|PATCH|DELETE) (\/\S*)$/.exec(entry);
        if (!m) throw new Error(`caller table: "${entry}" of ${caller} is not "<METHOD> <route>"`);
        const prefix = m[2].endsWith('*');
        return { method: m[1], path: prefix ? m[2].slice(0, -1) : m[2], prefix };
      }));
    }
  }

  allows(caller: string, method: string, route: string): boolean {
    const key = `${caller} ${method} ${route}`;
    let ok = this.decisions.get(key);
    if (ok === undefined) {
      const m = method === 'HEAD' ? 'GET' : method;
      ok = (this.rules.get(caller) ?? []).some((r) => (r.method === '*' || r.method === m) && (r.prefix ? route.startsWith(r.path) : route === r.path));
      if (this.decisions.size < 10_000) this.decisions.set(key, ok);
    }
    return ok;
  }
}

/** This service's signing key and the public keys of its callers. */
export interface ServiceKeys {
  signingKey: ServiceSigningKey;
  publicKeys: ServicePublicKeys;
}

const loaded = new WeakMap<object, ServiceKeys>();

/**
 * Reads the keys from `SERVICE_PRIVATE_KEY` and `SERVICE_PUBLIC_KEYS`. Outside production a
 * variable left empty is filled from the per-checkout development keys (`SERVICE_KEYS_DIR`); in
 * production a missing or bad key is an {@link InvalidEnvironmentError} naming the variable.
 * `SERVICE_PUBLIC_KEYS` is needed only by a service that takes calls (`verifies`; not the gateway):
 * without it no caller is known, so every call is refused.
 */
export function serviceKeysFromEnv(service: string, env: CommonEnv, verifies = true): ServiceKeys {
  const production = env.NODE_ENV === 'production';
  const missing = [
    ...(!env.SERVICE_PRIVATE_KEY && production ? ['SERVICE_PRIVATE_KEY=null: required in production (this service\'s Ed25519 private key as a JWK)'] : []),
    ...(!env.SERVICE_PUBLIC_KEYS && production && verifies ? ['SERVICE_PUBLIC_KEYS=null: required in production (the JWKS of the services that call this one)'] : []),
  ];
  if (missing.length > 0) throw new InvalidEnvironmentError(missing);
  const cached = loaded.get(env);
  if (cached) return cached;
  const dev = production ? null : !env.SERVICE_PRIVATE_KEY || !env.SERVICE_PUBLIC_KEYS ? developmentServiceKeys(path.resolve(env.SERVICE_KEYS_DIR)) : null;
  const read = <T>(variable: string, f: () => T): T => {
    try {
      return f();
    } catch (err) {
      if (err instanceof ServiceKeyError) throw new InvalidEnvironmentError([`${variable}: ${err.message}`]);
      throw err;
    }
  };
  const publicKeys = env.SERVICE_PUBLIC_KEYS || dev?.publicKeys;
  const keys: ServiceKeys = {
    signingKey: read('SERVICE_PRIVATE_KEY', () => parseServicePrivateKey(env.SERVICE_PRIVATE_KEY || dev!.privateKey(service), service)),
    publicKeys: publicKeys ? read('SERVICE_PUBLIC_KEYS', () => parseServicePublicKeys(publicKeys)) : new Map(),
  };
  loaded.set(env, keys);
  return keys;
}

type AuthedRequest = FastifyRequest & { serviceCaller?: ServiceCaller };

/** The verified caller of a request (set by the service-auth hook); null on the open routes. */
export function callerOf(req: FastifyRequest): ServiceCaller | null {
  return (req as AuthedRequest).serviceCaller ?? null;
}

/** Handler parameter: the request's verified {@link ServiceCaller} (null only on open routes). */
export const Caller = createParamDecorator((_data: unknown, ctx: ExecutionContext): ServiceCaller | null => callerOf(ctx.switchToHttp().getRequest<FastifyRequest>()));

/**
 * Every request must carry a service token (`Authorization: Bearer <token>`) for this service from
 * a caller the table lets reach the route: otherwise 401 `unauthenticated` (no, expired, foreign
 * or badly signed token) or 403 `forbidden_caller`, before the body is read. Both are logged with
 * the caller and counted (`service_auth_refused_total`). `/health/*` and `/metrics` stay open.
 */
export function installServiceAuth(fastify: FastifyInstance, opts: { verifier: ServiceTokenVerifier; callers: CallerTable; metrics?: ServiceMetrics | null }): void {
  const policy = new CallerPolicy(opts.callers);
  const logger = new Logger('ServiceAuth');
  const refused = opts.metrics?.counter('service_auth_refused_total', 'Requests refused by service authentication (401) or by the caller table (403)', ['status', 'reason', 'caller']);
  const refuse = (req: FastifyRequest, reply: FastifyReply, status: 401 | 403, reason: string, caller: string | null, detail: string) => {
    const route = req.routeOptions?.url ?? 'unmatched';
    logger.warn(`refused ${req.method} ${route} with ${status} (${reason}) for caller ${caller ?? 'unknown'}`);
    refused?.inc({ status: String(status), reason, caller: caller ?? 'unknown' });
    sendProblem(reply, problem(status, status === 401 ? 'unauthenticated' : 'forbidden_caller', detail));
    return reply;
  };
  fastify.decorateRequest('serviceCaller', null);
  /** Admits a verified caller the table lets reach the route; otherwise refuses (403) and returns false. */
  const admit = (req: FastifyRequest, reply: FastifyReply, route: string | undefined, caller: ServiceCaller): boolean => {
    // An unknown path is answered 404 by the app, to an authenticated caller only.
    if (route !== undefined && !policy.allows(caller.service, req.method, route)) {
      refuse(req, reply, 403, 'forbidden_caller', caller.service, `${caller.service} may not call ${req.method} ${route}`);
      return false;
    }
    (req as AuthedRequest).serviceCaller = caller;
    return true;
  };
  // A callback hook with a synchronous path for a token verified before (every call but a caller's
  // first in each token's minute): no promise per request. Answering early, it does not call done.
  fastify.addHook('onRequest', (req, reply, done) => {
    const route = req.routeOptions?.url;
    if (route !== undefined && OPEN_ROUTES.has(route)) return done();
    const header = req.headers.authorization;
    const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const known = token ? opts.verifier.cachedCaller(token) : undefined;
    if (known) {
      if (admit(req, reply, route, known)) done();
      return;
    }
    opts.verifier.verify(token).then(
      (caller) => { if (admit(req, reply, route, caller)) done(); },
      (err: unknown) => {
        if (err instanceof ServiceTokenError) refuse(req, reply, 401, err.reason, err.caller, err.message);
        else done(err as Error);
      },
    );
  });
}
