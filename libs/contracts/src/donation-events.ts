import { defineEvent, type FieldKind, type FieldSpec } from './event-definition';
import { Topics } from './topics';

// Published by the donations-service (issue 12). Events reach external services (the webhook
// dispatcher forwards `data`), so an anonymous donation's user id is in no event at all: `user_id` is
// null in `data`, the envelope's `subject` is null and so is the Kafka key. The donor appears only as
// `donor_ref`. A consumer that must know the donor (the rewards service's donor badge) asks the
// donations-service over a signed service call: `GET /internal/v1/donations/{id}/donor`, open to the
// rewards-service only.
//
// Nor does an anonymous donation's event name its wallet transfer (`transfer_id` null): the wallet's
// own events of that transfer carry the donor's user id. (A partner subscribed to wallet events too
// still sees the donor's wallet debited at that moment: their wallet history is theirs.)
//
// `donor_ref` is a keyed hash of the donor: one value for all of a donor's anonymous donations and
// another for all of their named (`public`, `hide_amount`) ones. A named donation's event carries
// user id and reference together, so one shared reference would unmask the anonymous donations.

export type DonationVisibility = 'public' | 'hide_amount' | 'anonymous';
export type CampaignStatus = 'draft' | 'active' | 'completed' | 'cancelled';

/** A resident donated money and/or points to a campaign (one wallet transfer). */
export interface DonationCreateData {
  /** The donation. */
  donation_id: string;
  /** The campaign given to. */
  campaign_id: string;
  /** The donor, or null when the donation is anonymous. */
  user_id: string | null;
  /**
   * A stable pseudonymous reference of the donor: the same for every anonymous donation of theirs,
   * and another one, never linkable to it, for their named donations.
   */
  donor_ref: string;
  /** How the donation is shown in public lists. */
  visibility: DonationVisibility;
  /** Money given, in minor units of `currency` (0 when only points). */
  amount: number;
  /** Currency of `amount` (`ZAR`). */
  currency: string;
  /** Points given (0 when only money). */
  points: number;
  /** Bonus points the donor earned with it (1 per R1 by default). */
  bonus_points: number;
  /**
   * The wallet transfer that moved it (money, points and bonus legs in one); null for an anonymous
   * donation, as the wallet's own events of that transfer name the donor.
   */
  transfer_id: string | null;
  /** The receipt number of a money donation, e.g. `WM-2026-000123`; null for points only. */
  receipt_number: string | null;
  /** When it was accepted (ISO 8601). */
  donated_at: string;
}

/** A campaign was created or changed (details, targets, status, or its cancellation). */
export interface CampaignUpdateData {
  /** The campaign. */
  campaign_id: string;
  /** Its name. */
  name: string;
  /** Its status after the change. */
  status: CampaignStatus;
  /** Its status before the change; null when it was just created. */
  previous_status: CampaignStatus | null;
  /** Money target in minor units of `currency`, or null when none. */
  target_amount: number | null;
  /** Points target, or null when none. */
  target_points: number | null;
  /** Currency of the money amounts (`ZAR`). */
  currency: string;
  /** What happens when every target is met. */
  on_target: 'complete' | 'continue';
  /** Start (ISO 8601), or null when open from creation. */
  starts_at: string | null;
  /** End (ISO 8601), or null when open-ended. */
  ends_at: string | null;
  /** For a cancelled campaign holding money: `refund` (every donation refunded) or `redirect`; else null. */
  cancellation: 'refund' | 'redirect' | null;
  /** The campaign its balance was redirected to (`cancellation: redirect`), else null. */
  redirect_campaign_id: string | null;
  /** When the change was made (ISO 8601). */
  updated_at: string;
}

/** A campaign completed (exactly once): its targets were met or its end date passed. */
export interface CampaignCompletedData {
  /** The campaign. */
  campaign_id: string;
  /** Its name. */
  name: string;
  /** Why it completed. */
  reason: 'target_reached' | 'ended';
  /** Money raised, net of refunds, in minor units of `currency` (from its ledger accounts). */
  raised_amount: number;
  /** Points raised, net of refunds (from its ledger accounts). */
  raised_points: number;
  /** Currency of the money amounts (`ZAR`). */
  currency: string;
  /** Distinct donors. */
  donors: number;
  /** Money target, or null when none. */
  target_amount: number | null;
  /** Points target, or null when none. */
  target_points: number | null;
  /** When it completed (ISO 8601). */
  completed_at: string;
}

/** An admin refunded a donation: its transfer reversed once, its receipt voided. */
export interface DonationRefundedData {
  /** The donation. */
  donation_id: string;
  /** Its campaign. */
  campaign_id: string;
  /** The donor, or null when the donation is anonymous. */
  user_id: string | null;
  /** The donor's pseudonymous reference (as in `donation_create`). */
  donor_ref: string;
  /** How the donation was shown (as in `donation_create`; absent in events written before it was added). */
  visibility?: DonationVisibility;
  /** Money given back, in minor units of `currency`. */
  amount: number;
  /** Currency of `amount` (`ZAR`). */
  currency: string;
  /** Points given back. */
  points: number;
  /** Bonus points taken back (at most what the donor had). */
  bonus_points_reclaimed: number;
  /** Bonus points that could not be taken back (the donor had spent them). */
  bonus_points_shortfall: number;
  /** The wallet transfer that gave the donation back; null for an anonymous donation (as `transfer_id`). */
  refund_transfer_id: string | null;
  /** The voided receipt's number, or null for a points-only donation. */
  receipt_number: string | null;
  /** The admin's reason. */
  reason: string;
  /** When it was refunded (ISO 8601). */
  refunded_at: string;
}

/**
 * Statuses of a disbursement (campaign money paid out to its beneficiary after admin approval).
 * `pending`: requested while the wallet could not be asked for the campaign's balance (a worker checks it
 * and moves it to `requested`, or `failed`); `approved`: the ledger move to payout clearing is still to be made (the wallet was unreachable);
 * `processing`: the money is in payout clearing and the payout provider pays it; `completed`: paid;
 * `failed` / `returned`: the provider failed or returned it, the money is credited back to the campaign.
 */
export type DisbursementStatus = 'pending' | 'requested' | 'approved' | 'rejected' | 'processing' | 'completed' | 'failed' | 'returned' | 'cancelled';

/** A disbursement changed status. */
export interface DisbursementUpdateData {
  /** The disbursement. */
  disbursement_id: string;
  /** The campaign paying it. */
  campaign_id: string;
  /** The beneficiary's name. */
  beneficiary: string;
  /** Amount, in minor units of `currency`. */
  amount: number;
  /** Currency of `amount` (`ZAR`). */
  currency: string;
  /** Status before the change; null when it was just requested. */
  from: DisbursementStatus | null;
  /** Status after the change. */
  to: DisbursementStatus;
  /** Distinct admins who approved it so far. */
  approvals: number;
  /** The wallet transfer of this step (campaign → payout clearing, or the credit back of a failed or returned payout), when it wrote one. */
  transfer_id: string | null;
  /** When the change was made (ISO 8601). */
  changed_at: string;
}

export const DonationEvents = {
  donation_create: defineEvent<DonationCreateData>()('donation_create', Topics.donations, {
    donation_id: 'uuid', campaign_id: 'uuid', user_id: 'uuid|null', donor_ref: 'string', visibility: 'string', amount: 'int',
    currency: 'string', points: 'int', bonus_points: 'int', transfer_id: 'uuid|null', receipt_number: 'string|null', donated_at: 'iso-date',
  }),
  campaign_update: defineEvent<CampaignUpdateData>()('campaign_update', Topics.donations, {
    campaign_id: 'uuid', name: 'string', status: 'string', previous_status: 'string|null', target_amount: 'int|null',
    target_points: 'int|null', currency: 'string', on_target: 'string', starts_at: 'iso-date|null', ends_at: 'iso-date|null',
    cancellation: 'string|null', redirect_campaign_id: 'uuid|null', updated_at: 'iso-date',
  }),
  campaign_completed: defineEvent<CampaignCompletedData>()('campaign_completed', Topics.donations, {
    campaign_id: 'uuid', name: 'string', reason: 'string', raised_amount: 'int', raised_points: 'int', currency: 'string', donors: 'int',
    target_amount: 'int|null', target_points: 'int|null', completed_at: 'iso-date',
  }),
  donation_refunded: defineEvent<DonationRefundedData>()('donation_refunded', Topics.donations, {
    donation_id: 'uuid', campaign_id: 'uuid', user_id: 'uuid|null', donor_ref: 'string', visibility: 'string?', amount: 'int', currency: 'string', points: 'int',
    bonus_points_reclaimed: 'int', bonus_points_shortfall: 'int', refund_transfer_id: 'uuid|null', receipt_number: 'string|null',
    reason: 'string', refunded_at: 'iso-date',
  }),
  disbursement_update: defineEvent<DisbursementUpdateData>()('disbursement_update', Topics.donations, {
    disbursement_id: 'uuid', campaign_id: 'uuid', beneficiary: 'string', amount: 'int', currency: 'string', from: 'string|null',
    to: 'string', approvals: 'int', transfer_id: 'uuid|null', changed_at: 'iso-date',
  }),
};

/** The fields of a donation event that tell how much was given (or given back). */
const AMOUNT_FIELDS = ['amount', 'points', 'bonus_points', 'bonus_points_reclaimed', 'bonus_points_shortfall'] as const;

/**
 * A donation event's `data` as it may leave the platform (webhook bodies): a `hide_amount` donation
 * names its donor but not how much they gave, so its amounts are null there, and its wallet
 * transfer (whose own events carry the amount) is not named. Internal consumers (metrics) read the
 * event itself, amounts included. Any other event, or any other visibility, is returned as it is.
 */
export function externalEventData(type: string, data: unknown): unknown {
  if (type !== 'donation_create' && type !== 'donation_refunded') return data;
  const d = data as Record<string, unknown> | null;
  if (!d || typeof d !== 'object' || d.visibility !== 'hide_amount') return data;
  const out: Record<string, unknown> = { ...d };
  for (const f of AMOUNT_FIELDS) if (f in out) out[f] = null;
  if ('transfer_id' in out) out.transfer_id = null;
  if ('refund_transfer_id' in out) out.refund_transfer_id = null;
  return out;
}

/**
 * The field specs of an event's `data` as it may leave the platform (what `externalEventData` gives):
 * a donation's amounts and its transfer may be null there. The event-types catalogue publishes these.
 */
export function externalFieldSpecs(type: string, fields: Record<string, FieldSpec>): Record<string, FieldSpec> {
  if (type !== 'donation_create' && type !== 'donation_refunded') return fields;
  const out = { ...fields };
  for (const f of [...AMOUNT_FIELDS, 'transfer_id', 'refund_transfer_id']) {
    const spec = out[f];
    if (spec !== undefined && !spec.endsWith('|null') && !spec.endsWith('?')) out[f] = `${spec as FieldKind}|null`;
  }
  return out;
}
