import { r, type RouteRule } from '../route-rule';

/** Public routes served by the wallet-service (ledger, points, collections, materials, tiers). */
export const WALLET_ROUTES: readonly RouteRule[] = [
  r('GET', '/v1/wallets/{user_id}', 'wallet', 'wallets', 'read', 'own'),
  r('GET', '/v1/wallets/{user_id}/transactions', 'wallet', 'wallets', 'read', 'own'),
  r('POST', '/v1/users/{user_id}/points/earn', 'wallet', 'points', 'earn', 'admin'),
  r('POST', '/v1/users/{user_id}/points/spend', 'wallet', 'points', 'spend', 'own'),
  r('GET', '/v1/users/{user_id}/points/history', 'wallet', 'points', 'read', 'own'),
  r('POST', '/v1/collections', 'wallet', 'collections', 'create', 'collector'),
  r('GET', '/v1/materials', 'wallet', 'materials', 'read', 'any_user'),
  r('PUT', '/v1/materials/rate-card', 'wallet', 'materials', 'write', 'admin'),
  r('GET', '/v1/tiers', 'wallet', 'tiers', 'read', 'admin'),
  r('PUT', '/v1/tiers', 'wallet', 'tiers', 'write', 'admin'),
  r('GET', '/v1/admin/ledger/verify', 'wallet', 'ledger', 'verify', 'admin'),
  r('POST', '/v1/admin/adjustments', 'wallet', 'ledger', 'adjust', 'admin'),
  r('POST', '/v1/admin/transfers/{transfer_id}/reverse', 'wallet', 'ledger', 'reverse', 'admin'),
];
