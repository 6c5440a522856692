import { r, type RouteRule } from '../route-rule';

/**
 * Public routes served by the metrics-service. A resident reads their own figures (another's is
 * 404) and, like every signed-in user, the leaderboards (masked handles) and the programme's
 * impact; everything naming other users or the whole programme's books is for admins.
 */
export const METRICS_ROUTES: readonly RouteRule[] = [
  r('GET', '/v1/users/{user_id}/metrics', 'metrics', 'metrics', 'read', 'own'),
  r('GET', '/v1/metrics/leaderboard', 'metrics', 'metrics', 'read', 'any_user'),
  r('GET', '/v1/metrics/impact', 'metrics', 'metrics', 'read', 'any_user'),
  r('GET', '/v1/metrics', 'metrics', 'metrics', 'read', 'admin'),
  r('GET', '/v1/metrics/system', 'metrics', 'metrics', 'read', 'admin'),
  r('GET', '/v1/metrics/users/{user_id}', 'metrics', 'metrics', 'read', 'admin'),
  r('GET', '/v1/metrics/reconciliation', 'metrics', 'metrics', 'read', 'admin'),
  r('GET', '/v1/metrics/impact-factors', 'metrics', 'metrics', 'read', 'admin'),
  r('PUT', '/v1/metrics/impact-factors', 'metrics', 'metrics', 'write', 'admin'),
];
