import type { Donation, Receipt } from '../repositories/donation.repository';

/** A donation as its donor and admins see it. */
export function donationView(d: Donation) {
  return {
    id: d.id, campaign_id: d.campaign_id, user_id: d.user_id, donor_ref: d.donor_ref, visibility: d.visibility, message: d.message,
    amount: d.amount, currency: 'ZAR', points: d.points, bonus_points: d.bonus_points, status: d.status, failure_code: d.failure_code,
    transfer_id: d.transfer_id, receipt_number: d.receipt_number, donated_at: d.donated_at?.toISOString() ?? null,
    refund: d.refunded_at ? {
      reason: d.refund_reason, transfer_id: d.refund_transfer_id, bonus_points_reclaimed: d.bonus_reclaimed, bonus_points_shortfall: d.bonus_shortfall,
      refunded_at: d.refunded_at.toISOString(),
    } : null,
    // A refund accepted while the wallet was away and not finished yet, or the wallet's refusal that ended it.
    refund_status: queued(d).refund_request ? 'pending' : queued(d).refund_failure_code ? 'refused' : null,
    refund_failure_code: queued(d).refund_failure_code ?? null,
    created_at: d.created_at.toISOString(),
  };
}

/** The queued-refund columns (read with the row; see the queued admin actions migration). */
const queued = (d: Donation) => d as Donation & { refund_request?: unknown; refund_failure_code?: string | null };

/**
 * A donation in a public list: an anonymous donor only as their `donor_ref` (no user id, no
 * message; the amount shows, as no one can tie it to them), a `hide_amount` donor without amounts; a named donor by user id (their named
 * reference is not shown, so it cannot be matched with anything).
 */
export function publicDonationView(d: Donation) {
  const anonymous = d.visibility === 'anonymous';
  const hidden = d.visibility === 'hide_amount';
  return {
    id: d.id, user_id: anonymous ? null : d.user_id, donor_ref: anonymous ? d.donor_ref : null, visibility: d.visibility,
    message: anonymous ? null : d.message, amount: hidden ? null : d.amount, points: hidden ? null : d.points, currency: 'ZAR',
    donated_at: d.donated_at?.toISOString() ?? null,
  };
}

export function receiptView(r: Receipt) {
  return {
    number: r.number, donation_id: r.donation_id, tax_year: r.tax_year, kind: r.kind, amount: r.amount, currency: r.currency,
    donor_user_id: r.donor_user_id, campaign_id: r.campaign_id, pbo_name: r.pbo_name, pbo_reference: r.pbo_reference,
    issued_at: r.issued_at.toISOString(), voided: r.voided_at !== null, voided_at: r.voided_at?.toISOString() ?? null, void_reason: r.void_reason,
  };
}
