import { WITHDRAWAL_METHODS, type WithdrawalMethod } from '../domain/destination';
import { PayoutClient, type ProviderReport } from './payout-client';

/** `PAYOUT_PROVIDER_URLS`: `method=url` pairs, comma-separated (`paypal=https://…,crypto=https://…`). */
export const PROVIDER_URLS_PATTERN = new RegExp(`^(|(${WITHDRAWAL_METHODS.join('|')})=https?://[^,\\s]+(,(${WITHDRAWAL_METHODS.join('|')})=https?://[^,\\s]+)*)$`);

export function parseProviderUrls(text: string): Partial<Record<WithdrawalMethod, string>> {
  const out: Partial<Record<WithdrawalMethod, string>> = {};
  for (const pair of text.split(',').filter((p) => p.length > 0)) {
    const i = pair.indexOf('=');
    out[pair.slice(0, i) as WithdrawalMethod] = pair.slice(i + 1);
  }
  return out;
}

/**
 * The payment provider configured for each method: `PAYOUT_PROVIDER_URLS` per method, else
 * `PAYOUT_PROVIDER_URL`. One client (and one breaker) per distinct provider.
 */
export class PayoutProviders {
  private readonly byUrl = new Map<string, PayoutClient>();
  private readonly byMethod = new Map<WithdrawalMethod, PayoutClient>();

  constructor(defaultUrl: string, perMethod: Partial<Record<WithdrawalMethod, string>>, timeoutMs: number) {
    const client = (url: string) => {
      let c = this.byUrl.get(url);
      if (!c) this.byUrl.set(url, (c = new PayoutClient(url, timeoutMs)));
      return c;
    };
    for (const method of WITHDRAWAL_METHODS) this.byMethod.set(method, client(perMethod[method] ?? defaultUrl));
  }

  forMethod(method: WithdrawalMethod): PayoutClient {
    return this.byMethod.get(method)!;
  }

  /** Every provider's report of a local day, merged; null when one of them could not be read. */
  async report(day: string): Promise<ProviderReport | null> {
    const reports = await Promise.all([...this.byUrl.values()].map((c) => c.report(day)));
    if (reports.some((r) => r === null)) return null;
    return { date: day, payouts: reports.flatMap((r) => r!.payouts) };
  }

  close(): void {
    for (const c of this.byUrl.values()) c.close();
  }
}
