import { r, type RouteRule } from '../route-rule';

/** Public routes served by the withdrawals-service (specific paths before parameters). */
export const WITHDRAWALS_ROUTES: readonly RouteRule[] = [
  r('GET', '/v1/users/{user_id}/withdrawals', 'withdrawals', 'withdrawals', 'read', 'own'),
  r('POST', '/v1/users/{user_id}/withdrawals', 'withdrawals', 'withdrawals', 'request', 'own'),
  r('GET', '/v1/users/{user_id}/withdrawals/{withdrawal_id}', 'withdrawals', 'withdrawals', 'read', 'own'),
  r('POST', '/v1/users/{user_id}/withdrawals/{withdrawal_id}/cancel', 'withdrawals', 'withdrawals', 'request', 'own'),
  // The payment provider's Standard Webhooks callbacks: no API key; the withdrawals-service verifies the signature.
  { ...r('POST', '/v1/withdrawals/payout-callbacks', 'withdrawals', 'withdrawals', 'request', 'admin'), auth: 'none' },
  r('GET', '/v1/withdrawals', 'withdrawals', 'withdrawals', 'read', 'admin'),
  r('GET', '/v1/withdrawals/reconciliations', 'withdrawals', 'withdrawals', 'read', 'admin'),
  r('GET', '/v1/withdrawals/limits', 'withdrawals', 'withdrawals', 'read', 'admin'),
  r('PUT', '/v1/withdrawals/limits', 'withdrawals', 'withdrawals', 'approve', 'admin'),
  r('GET', '/v1/withdrawals/{withdrawal_id}', 'withdrawals', 'withdrawals', 'read', 'admin'),
  r('POST', '/v1/withdrawals/{withdrawal_id}/approve', 'withdrawals', 'withdrawals', 'approve', 'admin'),
  r('POST', '/v1/withdrawals/{withdrawal_id}/reject', 'withdrawals', 'withdrawals', 'approve', 'admin'),
  r('POST', '/v1/withdrawals/{withdrawal_id}/retry-payout', 'withdrawals', 'withdrawals', 'approve', 'admin'),
];
