import { DomainException } from '@wozamali/platform';

/** The gateway's closed set of problem codes. */
export type GatewayCode =
  | 'missing_credentials' | 'invalid_credentials' | 'invalid_token' | 'token_expired'
  | 'api_key_revoked' | 'api_key_expired' | 'service_id_required' | 'service_id_mismatch'
  | 'forbidden' | 'service_mismatch' | 'not_found' | 'method_not_allowed' | 'rate_limited'
  | 'service_unavailable' | 'upstream_timeout' | 'bootstrap_key_immutable' | 'api_key_not_active' | 'validation_failed';

export function statusOf(code: GatewayCode): number {
  switch (code) {
    case 'validation_failed': return 400;
    case 'missing_credentials':
    case 'invalid_credentials':
    case 'invalid_token':
    case 'token_expired':
    case 'api_key_revoked':
    case 'api_key_expired':
    case 'service_id_required':
    case 'service_id_mismatch': return 401;
    case 'forbidden':
    case 'service_mismatch': return 403;
    case 'not_found': return 404;
    case 'method_not_allowed': return 405;
    case 'bootstrap_key_immutable':
    case 'api_key_not_active': return 409;
    case 'rate_limited': return 429;
    case 'service_unavailable': return 503;
    case 'upstream_timeout': return 504;
  }
}

export class GatewayException extends DomainException<GatewayCode> {
  constructor(code: GatewayCode, detail?: string, extensions: Record<string, unknown> = {}) {
    super(code, statusOf(code), detail, extensions);
  }
}
