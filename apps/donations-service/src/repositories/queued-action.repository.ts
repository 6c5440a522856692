import { Injectable } from '@nestjs/common';
import type { WalletMultiLegTransferRequest } from '@wozamali/contracts';
import { DataSource, type EntityManager } from 'typeorm';

/** A refund accepted while the wallet was away. */
export interface RefundRequest {
  reason: string;
  by: string;
  requested_at: string;
}

/** A cancellation accepted while the wallet was away; `redirect_request` once its body was computed (resent unchanged). */
export interface CancelRequest {
  reason: string;
  disposition?: 'refund' | 'redirect';
  redirect_campaign_id?: string;
  by: string;
  requested_at: string;
  redirect_request?: WalletMultiLegTransferRequest;
}

const LEASE_MS = 30_000;
const BACKOFF = `least(interval '5 minutes', interval '1 second' * power(2, least(tries, 9)))`;

/** The queue of admin refunds and cancellations waiting for the wallet: columns of the donation and campaign rows. */
@Injectable()
export class QueuedActionRepository {
  constructor(private readonly ds: DataSource) {}

  async queueRefund(m: EntityManager, donationId: string, r: RefundRequest): Promise<void> {
    await m.query(`update donations set refund_request = coalesce(refund_request, $2::jsonb), refund_failure_code = null, next_refund_at = now() + interval '1 second' where id = $1`, [donationId, JSON.stringify(r)]);
  }

  async refundRequest(donationId: string, m: EntityManager | DataSource = this.ds): Promise<{ request: RefundRequest | null; failure_code: string | null }> {
    const [row] = (await m.query('select refund_request, refund_failure_code from donations where id = $1', [donationId])) as { refund_request: RefundRequest | null; refund_failure_code: string | null }[];
    return { request: row?.refund_request ?? null, failure_code: row?.refund_failure_code ?? null };
  }

  async endRefund(m: EntityManager | DataSource, donationId: string, failureCode: string | null): Promise<void> {
    await m.query('update donations set refund_request = null, refund_failure_code = $2, next_refund_at = null, refund_tries = 0 where id = $1', [donationId, failureCode]);
  }

  async deferRefund(donationId: string): Promise<void> {
    await this.ds.query(`update donations set refund_tries = refund_tries + 1, next_refund_at = now() + ${BACKOFF.replace(/tries/g, 'refund_tries')} where id = $1`, [donationId]);
  }

  async dueRefunds(limit: number): Promise<string[]> {
    const [rows] = (await this.ds.query(
      `update donations set next_refund_at = now() + $2::bigint * interval '1 millisecond'
       where id in (select id from donations where refund_request is not null and next_refund_at <= now() order by next_refund_at limit $1 for update skip locked) returning id`,
      [limit, LEASE_MS],
    )) as [{ id: string }[], number];
    return rows.map((r) => r.id);
  }

  async queueCancel(m: EntityManager, campaignId: string, r: CancelRequest): Promise<void> {
    await m.query(`update campaigns set cancel_request = $2::jsonb, cancel_failure_code = null, next_cancel_at = now() + interval '1 second' where id = $1`, [campaignId, JSON.stringify(r)]);
  }

  async cancelRequest(campaignId: string, m: EntityManager | DataSource = this.ds): Promise<{ request: CancelRequest | null; failure_code: string | null }> {
    const [row] = (await m.query('select cancel_request, cancel_failure_code from campaigns where id = $1', [campaignId])) as { cancel_request: CancelRequest | null; cancel_failure_code: string | null }[];
    return { request: row?.cancel_request ?? null, failure_code: row?.cancel_failure_code ?? null };
  }

  async endCancel(m: EntityManager | DataSource, campaignId: string, failureCode: string | null): Promise<void> {
    await m.query('update campaigns set cancel_request = null, cancel_failure_code = $2, next_cancel_at = null, cancel_tries = 0 where id = $1', [campaignId, failureCode]);
  }

  async deferCancel(campaignId: string): Promise<void> {
    await this.ds.query(`update campaigns set cancel_tries = cancel_tries + 1, next_cancel_at = now() + ${BACKOFF.replace(/tries/g, 'cancel_tries')} where id = $1`, [campaignId]);
  }

  async dueCancels(limit: number): Promise<string[]> {
    const [rows] = (await this.ds.query(
      `update campaigns set next_cancel_at = now() + $2::bigint * interval '1 millisecond'
       where id in (select id from campaigns where cancel_request is not null and next_cancel_at <= now() order by next_cancel_at limit $1 for update skip locked) returning id`,
      [limit, LEASE_MS],
    )) as [{ id: string }[], number];
    return rows.map((r) => r.id);
  }
}
