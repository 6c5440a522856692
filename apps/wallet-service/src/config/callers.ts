import type { CallerTable } from '@wozamali/platform';

/**
 * Who may call the wallet-service, and where. The gateway reaches the public API (its own
 * permission checks decide who behind it may do what); the internal ledger API is open only to
 * the services whose flows need each route.
 */
export const callers: CallerTable = {
  'api-gateway': ['* /v1/*'],
  // Payouts: hold the amount, then post it or void it; money coming back is a credit transfer.
  'withdrawals-service': ['POST /internal/v1/holds', 'POST /internal/v1/holds/:id/post', 'POST /internal/v1/holds/:id/void', 'POST /internal/v1/transfers'],
  // Redemptions are transfers; a failed issue reverses its redemption.
  'rewards-service': ['POST /internal/v1/transfers', 'POST /internal/v1/transfers/:id/reverse'],
  // Donations are transfers, refunds their reversals; campaign balances are account reads.
  'donations-service': ['POST /internal/v1/transfers', 'POST /internal/v1/transfers/:id/reverse', 'GET /internal/v1/accounts/*'],
  // The daily reconciliation of metrics with the ledger: a read.
  'metrics-service': ['GET /internal/v1/reports/user-days'],
};
