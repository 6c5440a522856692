import type { CallerTable } from '@wozamali/platform';

/** Who may call this service, and where: the gateway on the public API; the rewards-service to learn a donation's donor (badges). */
export const callers: CallerTable = {
  'api-gateway': ['* /v1/*'],
  'rewards-service': ['GET /internal/v1/donations/:id/donor'],
};
