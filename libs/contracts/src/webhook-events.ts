import { defineEvent } from './event-definition';
import { Topics } from './topics';

// Published by the webhook-dispatcher.

/** A webhook delivery died (every attempt failed), or its endpoint was disabled. */
export interface WebhookDeliveryFailedData {
  /** The endpoint that did not take the event. */
  endpoint_id: string;
  /** The event that was not delivered (its `webhook-id`). */
  event_id: string;
  /** Type of that event, e.g. `wallet_update`. */
  event_type: string;
  /** The delivery (one event to one endpoint). */
  delivery_id: string;
  /** `delivery_dead` (attempts exhausted), `endpoint_disabled:gone` (the receiver answered 410) or `endpoint_disabled:failing` (no success for too long). */
  reason: 'delivery_dead' | 'endpoint_disabled:gone' | 'endpoint_disabled:failing';
}

export const WebhookEvents = {
  webhook_delivery_failed: defineEvent<WebhookDeliveryFailedData>()('webhook_delivery_failed', Topics.webhooks, {
    endpoint_id: 'uuid', event_id: 'uuid', event_type: 'string', delivery_id: 'uuid', reason: 'string',
  }),
};
