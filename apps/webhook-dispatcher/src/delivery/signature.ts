import { createHmac } from 'node:crypto';
import { externalEventData } from '@wozamali/contracts';

/** The raw HMAC key of a `whsec_<base64>` secret. */
export function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

/**
 * Standard Webhooks signature header: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per key,
 * space-separated (several while a secret rotates; receivers accept any one that matches).
 */
export function signatureHeader(keys: readonly Buffer[], id: string, timestampSeconds: number, body: string): string {
  const content = `${id}.${timestampSeconds}.${body}`;
  return keys.map((key) => `v1,${createHmac('sha256', key).update(content).digest('base64')}`).join(' ');
}

/** The headers of one attempt. `webhook-id` is the event id, the same on every retry. */
export function webhookHeaders(keys: readonly Buffer[], id: string, body: string, now: number = Date.now()): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureHeader(keys, id, timestamp, body),
  };
}

/**
 * The body every receiver gets; built once per event so retries sign the same bytes. Its `data` is
 * the event's as it may leave the platform (`externalEventData`: a `hide_amount` donation's amounts
 * are null there).
 */
export function webhookBody(event: { id: string; type: string; occurred_at: string; data: unknown }): string {
  return JSON.stringify({ id: event.id, type: event.type, timestamp: event.occurred_at, data: externalEventData(event.type, event.data) });
}
