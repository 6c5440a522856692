import type { CallerTable } from '@wozamali/platform';

/** Who may call the metrics-service, and where: only the gateway, reading the public API. */
export const callers: CallerTable = {
  'api-gateway': ['GET /v1/*'],
};
