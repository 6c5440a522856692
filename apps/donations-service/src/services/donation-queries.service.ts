import { Injectable } from '@nestjs/common';
import { TransactionRunner, type OutboxTransaction } from '@wozamali/messaging';
import { DomainException } from '@wozamali/platform';
import { DonationException } from '../errors/donation.exception';
import { CampaignRepository } from '../repositories/campaign.repository';
import { decodeCursor, DonationRepository, type DonationStatus } from '../repositories/donation.repository';
import { donationView, publicDonationView } from './views';

/** Reads of donations: the donor's own, an admin's, and the public lists. */
@Injectable()
export class DonationQueries {
  constructor(private readonly donations: DonationRepository, private readonly campaigns: CampaignRepository, private readonly tx: TransactionRunner) {}

  /** A write outside an idempotent POST (PATCH): its events are published once it commits. */
  inTransaction<T>(work: (t: OutboxTransaction) => Promise<T>): Promise<T> {
    return this.tx.run(work);
  }

  async ownList(userId: string, limit: number, cursor: string | undefined) {
    const page = await this.donations.pageOfUser(userId, limit, this.cursor(cursor));
    return { data: page.data.map(donationView), next_cursor: page.next_cursor };
  }

  async all(campaignId: string | undefined, status: DonationStatus | undefined, limit: number, cursor: string | undefined) {
    const page = await this.donations.pageOfAll(campaignId?.toLowerCase() ?? null, status ?? null, limit, this.cursor(cursor));
    return { data: page.data.map(donationView), next_cursor: page.next_cursor };
  }

  async own(userId: string, id: string) {
    const d = await this.donations.getById(id);
    if (!d || d.user_id !== userId) throw new DonationException('donation_not_found');
    return donationView(d);
  }

  async any(id: string) {
    const d = await this.donations.getById(id);
    if (!d) throw new DonationException('donation_not_found');
    return donationView(d);
  }

  async publicList(campaignId: string, limit: number, cursor: string | undefined) {
    if (!(await this.campaigns.getById(campaignId))) throw new DonationException('campaign_not_found');
    const page = await this.donations.pageOfCampaign(campaignId, limit, this.cursor(cursor));
    return { data: page.data.map(publicDonationView), next_cursor: page.next_cursor };
  }

  /** Donors ranked by money then points: a named donor by user id, an anonymous one only by donor_ref. */
  async topDonors(campaignId: string, limit: number) {
    if (!(await this.campaigns.getById(campaignId))) throw new DonationException('campaign_not_found');
    const rows = await this.donations.topDonors(campaignId, limit);
    return {
      data: rows.map((r, i) => ({
        rank: i + 1, user_id: r.anonymous ? null : r.user_id, donor_ref: r.anonymous ? r.donor_ref : null, anonymous: r.anonymous,
        amount: r.amount, points: r.points, currency: 'ZAR', donations: r.donations,
      })),
    };
  }

  async donorOf(id: string) {
    const d = await this.donations.getById(id);
    if (!d || (d.status !== 'accepted' && d.status !== 'refunded')) throw new DonationException('donation_not_found');
    return { donation_id: d.id, user_id: d.user_id, donor_ref: d.donor_ref, visibility: d.visibility, status: d.status };
  }

  private cursor(cursor: string | undefined) {
    if (cursor === undefined) return null;
    const at = decodeCursor(cursor);
    // As the platform's list helper answers a foreign cursor.
    if (!at) throw new DomainException('validation_failed', 400, 'cursor is not one this list gave');
    return at;
  }
}
