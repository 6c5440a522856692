import type { WalletLedgerUserDay } from '@wozamali/contracts';
import type { WalletClient } from '@wozamali/wallet-client';

/** Where the reconciliation reads the ledger's side of a day. */
export interface LedgerDaySource {
  /** Which source this is, for the report (`wallet-api`). */
  readonly name: string;
  /** Each user's movements per asset on a local day; throws `LedgerUnavailable` when the ledger can't say. */
  userDays(date: string, timeZone: string): Promise<WalletLedgerUserDay[]>;
  close(): Promise<void>;
}

export class LedgerUnavailable extends Error {}

/**
 * The wallet's internal API (`GET /internal/v1/reports/user-days`), through the wallet client and
 * its breaker, with a signed service token. The default.
 */
export class WalletApiLedgerSource implements LedgerDaySource {
  readonly name = 'wallet-api';

  constructor(private readonly client: WalletClient) {}

  async userDays(date: string, timeZone: string): Promise<WalletLedgerUserDay[]> {
    const res = await this.client.ledgerUserDays(date, timeZone);
    if (res.kind === 'applied') return res.body.users;
    throw new LedgerUnavailable(res.kind === 'refused' ? `the wallet refused: ${res.status} ${res.code}` : `the wallet is unavailable: ${res.reason}`);
  }

  close(): Promise<void> {
    this.client.close();
    return Promise.resolve();
  }
}
