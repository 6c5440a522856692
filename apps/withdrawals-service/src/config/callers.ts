import type { CallerTable } from '@wozamali/platform';

/**
 * Who may call this service, and where: the gateway on the public API; the donations-service to pay
 * a campaign's disbursement through the payout pipeline (register, release, cancel an unreleased one,
 * send one in needs_review back to the worker, read its status).
 */
export const callers: CallerTable = {
  'api-gateway': ['* /v1/*'],
  'donations-service': ['PUT /internal/v1/disbursement-payouts/:id', 'PUT /internal/v1/disbursement-payouts/:id/release',
    'PUT /internal/v1/disbursement-payouts/:id/cancel', 'PUT /internal/v1/disbursement-payouts/:id/retry', 'GET /internal/v1/disbursement-payouts'],
};
