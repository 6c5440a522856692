import { r, type RouteRule } from '../route-rule';

/** Public routes served by the donations-service. */
export const DONATIONS_ROUTES: readonly RouteRule[] = [
  r('GET', '/v1/donations/campaigns', 'donations', 'campaigns', 'read', 'any_user'),
  r('GET', '/v1/donations/campaigns/**', 'donations', 'campaigns', 'read', 'any_user'),
  r('POST', '/v1/donations/campaigns', 'donations', 'campaigns', 'write', 'admin'),
  r('POST', '/v1/donations/campaigns/**', 'donations', 'campaigns', 'write', 'admin'),
  r('PUT', '/v1/donations/campaigns/**', 'donations', 'campaigns', 'write', 'admin'),
  r('PATCH', '/v1/donations/campaigns/**', 'donations', 'campaigns', 'write', 'admin'),
  r('GET', '/v1/donations', 'donations', 'donations', 'read', 'admin'),
  r('GET', '/v1/donations/**', 'donations', 'donations', 'read', 'admin'),
  r('GET', '/v1/users/{user_id}/donations', 'donations', 'donations', 'read', 'own'),
  r('GET', '/v1/users/{user_id}/donations/**', 'donations', 'donations', 'read', 'own'),
  r('POST', '/v1/users/{user_id}/donations', 'donations', 'donations', 'create', 'own'),
];
