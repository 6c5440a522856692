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
  /**
   * `none`: the gateway passes this route without authenticating the caller (rate-limited per IP);
   * the backend authenticates the request itself (e.g. a payment provider's signed callback). Set
   * explicitly on one route at a time; every other route is authenticated (deny by default).
   */
  auth?: 'none';
}

export const r = (method: HttpMethod, path: string, backend: Backend, resource: Resource, action: string, users: UserRule): RouteRule => ({ method, path, backend, resource, action, users });
