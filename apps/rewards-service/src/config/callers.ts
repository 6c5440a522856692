import type { CallerTable } from '@wozamali/platform';

/** Who may call this service, and where: only the gateway, on the public API. */
export const callers: CallerTable = {
  'api-gateway': ['* /v1/*'],
};
