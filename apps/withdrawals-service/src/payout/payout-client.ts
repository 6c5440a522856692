import CircuitBreaker from 'opossum';
import { classifySendAnswer, PROVIDER_STATUSES, type ProviderStatus } from '../domain/withdrawal-state';

/** A payout as the provider answers it (the fields we read). */
export interface ProviderPayout {
  id: string;
  reference: string;
  amount: number;
  status: ProviderStatus;
  reason_code: string | null;
}

/** The body of `POST /v1/payouts`: the destination is in clear here only, in memory, for this one call. */
export interface PayoutRequest {
  reference: string;
  amount: number;
  currency: 'ZAR';
  method: string;
  destination: Record<string, string>;
}

export type SendResult =
  | { kind: 'accepted'; payout: ProviderPayout }
  /** A definitive refusal (400/422): the provider created nothing. */
  | { kind: 'refused'; code: string; status: number }
  /** Timeout, reset, 5xx, anything else: it may have been recorded. Ask by reference; resend only with the same key. */
  | { kind: 'unknown'; reason: string };

export type LookupResult = { kind: 'found'; payout: ProviderPayout } | { kind: 'not_found' } | { kind: 'unknown'; reason: string };

export interface ProviderReport {
  date: string;
  payouts: { reference: string; id: string; amount: number; status: ProviderStatus }[];
}

class Doubt extends Error {}

interface Exchange {
  status: number;
  body: unknown;
}

function isPayout(v: unknown): v is ProviderPayout {
  const p = v as ProviderPayout | null;
  return !!p && typeof p === 'object' && typeof p.id === 'string' && typeof p.reference === 'string' && Number.isSafeInteger(p.amount)
    && (PROVIDER_STATUSES as readonly string[]).includes(p.status);
}

/**
 * The one way out to the payment provider: HTTP with its own timeout behind an opossum breaker.
 * Doubt (timeouts, resets, 5xx, an open breaker) counts as a failure for the breaker and is answered
 * `unknown`, never `refused`. Error texts never carry the request body (it holds the destination).
 */
export class PayoutClient {
  private readonly breaker: CircuitBreaker<[string, string, string | undefined, Record<string, string>], Exchange>;

  constructor(private readonly baseUrl: string, private readonly timeoutMs: number) {
    this.breaker = new CircuitBreaker((method: string, path: string, body: string | undefined, headers: Record<string, string>) => this.exchange(method, path, body, headers), {
      name: 'payout-provider',
      timeout: false,
      resetTimeout: 10_000,
      errorThresholdPercentage: 50,
      volumeThreshold: 5,
      rollingCountTimeout: 10_000,
    });
  }

  async send(req: PayoutRequest, idempotencyKey: string): Promise<SendResult> {
    const out = await this.fire('POST', '/v1/payouts', JSON.stringify(req), { 'idempotency-key': idempotencyKey, 'content-type': 'application/json' });
    if (out.kind === 'doubt') return { kind: 'unknown', reason: out.reason };
    const outcome = classifySendAnswer(out.status);
    if (outcome === 'accepted' && isPayout(out.body)) return { kind: 'accepted', payout: out.body };
    if (outcome === 'refused') return { kind: 'refused', code: codeOf(out.body) ?? `http_${out.status}`, status: out.status };
    return { kind: 'unknown', reason: `the provider answered ${out.status}` };
  }

  async byReference(reference: string): Promise<LookupResult> {
    const out = await this.fire('GET', `/v1/payouts/by-reference/${encodeURIComponent(reference)}`, undefined, {});
    if (out.kind === 'doubt') return { kind: 'unknown', reason: out.reason };
    if (out.status === 200 && isPayout(out.body)) return { kind: 'found', payout: out.body };
    if (out.status === 404) return { kind: 'not_found' };
    return { kind: 'unknown', reason: `the provider answered ${out.status}` };
  }

  /** The provider's report of a local day, or null when it could not be read. */
  async report(day: string): Promise<ProviderReport | null> {
    const out = await this.fire('GET', `/v1/reports/payouts?date=${encodeURIComponent(day)}`, undefined, {});
    if (out.kind === 'doubt' || out.status !== 200) return null;
    const body = out.body as ProviderReport;
    return body && Array.isArray(body.payouts) ? body : null;
  }

  /** The provider answers its health probe. */
  async healthy(): Promise<boolean> {
    const out = await this.fire('GET', '/health/ready', undefined, {});
    return out.kind === 'answer' && out.status === 200;
  }

  state(): 'open' | 'half_open' | 'closed' {
    return this.breaker.opened ? 'open' : this.breaker.halfOpen ? 'half_open' : 'closed';
  }

  close(): void {
    this.breaker.shutdown();
  }

  private async fire(method: string, path: string, body: string | undefined, headers: Record<string, string>): Promise<{ kind: 'answer'; status: number; body: unknown } | { kind: 'doubt'; reason: string }> {
    try {
      const res = await this.breaker.fire(method, path, body, headers);
      return { kind: 'answer', ...res };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'EOPENBREAKER') return { kind: 'doubt', reason: 'circuit open: the provider failed recently' };
      return { kind: 'doubt', reason: err instanceof Doubt ? err.message : 'the provider could not be reached' };
    }
  }

  private async exchange(method: string, path: string, body: string | undefined, headers: Record<string, string>): Promise<Exchange> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl.replace(/\/$/, '')}${path}`, { method, headers: { accept: 'application/json', ...headers }, body, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      const name = (err as Error).name;
      throw new Doubt(name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : 'the connection failed or was reset');
    }
    let text: string;
    try {
      text = await res.text();
    } catch {
      throw new Doubt('the answer was cut off');
    }
    // A 5xx is doubt for the breaker as well; a 4xx is an answer.
    if (res.status >= 500) throw new Doubt(`the provider answered ${res.status}`);
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    return { status: res.status, body: parsed };
  }
}

function codeOf(body: unknown): string | null {
  const code = (body as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[a-z0-9_]{1,64}$/.test(code) ? code : null;
}
