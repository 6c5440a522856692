import type { EventData, EventType } from '@wozamali/contracts';
import { Webhook } from 'standardwebhooks';

/** One delivery's body: `{ id, type, timestamp, data }`, `data` typed by the event type. */
export type WebhookEvent<T extends EventType = EventType> = { [K in T]: { id: string; type: K; timestamp: string; data: EventData<K> } }[T];

export type { EventData, EventType };

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

/**
 * Verifies a delivery with the endpoint's signing secret (`whsec_…`; during a rotation pass both)
 * per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`, 5 minutes of
 * tolerance) and returns the typed event; throws WebhookVerificationError otherwise. Pass the raw
 * body exactly as received.
 */
export function verifyWebhook<T extends EventType = EventType>(rawBody: string | Buffer, headers: Record<string, string | string[] | undefined> | Headers, secrets: string | readonly string[]): WebhookEvent<T> {
  const flat: Record<string, string> = {};
  if (headers instanceof Headers) headers.forEach((v, k) => { flat[k] = v; });
  else for (const [k, v] of Object.entries(headers)) if (v !== undefined) flat[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  const payload = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  let last: unknown = null;
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    try {
      return new Webhook(secret).verify(payload, flat) as WebhookEvent<T>;
    } catch (err) { last = err; }
  }
  throw new WebhookVerificationError(`webhook signature not verified: ${last instanceof Error ? last.message : 'no secret'}`);
}
