import type { CallerTable } from '@wozamali/platform';

/**
 * Who may call this service, and where: the gateway on the public API; the donations-service to pay
 * a campaign's disbursement through the payout pipeline (register, release, read its status).
 */
export const callers: CallerTable = {
  'api-gateway': ['* /v1/*'],
  'donations-service': ['PUT /internal/v1/disbursement-payouts/:id', 'PUT /internal/v1/disbursement-payouts/:id/release', 'GET /internal/v1/disbursement-payouts'],
};
