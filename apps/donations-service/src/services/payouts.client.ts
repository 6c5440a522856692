import type { Provider } from '@nestjs/common';
import { ServiceTokenSigner } from '@wozamali/auth';
import CircuitBreaker from 'opossum';
import { DonationsServiceEnv } from '../config/env';

/** A disbursement's payout as the withdrawals-service reports it. */
export interface DisbursementPayout {
  id: string;
  campaign_id: string;
  amount: number;
  method: string;
  destination: Record<string, string>;
  status: 'awaiting' | 'processing' | 'needs_review' | 'completed' | 'failed' | 'returned' | 'cancelled';
  failure_code: string | null;
  provider_payout_id: string | null;
}

export type PayoutsCall<T> =
  | { kind: 'ok'; body: T }
  /** A 4xx: the withdrawals-service refused and stored nothing (e.g. `invalid_destination`). */
  | { kind: 'refused'; status: number; code: string; detail?: string; field?: string }
  /** No complete answer (timeout, reset, 5xx, open breaker): unknown, ask again with the same id. */
  | { kind: 'unavailable'; reason: string };

interface Exchange {
  status: number;
  body: unknown;
}

class Doubt extends Error {}

/**
 * The way to the withdrawals-service's payout pipeline (its internal routes open to this service
 * only): signed service tokens, its own timeout, an opossum breaker. Every call is idempotent on the
 * disbursement id, so a call in doubt is simply made again.
 */
export class PayoutsClient {
  private readonly breaker: CircuitBreaker<[string, string, string | undefined], Exchange>;

  constructor(private readonly baseUrl: string, private readonly timeoutMs: number, private readonly auth: () => Promise<Record<string, string>>) {
    this.breaker = new CircuitBreaker((method: string, path: string, body: string | undefined) => this.exchange(method, path, body), {
      name: 'withdrawals-service',
      timeout: false,
      resetTimeout: 2_000,
      errorThresholdPercentage: 50,
      volumeThreshold: 5,
      rollingCountTimeout: 10_000,
    });
  }

  register(id: string, body: { campaign_id: string; beneficiary: string; amount: number; method: string; destination: Record<string, unknown> }): Promise<PayoutsCall<DisbursementPayout>> {
    return this.fire('PUT', `/internal/v1/disbursement-payouts/${id}`, JSON.stringify(body));
  }

  release(id: string): Promise<PayoutsCall<DisbursementPayout>> {
    return this.fire('PUT', `/internal/v1/disbursement-payouts/${id}/release`, undefined);
  }

  /** An unreleased payout cancelled (the disbursement was rejected or its move refused); a cancelled one answers as it is. */
  cancel(id: string): Promise<PayoutsCall<DisbursementPayout>> {
    return this.fire('PUT', `/internal/v1/disbursement-payouts/${id}/cancel`, undefined);
  }

  /** A payout in `needs_review` sent back to the pipeline's worker (asked by reference, resent only with the same key); a repeat answers as it is. */
  retry(id: string): Promise<PayoutsCall<DisbursementPayout>> {
    return this.fire('PUT', `/internal/v1/disbursement-payouts/${id}/retry`, undefined);
  }

  many(ids: string[]): Promise<PayoutsCall<{ data: DisbursementPayout[] }>> {
    return this.fire('GET', `/internal/v1/disbursement-payouts?ids=${ids.join(',')}`, undefined);
  }

  close(): void {
    this.breaker.shutdown();
  }

  private async fire<T>(method: string, path: string, body: string | undefined): Promise<PayoutsCall<T>> {
    let res: Exchange;
    try {
      res = await this.breaker.fire(method, path, body);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'EOPENBREAKER') return { kind: 'unavailable', reason: 'circuit open: the withdrawals-service failed recently' };
      return { kind: 'unavailable', reason: err instanceof Doubt ? err.message : 'the withdrawals-service could not be reached' };
    }
    if (res.status >= 200 && res.status < 300) return { kind: 'ok', body: res.body as T };
    const p = (res.body ?? {}) as { code?: unknown; detail?: unknown; field?: unknown };
    return {
      kind: 'refused', status: res.status, code: typeof p.code === 'string' ? p.code : `http_${res.status}`,
      detail: typeof p.detail === 'string' ? p.detail : undefined, field: typeof p.field === 'string' ? p.field : undefined,
    };
  }

  private async exchange(method: string, path: string, body: string | undefined): Promise<Exchange> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl.replace(/\/$/, '')}${path}`, {
        method, body, signal: AbortSignal.timeout(this.timeoutMs),
        headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(await this.auth()) },
      });
    } catch (err) {
      throw new Doubt((err as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : 'the connection failed or was reset');
    }
    let text: string;
    try {
      text = await res.text();
    } catch {
      throw new Doubt('the answer was cut off');
    }
    if (res.status >= 500) throw new Doubt(`the withdrawals-service answered ${res.status}`);
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    return { status: res.status, body: parsed };
  }
}

export const payoutsClientProvider: Provider = {
  provide: PayoutsClient,
  useFactory: (env: DonationsServiceEnv, signer: ServiceTokenSigner) =>
    new PayoutsClient(env.WITHDRAWALS_SERVICE_URL, env.WITHDRAWALS_TIMEOUT_MS, async () => ({ authorization: `Bearer ${await signer.token('withdrawals-service')}` })),
  inject: [DonationsServiceEnv, ServiceTokenSigner],
};
