import { r, type RouteRule } from '../route-rule';

/** Public routes served by the rewards-service. */
export const REWARDS_ROUTES: readonly RouteRule[] = [
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
];
