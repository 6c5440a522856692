import { r, type RouteRule } from '../route-rule';

/** Public routes served by the rewards-service. */
export const REWARDS_ROUTES: readonly RouteRule[] = [
  r('GET', '/v1/rewards', 'rewards', 'rewards', 'read', 'any_user'),
  r('POST', '/v1/rewards', 'rewards', 'rewards', 'write', 'admin'),
  // Settings that are data (admin); listed before `/v1/rewards/{reward_id}` (first match wins).
  r('GET', '/v1/rewards/settings', 'rewards', 'rewards', 'write', 'admin'),
  r('PUT', '/v1/rewards/settings', 'rewards', 'rewards', 'write', 'admin'),
  r('GET', '/v1/rewards/{reward_id}', 'rewards', 'rewards', 'read', 'any_user'),
  r('PATCH', '/v1/rewards/{reward_id}', 'rewards', 'rewards', 'write', 'admin'),
  r('GET', '/v1/rewards/{reward_id}/stock-movements', 'rewards', 'rewards', 'write', 'admin'),
  // Partners: a service key with rewards:use_codes; the rewards-service scopes it to the rewards whose partner is the key's service.
  r('POST', '/v1/reward-codes/validate', 'rewards', 'rewards', 'use_codes', 'admin'),
  r('POST', '/v1/reward-codes/use', 'rewards', 'rewards', 'use_codes', 'admin'),
  r('POST', '/v1/reward-codes/uses/{use_id}/rollback', 'rewards', 'rewards', 'use_codes', 'admin'),
  r('GET', '/v1/users/{user_id}/rewards', 'rewards', 'rewards', 'read', 'own'),
  r('POST', '/v1/users/{user_id}/rewards', 'rewards', 'rewards', 'redeem', 'own'),
  // An admin gives a reward at no cost (only the stock counts); listed before `{user_reward_id}` routes.
  r('POST', '/v1/users/{user_id}/rewards/issue', 'rewards', 'rewards', 'write', 'admin'),
  r('GET', '/v1/users/{user_id}/rewards/{user_reward_id}', 'rewards', 'rewards', 'read', 'own'),
  r('POST', '/v1/users/{user_id}/rewards/{user_reward_id}/cancel', 'rewards', 'rewards', 'write', 'admin'),
];
