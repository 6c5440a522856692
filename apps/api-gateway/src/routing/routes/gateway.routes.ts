import { r, type RouteRule } from '../route-rule';

/** Public routes served by the gateway's own API keys. */
export const GATEWAY_ROUTES: readonly RouteRule[] = [
  r('POST', '/v1/api-keys', 'gateway', 'api_keys', 'manage', 'admin'),
  r('GET', '/v1/api-keys', 'gateway', 'api_keys', 'manage', 'admin'),
  r('POST', '/v1/api-keys/{id}/revoke', 'gateway', 'api_keys', 'manage', 'admin'),
  r('POST', '/v1/api-keys/{id}/rotate', 'gateway', 'api_keys', 'manage', 'admin'),
];
