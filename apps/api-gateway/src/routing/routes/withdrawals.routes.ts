import { r, type RouteRule } from '../route-rule';

/** Public routes served by the withdrawals-service. */
export const WITHDRAWALS_ROUTES: readonly RouteRule[] = [
  r('GET', '/v1/users/{user_id}/withdrawals', 'withdrawals', 'withdrawals', 'read', 'own'),
  r('GET', '/v1/users/{user_id}/withdrawals/**', 'withdrawals', 'withdrawals', 'read', 'own'),
  r('POST', '/v1/users/{user_id}/withdrawals', 'withdrawals', 'withdrawals', 'request', 'own'),
  r('GET', '/v1/withdrawals', 'withdrawals', 'withdrawals', 'read', 'admin'),
  r('GET', '/v1/withdrawals/**', 'withdrawals', 'withdrawals', 'read', 'admin'),
  r('POST', '/v1/withdrawals/**', 'withdrawals', 'withdrawals', 'approve', 'admin'),
];
