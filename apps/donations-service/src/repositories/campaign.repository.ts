import { Injectable } from '@nestjs/common';
import type { CampaignStatus } from '@wozamali/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import type { CancelRequest } from './queued-action.repository';

/** A campaign as stored. Amounts are numbers (bigint columns read back exactly: far below 2^53). */
export interface Campaign {
  id: string;
  name: string;
  description: string;
  beneficiary: string;
  target_amount: number | null;
  target_points: number | null;
  currency: string;
  starts_at: Date | null;
  ends_at: Date | null;
  status: CampaignStatus;
  on_target: 'complete' | 'continue';
  pbo_reference: string | null;
  external_id: string | null;
  bonus_points_per_rand: number;
  always_active: boolean;
  completed_at: Date | null;
  completion_reason: 'target_reached' | 'ended' | null;
  cancelled_at: Date | null;
  cancellation: 'refund' | 'redirect' | null;
  redirect_campaign_id: string | null;
  /** A cancellation accepted while the wallet was away, not finished yet (no donations meanwhile). */
  cancel_request?: CancelRequest | null;
  /** The wallet's definitive refusal that ended a queued cancellation (null once another is queued). */
  cancel_failure_code?: string | null;
  created_at: Date;
  updated_at: Date;
}

/** What the journal says a campaign raised: accepted donations, refunds excluded. */
export interface JournalTotals {
  amount: number;
  points: number;
  donors: number;
  donations: number;
}

type Row = Omit<Campaign, 'target_amount' | 'target_points'> & { target_amount: string | null; target_points: string | null };

const num = (v: string | number | null): number | null => (v === null ? null : Number(v));

function toCampaign(r: Row): Campaign {
  return { ...r, target_amount: num(r.target_amount), target_points: num(r.target_points) };
}

export type NewCampaign = Pick<Campaign, 'id' | 'name' | 'description' | 'beneficiary' | 'target_amount' | 'target_points' | 'starts_at' | 'ends_at' | 'status' | 'on_target' | 'pbo_reference' | 'external_id' | 'bonus_points_per_rand'>;

@Injectable()
export class CampaignRepository {
  constructor(private readonly ds: DataSource) {}

  async getById(id: string, m: EntityManager = this.ds.manager): Promise<Campaign | null> {
    const [row] = (await m.query('select * from campaigns where id = $1', [id])) as Row[];
    return row ? toCampaign(row) : null;
  }

  /**
   * Locks the campaign for a donation's decision. A campaign that can complete on its targets is
   * locked exclusively, so donations to it decide one after another and the one crossing a target
   * is the last accepted; any other campaign (the Green Scholar Fund) takes a share lock, which
   * only holds back status changes.
   */
  async lockForDonation(m: EntityManager, id: string): Promise<Campaign | null> {
    const [peek] = (await m.query('select on_target, target_amount, target_points from campaigns where id = $1', [id])) as Row[];
    if (!peek) return null;
    const exclusive = (r: Pick<Row, 'on_target' | 'target_amount' | 'target_points'>) => r.on_target === 'complete' && (r.target_amount !== null || r.target_points !== null);
    const [row] = (await m.query(`select * from campaigns where id = $1 for ${exclusive(peek) ? 'update' : 'share'}`, [id])) as Row[];
    if (!row || exclusive(peek) || !exclusive(row)) return row ? toCampaign(row) : null;
    // An admin gave it a target between the peek and the lock: take the exclusive lock after all.
    const [again] = (await m.query('select * from campaigns where id = $1 for update', [id])) as Row[];
    return again ? toCampaign(again) : null;
  }

  async lockForUpdate(m: EntityManager, id: string): Promise<Campaign | null> {
    const [row] = (await m.query('select * from campaigns where id = $1 for update', [id])) as Row[];
    return row ? toCampaign(row) : null;
  }

  async list(status: CampaignStatus | undefined): Promise<Campaign[]> {
    const rows = (await this.ds.query(
      `select * from campaigns where ($1::text is null or status = $1) order by always_active desc, created_at desc limit 200`, [status ?? null],
    )) as Row[];
    return rows.map(toCampaign);
  }

  async insert(m: EntityManager, c: NewCampaign): Promise<Campaign> {
    const [row] = (await m.query(
      `insert into campaigns (id, name, description, beneficiary, target_amount, target_points, starts_at, ends_at, status, on_target, pbo_reference, external_id, bonus_points_per_rand)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning *`,
      [c.id, c.name, c.description, c.beneficiary, c.target_amount, c.target_points, c.starts_at, c.ends_at, c.status, c.on_target, c.pbo_reference, c.external_id, c.bonus_points_per_rand],
    )) as Row[];
    return toCampaign(row!);
  }

  async externalIdTaken(m: EntityManager, externalId: string, except: string | null): Promise<boolean> {
    const rows = (await m.query('select 1 from campaigns where external_id = $1 and id is distinct from $2', [externalId, except])) as unknown[];
    return rows.length > 0;
  }

  /** Writes the whole row back (the caller holds its lock). */
  async save(m: EntityManager, c: Campaign): Promise<Campaign> {
    const [row] = (await m.query(
      `with u as (update campaigns set name = $2, description = $3, beneficiary = $4, target_amount = $5, target_points = $6, starts_at = $7, ends_at = $8,
         status = $9, on_target = $10, pbo_reference = $11, external_id = $12, bonus_points_per_rand = $13, completed_at = $14, completion_reason = $15,
         cancelled_at = $16, cancellation = $17, redirect_campaign_id = $18, updated_at = now()
       where id = $1 returning *) select * from u`,
      [c.id, c.name, c.description, c.beneficiary, c.target_amount, c.target_points, c.starts_at, c.ends_at, c.status, c.on_target, c.pbo_reference,
        c.external_id, c.bonus_points_per_rand, c.completed_at, c.completion_reason, c.cancelled_at, c.cancellation, c.redirect_campaign_id],
    )) as Row[];
    return toCampaign(row!);
  }

  /** Active campaigns whose end date has passed (the end-date job completes them). */
  async findEnded(now: Date, limit: number): Promise<string[]> {
    const rows = (await this.ds.query(
      `select id from campaigns where status = 'active' and not always_active and ends_at is not null and ends_at <= $1 order by ends_at limit $2`, [now, limit],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** Accepted donations of the campaigns (refunded ones excluded): money, points, distinct donors. */
  async journalTotals(ids: string[], m: EntityManager = this.ds.manager): Promise<Map<string, JournalTotals>> {
    const rows = (await m.query(
      `select campaign_id, coalesce(sum(amount), 0)::text as amount, coalesce(sum(points), 0)::text as points, count(distinct user_id)::int as donors, count(*)::int as donations
       from donations where campaign_id = any($1::uuid[]) and status = 'accepted' group by campaign_id`, [ids],
    )) as { campaign_id: string; amount: string; points: string; donors: number; donations: number }[];
    const out = new Map<string, JournalTotals>();
    for (const id of ids) out.set(id, { amount: 0, points: 0, donors: 0, donations: 0 });
    for (const r of rows) out.set(r.campaign_id, { amount: Number(r.amount), points: Number(r.points), donors: r.donors, donations: r.donations });
    return out;
  }

  /** Money and points given back by refunds of the campaign's donations. */
  /** Money a campaign paid on (disbursements whose ledger transfer applied), and whether its balance was redirected away. */
  async paidOn(id: string, m: EntityManager = this.ds.manager): Promise<{ disbursed: number; redirected: boolean }> {
    const [r] = (await m.query(
      `select (select coalesce(sum(amount), 0) from disbursements where campaign_id = $1 and transfer_id is not null)::text as disbursed,
              coalesce((select cancellation = 'redirect' from campaigns where id = $1), false) as redirected`, [id],
    )) as { disbursed: string; redirected: boolean }[];
    return { disbursed: Number(r!.disbursed), redirected: r!.redirected };
  }

  async refundedTotals(id: string, m: EntityManager = this.ds.manager): Promise<{ amount: number; points: number }> {
    const [r] = (await m.query(
      `select coalesce(sum(amount), 0)::text as amount, coalesce(sum(points), 0)::text as points from donations where campaign_id = $1 and status = 'refunded'`, [id],
    )) as { amount: string; points: string }[];
    return { amount: Number(r!.amount), points: Number(r!.points) };
  }
}
