import { r, type RouteRule } from '../route-rule';

/** Public routes served by the gateway itself: its API keys and its audit log. */
export const GATEWAY_ROUTES: readonly RouteRule[] = [
  r('POST', '/v1/api-keys', 'gateway', 'api_keys', 'manage', 'admin'),
  r('GET', '/v1/api-keys', 'gateway', 'api_keys', 'manage', 'admin'),
  r('POST', '/v1/api-keys/{id}/revoke', 'gateway', 'api_keys', 'manage', 'admin'),
  r('POST', '/v1/api-keys/{id}/rotate', 'gateway', 'api_keys', 'manage', 'admin'),
  r('GET', '/v1/audit-log', 'gateway', 'audit_log', 'read', 'admin'),
];
