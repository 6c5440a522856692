import type { CallerTable } from '@wozamali/platform';

/** Who may call the metrics-service, and where: only the gateway, reading the public API (and an admin's new impact factors). */
export const callers: CallerTable = {
  'api-gateway': ['GET /v1/*', 'PUT /v1/metrics/impact-factors'],
};
