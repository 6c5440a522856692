import { Injectable } from '@nestjs/common';
import type { DonationVisibility, WalletMultiLegTransferRequest } from '@wozamali/contracts';
import { DataSource, type EntityManager } from 'typeorm';

export type DonationStatus = 'pending' | 'accepted' | 'failed' | 'refunded';

/** A donation as stored. */
export interface Donation {
  id: string;
  campaign_id: string;
  user_id: string;
  donor_ref: string;
  visibility: DonationVisibility;
  message: string | null;
  amount: number;
  points: number;
  bonus_points: number;
  status: DonationStatus;
  failure_code: string | null;
  /** The wallet request, stored before it is first sent and resent unchanged with the same key. */
  wallet_request: WalletMultiLegTransferRequest;
  transfer_id: string | null;
  receipt_number: string | null;
  donated_at: Date | null;
  refund_reason: string | null;
  refunded_by: string | null;
  refund_transfer_id: string | null;
  bonus_reclaimed: number | null;
  bonus_shortfall: number | null;
  refunded_at: Date | null;
  attempts: number;
  created_at: Date;
}

type Row = Omit<Donation, 'amount' | 'points' | 'bonus_points' | 'bonus_reclaimed' | 'bonus_shortfall'> & {
  amount: string; points: string; bonus_points: string; bonus_reclaimed: string | null; bonus_shortfall: string | null;
};

function toDonation(r: Row): Donation {
  return {
    ...r, amount: Number(r.amount), points: Number(r.points), bonus_points: Number(r.bonus_points),
    bonus_reclaimed: r.bonus_reclaimed === null ? null : Number(r.bonus_reclaimed), bonus_shortfall: r.bonus_shortfall === null ? null : Number(r.bonus_shortfall),
  };
}

/** A receipt as stored. */
export interface Receipt {
  number: string;
  donation_id: string;
  tax_year: number;
  seq: number;
  kind: 'section_18a' | 'receipt';
  amount: number;
  currency: string;
  donor_user_id: string;
  campaign_id: string;
  pbo_name: string | null;
  pbo_reference: string | null;
  issued_at: Date;
  voided_at: Date | null;
  void_reason: string | null;
}

export type NewDonation = Pick<Donation, 'id' | 'campaign_id' | 'user_id' | 'donor_ref' | 'visibility' | 'message' | 'amount' | 'points' | 'bonus_points' | 'wallet_request'>;

/** A page of rows and the cursor of the next one (null on the last). */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`, 'utf8').toString('base64url');
}

/** The position a cursor names, or null when it is not one of ours (the caller answers 400). */
export function decodeCursor(cursor: string): { at: Date; id: string } | null {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/.test(id)) return null;
  return { at: new Date(at), id };
}

@Injectable()
export class DonationRepository {
  constructor(private readonly ds: DataSource) {}

  async getById(id: string, m: EntityManager = this.ds.manager): Promise<Donation | null> {
    const [row] = (await m.query('select * from donations where id = $1', [id])) as Row[];
    return row ? toDonation(row) : null;
  }

  async lockForUpdate(m: EntityManager, id: string): Promise<Donation | null> {
    // No key update: the refund's attempt rows (written on another connection) reference this row, and must not wait for it.
    const [row] = (await m.query('select * from donations where id = $1 for no key update', [id])) as Row[];
    return row ? toDonation(row) : null;
  }

  async insertAccepted(m: EntityManager, d: NewDonation, transferId: string, donatedAt: Date): Promise<Donation> {
    const [row] = (await m.query(
      `insert into donations (id, campaign_id, user_id, donor_ref, visibility, message, amount, points, bonus_points, status, wallet_request, transfer_id, donated_at, attempts)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'accepted', $10, $11, $12, 1) returning *`,
      [d.id, d.campaign_id, d.user_id, d.donor_ref, d.visibility, d.message, d.amount, d.points, d.bonus_points, JSON.stringify(d.wallet_request), transferId, donatedAt],
    )) as Row[];
    return toDonation(row!);
  }

  async insertPending(m: EntityManager, d: NewDonation, retryAt: Date): Promise<Donation> {
    const [row] = (await m.query(
      `insert into donations (id, campaign_id, user_id, donor_ref, visibility, message, amount, points, bonus_points, status, wallet_request, attempts, next_attempt_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, 1, $11) returning *`,
      [d.id, d.campaign_id, d.user_id, d.donor_ref, d.visibility, d.message, d.amount, d.points, d.bonus_points, JSON.stringify(d.wallet_request), retryAt],
    )) as Row[];
    return toDonation(row!);
  }

  async markAccepted(m: EntityManager, id: string, transferId: string, donatedAt: Date): Promise<Donation> {
    const [row] = (await m.query(`with u as (update donations set status = 'accepted', transfer_id = $2, donated_at = $3 where id = $1 returning *) select * from u`, [id, transferId, donatedAt])) as Row[];
    return toDonation(row!);
  }

  async markFailed(m: EntityManager, id: string, code: string): Promise<void> {
    await m.query(`update donations set status = 'failed', failure_code = $2 where id = $1`, [id, code]);
  }

  async postpone(m: EntityManager, id: string, retryAt: Date): Promise<void> {
    await m.query('update donations set attempts = attempts + 1, next_attempt_at = $2 where id = $1', [id, retryAt]);
  }

  async setReceiptNumber(m: EntityManager, id: string, receipt: string): Promise<void> {
    await m.query('update donations set receipt_number = $2 where id = $1', [id, receipt]);
  }

  async markRefunded(m: EntityManager, id: string, r: { reason: string; by: string; transferId: string; reclaimed: number; shortfall: number; at: Date }): Promise<Donation> {
    const [row] = (await m.query(
      `with u as (update donations set status = 'refunded', refund_reason = $2, refunded_by = $3, refund_transfer_id = $4, bonus_reclaimed = $5, bonus_shortfall = $6, refunded_at = $7
       where id = $1 returning *) select * from u`,
      [id, r.reason, r.by, r.transferId, r.reclaimed, r.shortfall, r.at],
    )) as Row[];
    return toDonation(row!);
  }

  /** Pending donations due for another try, locked for this worker (others skip them). */
  async claimDue(m: EntityManager, limit: number): Promise<Donation[]> {
    const rows = (await m.query(
      `select * from donations where status = 'pending' and next_attempt_at <= now() order by next_attempt_at limit $1 for update skip locked`, [limit],
    )) as Row[];
    return rows.map(toDonation);
  }

  async dueIds(limit: number): Promise<string[]> {
    const rows = (await this.ds.query(`select id from donations where status = 'pending' and next_attempt_at <= now() order by next_attempt_at limit $1`, [limit])) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** Issues the next receipt number of the tax year: the counter row stays locked until the caller's transaction ends. */
  async nextReceiptSeq(m: EntityManager, taxYear: number): Promise<number> {
    const [row] = (await m.query(
      `insert into receipt_counters (tax_year, last_seq) values ($1, 1)
       on conflict (tax_year) do update set last_seq = receipt_counters.last_seq + 1 returning last_seq`, [taxYear],
    )) as { last_seq: number }[];
    return row!.last_seq;
  }

  async insertReceipt(m: EntityManager, r: Omit<Receipt, 'voided_at' | 'void_reason'>): Promise<void> {
    await m.query(
      `insert into receipts (number, donation_id, tax_year, seq, kind, amount, currency, donor_user_id, campaign_id, pbo_name, pbo_reference, issued_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [r.number, r.donation_id, r.tax_year, r.seq, r.kind, r.amount, r.currency, r.donor_user_id, r.campaign_id, r.pbo_name, r.pbo_reference, r.issued_at],
    );
  }

  async voidReceipt(m: EntityManager, donationId: string, reason: string, at: Date): Promise<void> {
    await m.query('update receipts set voided_at = $2, void_reason = $3 where donation_id = $1 and voided_at is null', [donationId, at, reason]);
  }

  async receiptOf(donationId: string): Promise<Receipt | null> {
    const [row] = (await this.ds.query('select * from receipts where donation_id = $1', [donationId])) as (Omit<Receipt, 'amount'> & { amount: string })[];
    return row ? { ...row, amount: Number(row.amount) } : null;
  }

  async receiptsOfYear(taxYear: number): Promise<Receipt[]> {
    const rows = (await this.ds.query('select * from receipts where tax_year = $1 order by seq', [taxYear])) as (Omit<Receipt, 'amount'> & { amount: string })[];
    return rows.map((r) => ({ ...r, amount: Number(r.amount) }));
  }

  /** A user's own donations, newest first. */
  async pageOfUser(userId: string, limit: number, after: { at: Date; id: string } | null): Promise<Page<Donation>> {
    const rows = (await this.ds.query(
      `select * from donations where user_id = $1 and ($2::timestamptz is null or (created_at, id) < ($2, $3::uuid))
       order by created_at desc, id desc limit $4`,
      [userId, after?.at ?? null, after?.id ?? null, limit + 1],
    )) as Row[];
    return this.page(rows, limit);
  }

  /** Every donation (admins), newest first, optionally of one campaign and one status. */
  async pageOfAll(campaignId: string | null, status: DonationStatus | null, limit: number, after: { at: Date; id: string } | null): Promise<Page<Donation>> {
    const rows = (await this.ds.query(
      `select * from donations where ($1::uuid is null or campaign_id = $1) and ($2::text is null or status = $2)
         and ($3::timestamptz is null or (created_at, id) < ($3, $4::uuid)) order by created_at desc, id desc limit $5`,
      [campaignId, status, after?.at ?? null, after?.id ?? null, limit + 1],
    )) as Row[];
    return this.page(rows, limit);
  }

  /** Accepted donations of a campaign (for the public list), newest first. */
  async pageOfCampaign(campaignId: string, limit: number, after: { at: Date; id: string } | null, statuses: DonationStatus[] = ['accepted']): Promise<Page<Donation>> {
    const rows = (await this.ds.query(
      `select * from donations where campaign_id = $1 and status = any($5::text[]) and ($2::timestamptz is null or (created_at, id) < ($2, $3::uuid))
       order by created_at desc, id desc limit $4`,
      [campaignId, after?.at ?? null, after?.id ?? null, limit + 1, statuses],
    )) as Row[];
    return this.page(rows, limit);
  }

  async acceptedOfCampaign(m: EntityManager, campaignId: string): Promise<Donation[]> {
    const rows = (await m.query(`select * from donations where campaign_id = $1 and status = 'accepted' order by created_at`, [campaignId])) as Row[];
    return rows.map(toDonation);
  }

  async countPending(m: EntityManager, campaignId: string): Promise<number> {
    const [r] = (await m.query(`select count(*)::int as n from donations where campaign_id = $1 and status = 'pending'`, [campaignId])) as { n: number }[];
    return r!.n;
  }

  /** Donors ranked by what they gave (public and anonymous donations; `hide_amount` ones are never ranked). */
  async topDonors(campaignId: string, limit: number): Promise<{ donor_ref: string; user_id: string; anonymous: boolean; amount: number; points: number; donations: number }[]> {
    const rows = (await this.ds.query(
      `select donor_ref, min(user_id::text) as user_id, bool_or(visibility = 'anonymous') as anonymous, sum(amount)::text as amount, sum(points)::text as points, count(*)::int as donations
       from donations where campaign_id = $1 and status = 'accepted' and visibility in ('public', 'anonymous')
       group by donor_ref order by sum(amount) desc, sum(points) desc, donor_ref limit $2`, [campaignId, limit],
    )) as { donor_ref: string; user_id: string; anonymous: boolean; amount: string; points: string; donations: number }[];
    return rows.map((r) => ({ ...r, amount: Number(r.amount), points: Number(r.points) }));
  }

  private page(rows: Row[], limit: number): Page<Donation> {
    const more = rows.length > limit;
    const data = rows.slice(0, limit).map(toDonation);
    const last = data[data.length - 1];
    return { data, next_cursor: more && last ? encodeCursor(last.created_at, last.id) : null };
  }
}
