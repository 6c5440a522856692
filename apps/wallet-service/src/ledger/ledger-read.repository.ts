import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { Asset, OwnerType } from './ledger.types';

export interface UserAccountRow {
  id: string;
  asset: Asset;
  balance: number;
  held: number;
  lifetime_earned: number;
  updated_at: Date;
}

export interface TransferRow {
  id: string;
  kind: string;
  money_change: number;
  points_change: number;
  balance_after: number | null;
  points_after: number | null;
  description: string;
  reference: string | null;
  reverses_transfer_id: string | null;
  hold_id: string | null;
  created_at: Date;
}

export interface AssetTotalsRow {
  asset: Asset;
  balance: number;
  credited: number;
  debited: number;
}

/** The ledger's reads (the writes all go through LedgerRepository.execute). */
@Injectable()
export class LedgerReadRepository {
  private readonly pool: Pool;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.pool = (dataSource.driver as unknown as { master: Pool }).master;
  }

  private async rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(sql, params)).rows as T[];
  }

  /**
   * Each user's movements per asset on one local day (`date` in `timeZone`), for the metrics
   * service's reconciliation: `earned`/`spent` the positive/negative net of each transfer on the
   * user's accounts; `donated` the debits of donations less what came back (their reversals, and
   * refund transfers from a campaign); `withdrawn` the debits of posted holds less what came back
   * (their reversals, and transfers from payout clearing: returned payouts).
   */
  userDays(date: string, timeZone: string): Promise<{ user_id: string; asset: Asset; earned: string; spent: string; donated: string; withdrawn: string }[]> {
    return this.rows(
      // Every posting of the day's transfers is read once (the day's range on transfers_created_at_idx);
      // whether a transfer paid out of a campaign or of payout clearing is a flag over its own legs.
      `with t as (
         select tr.id, tr.kind, orig.kind as reversed_kind
           from transfers tr left join transfers orig on orig.id = tr.reverses_transfer_id
          where tr.created_at >= ($1::date::timestamp at time zone $2::text) and tr.created_at < (($1::date + 1)::timestamp at time zone $2::text)),
       legs as (
         select t.id, t.kind, t.reversed_kind, a.owner_type, a.owner_id, p.asset, p.amount
           from t join postings p on p.transfer_id = t.id join accounts a on a.id = p.account_id),
       flags as (
         select id, bool_or(owner_type = 'campaign' and amount < 0) as from_campaign, bool_or(owner_type = 'payout_clearing' and amount < 0) as from_clearing
           from legs group by id),
       per_transfer as (
         select l.id, l.kind, l.reversed_kind, f.from_campaign, f.from_clearing, l.owner_id as user_id, l.asset, sum(l.amount) as net,
                coalesce(sum(l.amount) filter (where l.amount < 0), 0) as debits, coalesce(sum(l.amount) filter (where l.amount > 0), 0) as credits
           from legs l join flags f on f.id = l.id
          where l.owner_type = 'user'
          group by 1, 2, 3, 4, 5, 6, 7)
       select user_id, asset,
              sum(greatest(net, 0))::bigint as earned, sum(greatest(-net, 0))::bigint as spent,
              sum(case when kind = 'donate' then -debits when reversed_kind = 'donate' or (kind = 'transfer' and from_campaign) then -credits else 0 end)::bigint as donated,
              sum(case when kind = 'withdraw_post' then -debits when reversed_kind = 'withdraw_post' or (kind = 'transfer' and from_clearing) then -credits else 0 end)::bigint as withdrawn
         from per_transfer
        group by 1, 2
        order by 1, 2`,
      [date, timeZone],
    );
  }

  /** Who made a transfer (its idempotency scope: the calling service for internal calls), or undefined when there is no such transfer. */
  async transferMaker(id: string): Promise<string | null | undefined> {
    const [row] = await this.rows<{ client_id: string | null }>('select client_id from transfers where id = $1', [id]);
    return row ? row.client_id : undefined;
  }

  /** The user's money and points accounts (shard 0), either of which may not exist yet. */
  findUserAccounts(userId: string): Promise<UserAccountRow[]> {
    return this.rows(`select id, asset, balance, held, lifetime_earned, updated_at from accounts where owner_type = 'user' and owner_id = $1 and shard = 0`, [userId]);
  }

  /**
   * The user's transfers, newest first, older than `before` (a transfer id), with their net change per
   * asset and the balance after the last posting (a multi-leg transfer may post to one account twice).
   */
  listUserTransfers(userId: string, before: string | null, limit: number, pointsOnly: boolean): Promise<TransferRow[]> {
    return this.rows(
      `with mine as (select id, asset from accounts where owner_type = 'user' and owner_id = $1 and shard = 0)
       select t.id, t.kind, t.description, t.reference, t.reverses_transfer_id, t.hold_id, t.created_at,
              coalesce(sum(p.amount) filter (where mine.asset = 'ZAR'), 0)::bigint as money_change,
              coalesce(sum(p.amount) filter (where mine.asset = 'POINTS'), 0)::bigint as points_change,
              (array_agg(p.balance_after order by p.id desc) filter (where mine.asset = 'ZAR'))[1] as balance_after,
              (array_agg(p.balance_after order by p.id desc) filter (where mine.asset = 'POINTS'))[1] as points_after
         from transfers t
         left join postings p on p.transfer_id = t.id and p.account_id in (select id from mine)
         left join mine on mine.id = p.account_id
        where t.user_id = $2 and ($3::uuid is null or t.id < $3::uuid)
          ${pointsOnly ? `and exists (select 1 from postings pp join mine m2 on m2.id = pp.account_id and m2.asset = 'POINTS' where pp.transfer_id = t.id)` : ''}
        group by t.id
        order by t.id desc
        limit $4`,
      [userId, userId, before, limit],
    );
  }

  /**
   * An owner's balance per asset summed over its shards (for an account that keeps no cached balance,
   * the sum of its postings), with everything it was ever credited and debited. Assets it never held
   * are absent.
   */
  sumOwnerBalances(ownerType: OwnerType, ownerId: string): Promise<AssetTotalsRow[]> {
    return this.rows(
      `with acc as (select id, asset, cached, balance from accounts where owner_type = $1 and owner_id = $2),
            moved as (select account_id, sum(amount) as net, sum(amount) filter (where amount > 0) as credited, -sum(amount) filter (where amount < 0) as debited
                        from postings where account_id in (select id from acc) group by account_id)
       select acc.asset,
              sum(case when acc.cached then acc.balance else coalesce(moved.net, 0) end)::bigint as balance,
              coalesce(sum(moved.credited), 0)::bigint as credited,
              coalesce(sum(moved.debited), 0)::bigint as debited
         from acc left join moved on moved.account_id = acc.id
        group by acc.asset`,
      [ownerType, ownerId],
    );
  }

  /** Accounts whose cached balance, held amount or lifetime points differ from their postings and holds, or that went below zero. */
  findBalanceMismatches(limit: number): Promise<Record<string, unknown>[]> {
    return this.rows(
      `with sums as (select account_id, sum(amount) as s, sum(amount) filter (where counts_lifetime) as l from postings group by account_id),
            h as (select account_id, sum(amount) as s from holds where status = 'pending' group by account_id)
       select a.id as account_id, a.owner_type, a.owner_id, a.asset, a.shard,
              a.balance as cached_balance, coalesce(sums.s, 0)::bigint as computed_balance,
              a.held as cached_held, coalesce(h.s, 0)::bigint as computed_held,
              a.lifetime_earned as cached_lifetime, coalesce(sums.l, 0)::bigint as computed_lifetime
         from accounts a left join sums on sums.account_id = a.id left join h on h.account_id = a.id
        where (a.cached and (a.balance <> coalesce(sums.s, 0) or a.held <> coalesce(h.s, 0))) or a.lifetime_earned <> coalesce(sums.l, 0)
           or (not a.allow_negative and (a.balance < 0 or a.held > a.balance))
        limit $1`,
      [limit],
    );
  }

  /** Transfers whose postings don't sum to zero for some asset. */
  findUnbalancedTransfers(limit: number): Promise<Record<string, unknown>[]> {
    return this.rows(`select transfer_id, asset, sum(amount)::bigint as total from postings group by transfer_id, asset having sum(amount) <> 0 limit $1`, [limit]);
  }

  async countAccountsAndTransfers(): Promise<{ accounts: number; transfers: number }> {
    const [row] = await this.rows<{ accounts: number; transfers: number }>('select (select count(*)::int from accounts) as accounts, (select count(*)::int from transfers) as transfers');
    return row!;
  }
}
