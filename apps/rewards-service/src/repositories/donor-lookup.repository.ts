import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

type Q = Pick<EntityManager, 'query'>;

/** Anonymous donations whose donor the donations-service is still to name (the donor badge). */
@Injectable()
export class DonorLookupRepository {
  constructor(private readonly ds: DataSource) {}

  /** In the consumer's inbox transaction: a donation delivered twice is recorded once. */
  async record(q: Q, donationId: string): Promise<void> {
    await q.query('insert into donor_lookups (donation_id) values ($1) on conflict do nothing', [donationId]);
  }

  /** Pending lookups due now, leased for `leaseMs` so no other run takes them meanwhile. */
  async claimDue(limit: number, leaseMs: number): Promise<string[]> {
    const res = (await this.ds.query(
      `update donor_lookups set next_attempt_at = now() + make_interval(secs => $2::float8 / 1000) where donation_id in (
         select donation_id from donor_lookups where status = 'pending' and next_attempt_at <= now() order by next_attempt_at limit $1 for update skip locked)
       returning donation_id`,
      [limit, leaseMs],
    )) as [{ donation_id: string }[], number];
    return res[0].map((r) => r.donation_id);
  }

  /** pending → done | gave_up, once: only the caller that wins issues the badge. */
  async resolve(q: Q, donationId: string, status: 'done' | 'gave_up', userId: string | null, error: string | null = null): Promise<boolean> {
    const res = (await q.query(
      `update donor_lookups set status = $2, user_id = $3, last_error = $4, resolved_at = now() where donation_id = $1 and status = 'pending'`,
      [donationId, status, userId, error],
    )) as [unknown[], number];
    return res[1] === 1;
  }

  /** No answer: ask again after a backoff that grows with the attempts (at most 5 minutes). */
  async defer(donationId: string, error: string): Promise<void> {
    await this.ds.query(
      `update donor_lookups set attempts = attempts + 1, last_error = $2, next_attempt_at = now() + make_interval(secs => least(300, power(2, least(attempts, 8)))) where donation_id = $1 and status = 'pending'`,
      [donationId, error.slice(0, 500)],
    );
  }
}
