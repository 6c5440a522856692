import { DomainException } from '@wozamali/platform';

/** The closed set of problems the webhook-dispatcher reports. */
export type WebhookErrorCode =
  | 'endpoint_not_found'
  | 'delivery_not_found'
  | 'event_not_found'
  | 'event_expired'
  | 'service_not_found'
  | 'url_not_allowed'
  | 'event_type_not_subscribed'
  | 'endpoint_disabled'
  | 'service_name_taken'
  | 'dead_letter_not_found'
  | 'dead_letter_not_replayable';

export function statusOf(code: WebhookErrorCode): number {
  switch (code) {
    case 'endpoint_not_found':
    case 'delivery_not_found':
    case 'event_not_found':
    case 'service_not_found':
    case 'dead_letter_not_found':
      return 404;
    case 'event_expired':
      return 410;
    case 'url_not_allowed':
    case 'event_type_not_subscribed':
      return 422;
    case 'endpoint_disabled':
    case 'service_name_taken':
    case 'dead_letter_not_replayable':
      return 409;
  }
}

export class WebhookException extends DomainException<WebhookErrorCode> {
  constructor(code: WebhookErrorCode, detail?: string, extensions: Record<string, unknown> = {}) {
    super(code, statusOf(code), detail, extensions);
    this.name = 'WebhookException';
  }
}
