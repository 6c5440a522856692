import { createClient, createConfig, type Client } from './generated/client';
import { idempotentFetch, type RetryOptions } from './idempotent-fetch';

export * from './generated/sdk.gen';
export type * from './generated/types.gen';
export type { Client } from './generated/client';
export { idempotentFetch, retryAfterMs, type RetryOptions } from './idempotent-fetch';
export { verifyWebhook, WebhookVerificationError, type WebhookEvent, type EventData, type EventType } from './webhooks';

export interface WozaMaliOptions {
  /** The gateway, e.g. `https://api.wozamali.co.za`. */
  baseUrl: string;
  /** A service's API key (`wm_live_…`) with its `serviceId`, or an end user's JWT as `token`. */
  apiKey?: string;
  serviceId?: string;
  token?: string;
  retry?: RetryOptions;
  headers?: Record<string, string>;
}

/**
 * A client for every operation of the public API: pass it as `client` to the generated functions
 * (`walletsGet({ client, path: { user_id } })`). Every POST gets an Idempotency-Key when the call
 * gives none, and network errors, 503 and 429 are retried with the same key (Retry-After honoured).
 */
export function createWozaMaliClient(options: WozaMaliOptions): Client {
  const auth: Record<string, string> = options.apiKey
    ? { authorization: `Bearer ${options.apiKey}`, ...(options.serviceId ? { 'x-service-id': options.serviceId } : {}) }
    : options.token ? { authorization: `Bearer ${options.token}` } : {};
  return createClient(createConfig({
    baseUrl: options.baseUrl.replace(/\/$/, ''),
    headers: { ...auth, ...(options.headers ?? {}) },
    fetch: idempotentFetch(options.retry),
  }));
}
