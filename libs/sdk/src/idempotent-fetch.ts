import { randomUUID } from 'node:crypto';

export interface RetryOptions {
  /** Retries after the first attempt (default 3). */
  maxRetries?: number;
  /** First back-off when the server gives no Retry-After (ms, default 200; doubles per retry). */
  baseDelayMs?: number;
  /** Longest wait between attempts (ms, default 30 s), Retry-After included. */
  maxDelayMs?: number;
  /** Makes an Idempotency-Key (default a random UUID). */
  newIdempotencyKey?: () => string;
  /** The fetch to wrap (default the global one). */
  fetch?: typeof fetch;
  /** Called before each retry (logging, tests). */
  onRetry?: (info: { attempt: number; reason: string; delayMs: number; idempotencyKey: string | null }) => void;
}

const RETRY_STATUSES = new Set([429, 503]);

/** Retry-After as delay-seconds or an HTTP date, in ms; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * A fetch that makes every POST safe to retry: it sends an `Idempotency-Key` (a new one per write
 * when the caller gives none) and retries a network error, a 503 or a 429 with the same key and
 * body, waiting as `Retry-After` says (else exponential back-off). The platform answers a retry of
 * an applied write with the stored answer (`Idempotent-Replayed: true`), so a write applies once.
 * GET, HEAD, PUT and DELETE are retried likewise; PATCH only on 429/503 (the server said it did nothing).
 */
export function idempotentFetch(options: RetryOptions = {}): typeof fetch {
  const inner = options.fetch ?? fetch;
  const maxRetries = options.maxRetries ?? 3;
  const base = options.baseDelayMs ?? 200;
  const cap = options.maxDelayMs ?? 30_000;
  const newKey = options.newIdempotencyKey ?? randomUUID;
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const method = request.method.toUpperCase();
    const headers = new Headers(request.headers);
    if (method === 'POST' && !headers.has('idempotency-key')) headers.set('idempotency-key', newKey());
    const key = headers.get('idempotency-key');
    const body = request.body ? await request.arrayBuffer() : undefined;
    const retryNetwork = method !== 'PATCH';
    for (let attempt = 0; ; attempt += 1) {
      let reason: string;
      let wait: number | null = null;
      try {
        const res = await inner(request.url, { method, headers, body, signal: request.signal, redirect: request.redirect });
        if (!RETRY_STATUSES.has(res.status) || attempt >= maxRetries) return res;
        reason = `status ${res.status}`;
        wait = retryAfterMs(res.headers.get('retry-after'));
        await res.body?.cancel();
      } catch (err) {
        if (!retryNetwork || attempt >= maxRetries || request.signal.aborted) throw err;
        reason = `network error: ${(err as Error).message}`;
      }
      const delayMs = Math.min(cap, wait ?? base * 2 ** attempt);
      options.onRetry?.({ attempt: attempt + 1, reason, delayMs, idempotencyKey: key });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  };
}
