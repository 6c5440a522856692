import { DomainException } from '@wozamali/platform';

/** The closed set of problems the metrics-service reports. */
export type MetricsErrorCode = 'invalid_id' | 'invalid_range' | 'date_range_required' | 'invalid_impact_factors' | 'impact_factors_clash' | 'ledger_unavailable';

export function statusOf(code: MetricsErrorCode): number {
  switch (code) {
    case 'invalid_id':
    case 'invalid_range':
    case 'date_range_required':
      return 400;
    case 'invalid_impact_factors':
      return 422;
    case 'impact_factors_clash':
      return 409;
    case 'ledger_unavailable':
      return 503;
  }
}

export class MetricsException extends DomainException<MetricsErrorCode> {
  constructor(code: MetricsErrorCode, detail?: string, extensions: Record<string, unknown> = {}) {
    super(code, statusOf(code), detail, extensions);
    this.name = 'MetricsException';
  }
}
