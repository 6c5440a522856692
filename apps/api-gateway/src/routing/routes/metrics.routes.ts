import { r, type RouteRule } from '../route-rule';

/** Public routes served by the metrics-service. */
export const METRICS_ROUTES: readonly RouteRule[] = [
  r('GET', '/v1/users/{user_id}/metrics', 'metrics', 'metrics', 'read', 'own'),
  r('GET', '/v1/metrics', 'metrics', 'metrics', 'read', 'admin'),
  r('GET', '/v1/metrics/**', 'metrics', 'metrics', 'read', 'admin'),
];
