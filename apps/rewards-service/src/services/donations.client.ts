import type { Provider } from '@nestjs/common';
import { ServiceTokenSigner } from '@wozamali/auth';
import CircuitBreaker from 'opossum';
import { RewardsServiceEnv } from '../config/env';

/** Who made a donation, as the donations-service answers it (`GET /internal/v1/donations/{id}/donor`). */
export interface DonationDonor {
  donation_id: string;
  user_id: string | null;
  donor_ref: string;
  visibility: string;
  status: string;
}

/**
 * - `found`: the donations-service answered;
 * - `not_found`: it does not know the donation (404: final, give up);
 * - `unavailable`: no answer, a 5xx, a timeout, an open breaker, or a 4xx it should never give us
 *   (the outcome is unknown: ask again later).
 */
export type DonorLookup = { kind: 'found'; donor: DonationDonor } | { kind: 'not_found' } | { kind: 'unavailable'; reason: string };

/** Thrown inside the breaker for anything that is not an answer: counts as a failure. */
class Unavailable extends Error {}

/**
 * The rewards-service's client of the donations-service's internal API: a signed service token
 * (audience `donations-service`), a timeout, and an opossum breaker (a 404 is an answer, not a failure).
 */
export class DonationsClient {
  private readonly breaker: CircuitBreaker<[string], DonorLookup>;

  constructor(private readonly opts: { baseUrl: string; timeoutMs: number; resetTimeoutMs: number; authHeaders: () => Promise<Record<string, string>> }) {
    this.breaker = new CircuitBreaker((id: string) => this.send(id), {
      name: 'donations-service', timeout: false, resetTimeout: opts.resetTimeoutMs, errorThresholdPercentage: 50, volumeThreshold: 5, rollingCountTimeout: 10_000,
    });
  }

  async donorOf(donationId: string): Promise<DonorLookup> {
    try {
      return await this.breaker.fire(donationId);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'EOPENBREAKER') return { kind: 'unavailable', reason: 'circuit open: the donations-service failed recently' };
      return { kind: 'unavailable', reason: err instanceof Error ? err.message : String(err) };
    }
  }

  close(): void {
    this.breaker.shutdown();
  }

  private async send(id: string): Promise<DonorLookup> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.opts.baseUrl.replace(/\/$/, '')}/internal/v1/donations/${encodeURIComponent(id)}/donor`, {
        headers: { accept: 'application/json', 'x-service-id': 'rewards-service', ...(await this.opts.authHeaders()) },
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      throw new Unavailable(`no answer: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (res.status === 404) return { kind: 'not_found' };
    if (res.status === 200) {
      try {
        const body = JSON.parse(text) as DonationDonor;
        if (body && typeof body === 'object' && (body.user_id === null || typeof body.user_id === 'string')) return { kind: 'found', donor: body };
      } catch { /* below */ }
      throw new Unavailable('unparsable 200 answer');
    }
    throw new Unavailable(`the donations-service answered ${res.status}`);
  }
}

/** The one donations client (breaker, timeout, signed service tokens) of this process. */
export const donationsClientProvider: Provider = {
  provide: DonationsClient,
  useFactory: (env: RewardsServiceEnv, signer: ServiceTokenSigner) =>
    new DonationsClient({
      baseUrl: env.DONATIONS_SERVICE_URL, timeoutMs: env.DONATIONS_TIMEOUT_MS, resetTimeoutMs: env.WALLET_BREAKER_RESET_MS,
      authHeaders: async () => ({ authorization: `Bearer ${await signer.token('donations-service')}` }),
    }),
  inject: [RewardsServiceEnv, ServiceTokenSigner],
};
