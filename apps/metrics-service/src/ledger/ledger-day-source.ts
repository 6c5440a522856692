import type { WalletLedgerUserDay } from '@wozamali/contracts';
import type { WalletClient } from '@wozamali/wallet-client';
import { Pool } from 'pg';

/** Where the reconciliation reads the ledger's side of a day. */
export interface LedgerDaySource {
  /** Which source this is, for the report (`wallet-api`, `wallet-database`). */
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

/**
 * The ledger's day as SQL over the wallet's schema (transfers, postings, accounts): what the wallet's
 * report route computes. Used by `WalletDatabaseLedgerSource` and meant for the wallet's route.
 */
export const LEDGER_USER_DAYS_SQL = `
  with t as (
    select tr.id, tr.kind, orig.kind as reversed_kind
      from transfers tr left join transfers orig on orig.id = tr.reverses_transfer_id
     where tr.created_at >= ($1::date::timestamp at time zone $2::text) and tr.created_at < (($1::date + 1)::timestamp at time zone $2::text)),
  per_transfer as (
    select t.id, t.kind, t.reversed_kind, a.owner_id as user_id, p.asset, sum(p.amount) as net,
           coalesce(sum(p.amount) filter (where p.amount < 0), 0) as debits, coalesce(sum(p.amount) filter (where p.amount > 0), 0) as credits
      from t join postings p on p.transfer_id = t.id join accounts a on a.id = p.account_id and a.owner_type = 'user'
     group by 1, 2, 3, 4, 5)
  select user_id, asset,
         sum(greatest(net, 0))::bigint as earned, sum(greatest(-net, 0))::bigint as spent,
         sum(case when kind = 'donate' then -debits when reversed_kind = 'donate' then -credits else 0 end)::bigint as donated,
         sum(case when kind = 'withdraw_post' then -debits when reversed_kind = 'withdraw_post' then -credits else 0 end)::bigint as withdrawn
    from per_transfer
   group by 1, 2
   order by 1, 2`;

/**
 * A read-only connection to the wallet's database (or a replica of it), for a deployment that gives
 * the metrics-service one (`METRICS_LEDGER_DATABASE_URL`), until the wallet serves the report route.
 */
export class WalletDatabaseLedgerSource implements LedgerDaySource {
  readonly name = 'wallet-database';
  private readonly pool: Pool;

  constructor(connectionString: string) {
    this.pool = new Pool({ connectionString, max: 2 });
  }

  async userDays(date: string, timeZone: string): Promise<WalletLedgerUserDay[]> {
    try {
      const { rows } = await this.pool.query<Record<string, string>>(LEDGER_USER_DAYS_SQL, [date, timeZone]);
      return rows.map((r) => ({
        user_id: r.user_id!.toLowerCase(), asset: r.asset as WalletLedgerUserDay['asset'],
        earned: Number(r.earned), spent: Number(r.spent), donated: Number(r.donated), withdrawn: Number(r.withdrawn),
      }));
    } catch (err) {
      throw new LedgerUnavailable(`the wallet database did not answer: ${(err as Error).message}`);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
