// The donations-service's success answers as JSON Schema, per controller method (`Controller.method`),
// as its views build them (services/views.ts, services/campaign.service.ts, services/receipt.service.ts,
// services/disbursement.service.ts, services/admin-actions.service.ts). The gateway merges them with
// the operations emitted from this service's controllers and DTOs (apps/donations-service/openapi.json,
// rewritten by `npm run build`); the contract test validates real answers against them.
import { openapi, type DeclaredResponse } from '@wozamali/contracts';
import { statusOf, type DonationCode } from '../errors/donation.exception';

const { object, nullable, uuid, time, int, str, bool, zar, page, list, arrayOf, oneOfStrings } = openapi;
const maybeTime = nullable('string', { format: 'date-time' });
const maybeUuid = nullable('string', { format: 'uuid' });
const cents = { type: 'integer', description: 'cents' };
const VISIBILITY = oneOfStrings('public', 'hide_amount', 'anonymous');
const CAMPAIGN_STATUS = oneOfStrings('draft', 'active', 'completed', 'cancelled');
const DISPOSITION = { type: ['string', 'null'], enum: ['refund', 'redirect', null] };

const DONATION_FIELDS = {
  id: uuid, campaign_id: uuid, user_id: uuid, donor_ref: str, visibility: VISIBILITY, message: nullable('string'), amount: cents, currency: zar,
  points: int, bonus_points: int, status: oneOfStrings('pending', 'accepted', 'failed', 'refunded'), failure_code: nullable('string'),
  transfer_id: maybeUuid, receipt_number: nullable('string'), donated_at: maybeTime,
  refund: { anyOf: [object({ reason: nullable('string'), transfer_id: maybeUuid, bonus_points_reclaimed: nullable('integer'), bonus_points_shortfall: nullable('integer'), refunded_at: time }), { type: 'null' }] },
  refund_status: { type: ['string', 'null'], enum: ['pending', 'refused', null], description: 'pending: accepted while the wallet was away; refused: the wallet refused it' },
  refund_failure_code: nullable('string'),
  created_at: time,
};
const DONATION = object(DONATION_FIELDS);

const PUBLIC_DONATION = object({
  id: uuid, user_id: nullable('string', { format: 'uuid', description: 'null for an anonymous donor' }), donor_ref: nullable('string', { description: 'an anonymous donor only' }),
  visibility: VISIBILITY, message: nullable('string'), amount: nullable('integer', { description: 'cents; null when the donor hides it' }), points: nullable('integer'),
  currency: zar, donated_at: maybeTime,
});

const CAMPAIGN = object({
  id: uuid, name: str, description: str, beneficiary: str, status: CAMPAIGN_STATUS, on_target: oneOfStrings('complete', 'continue'),
  target_amount: nullable('integer'), target_points: nullable('integer'), currency: str, starts_at: maybeTime, ends_at: maybeTime, pbo_reference: nullable('string'),
  external_id: nullable('string'), bonus_points_per_rand: int, always_active: bool, completed_at: maybeTime,
  completion_reason: { type: ['string', 'null'], enum: ['target_reached', 'ended', null] }, cancelled_at: maybeTime, cancellation: DISPOSITION, redirect_campaign_id: maybeUuid,
  cancel_status: { type: ['string', 'null'], enum: ['pending', 'refused', null], description: 'pending: a cancellation accepted (202) while the wallet was away; refused: the wallet refused it' },
  cancel_failure_code: nullable('string'),
  pending_cancellation: { anyOf: [object({ disposition: DISPOSITION, redirect_campaign_id: maybeUuid, requested_at: time }), { type: 'null' }] },
  progress: object({
    source: { ...oneOfStrings('ledger', 'journal'), description: "ledger: the campaign's accounts; journal: this service's records (the wallet was unreachable)" },
    raised_amount: int, raised_points: int, donors: int, donations: int, amount_percent: nullable('integer'), points_percent: nullable('integer'),
    days_left: nullable('integer'), balance_amount: nullable('integer'), balance_points: nullable('integer'),
  }),
  created_at: time, updated_at: time,
});

const DISBURSEMENT = object({
  id: uuid, campaign_id: uuid, beneficiary: str, amount: cents, currency: str, reference: nullable('string'),
  status: { ...oneOfStrings('pending', 'requested', 'approved', 'rejected', 'processing', 'completed', 'failed', 'returned', 'cancelled'), description: 'pending: requested while the wallet was away (its balance not checked yet)' },
  method: nullable('string'), destination: { type: ['object', 'null'], additionalProperties: { type: 'string' }, description: 'masked' },
  requested_by: str, approved_by: arrayOf(str), rejected_by: nullable('string'), reason: nullable('string'), transfer_id: maybeUuid,
  payout_status: nullable('string'), failure_code: nullable('string'), credit_back_transfer_id: maybeUuid, payout_cancelled_at: maybeTime,
  payout_retry: { anyOf: [object({ by: str, note: str, at: time }), { type: 'null' }], description: 'who sent a payout in needs_review back to the provider, and why' },
  created_at: time, updated_at: time,
});

const RECEIPT_FIELDS = {
  number: str, donation_id: uuid, tax_year: int, kind: oneOfStrings('section_18a', 'receipt'), amount: cents, currency: str, donor_user_id: uuid, campaign_id: uuid,
  pbo_name: nullable('string'), pbo_reference: nullable('string'), issued_at: time, voided: bool, voided_at: maybeTime, void_reason: nullable('string'),
};
/** A money donation's receipt (Section 18A fields when the campaign has a PBO reference), or a points-only donation's acknowledgement. */
const RECEIPT = {
  description: 'JSON by default; `?format=html` answers a printable page (text/html)',
  oneOf: [
    object({ type: oneOfStrings('section_18a', 'receipt'), ...RECEIPT_FIELDS, campaign_name: str, points: int, date_received: time,
      section_18a: object({ pbo_name: nullable('string'), pbo_reference: nullable('string'), date_received: { type: 'string', format: 'date' }, amount: cents, amount_in_words: { type: 'null' }, receipt_number: str, donor_user_id: uuid, certification: str }),
    }, ['section_18a']),
    object({ type: oneOfStrings('acknowledgement'), donation_id: uuid, campaign_id: uuid, campaign_name: str, points: int, amount: cents, date_received: time, voided: bool }),
  ],
};

const REFUND = { ...DONATION, required: [...(DONATION.required as string[])], properties: { ...DONATION_FIELDS, refund_requested_at: time } };

/** The service's own problem codes an operation answers with (statuses from its code table); the gateway adds the platform's. */
const p = (...codes: DonationCode[]) => openapi.problems(statusOf, ...codes);

export const RESPONSES: Record<string, DeclaredResponse> = {
  'UserDonationsController.donate': { errors: p('invalid_id', 'nothing_to_donate', 'campaign_not_found', 'campaign_completed', 'campaign_not_active', 'insufficient_funds', 'insufficient_points', 'wallet_refused'), operationId: 'userDonationsCreate', summary: 'Donate money and/or points to a campaign: 201 accepted, 202 pending (the wallet was away)', schema: DONATION, alsoStatuses: [202] },
  'UserDonationsController.list': { errors: p('invalid_id'), operationId: 'userDonationsList', summary: "A resident's donations, newest first", schema: page(DONATION) },
  'UserDonationsController.get': { errors: p('invalid_id', 'donation_not_found'), operationId: 'userDonationsGet', summary: "One of a resident's donations", schema: DONATION },
  'UserDonationsController.receipt': { alsoContent: { 'text/html': { type: 'string', description: 'with `?format=html`: the receipt as a printable HTML page' } }, errors: p('invalid_id', 'donation_not_found'), operationId: 'userDonationsReceipt', summary: "A resident's receipt or acknowledgement of a donation", schema: RECEIPT },
  'AdminDonationsController.list': { errors: {}, summary: 'Every donation, newest first (admin)', schema: page(DONATION) },
  'AdminDonationsController.get': { errors: p('invalid_id', 'donation_not_found'), summary: 'One donation (admin)', schema: DONATION },
  'AdminDonationsController.receipt': { alsoContent: { 'text/html': { type: 'string', description: 'with `?format=html`: the receipt as a printable HTML page' } }, errors: p('invalid_id', 'donation_not_found'), summary: "A donation's receipt or acknowledgement (admin)", schema: RECEIPT },
  'AdminDonationsController.export': { errors: {}, operationId: 'donationsReceiptsExport', summary: "A tax year's receipts as CSV, voided ones marked (admin)", contentType: 'text/csv', schema: { type: 'string' } },
  'CampaignsController.create': { errors: p('invalid_transition'), summary: 'Create a campaign (admin)', schema: CAMPAIGN },
  'CampaignsController.list': { errors: {}, summary: 'Campaigns with their progress', schema: list(CAMPAIGN) },
  'CampaignsController.get': { errors: p('invalid_id', 'campaign_not_found'), summary: 'One campaign with its progress', schema: CAMPAIGN },
  'CampaignsController.update': { errors: p('invalid_id', 'campaign_not_found', 'invalid_transition', 'target_below_raised'), summary: 'Change a campaign (admin; targets only rise after activation)', schema: CAMPAIGN },
  'CampaignsController.donations': { errors: p('invalid_id', 'campaign_not_found'), operationId: 'campaignsDonationsList', summary: "A campaign's donations as the public sees them", schema: page(PUBLIC_DONATION) },
  'CampaignsController.top': { errors: p('invalid_id', 'campaign_not_found'), operationId: 'campaignsTopDonors',
    summary: "A campaign's top donors",
    schema: list(object({ rank: int, user_id: maybeUuid, donor_ref: nullable('string'), anonymous: bool, amount: cents, points: int, currency: zar, donations: int })),
  },
  'AdminMoneyController.refund': { errors: p('invalid_id', 'donation_not_found', 'donation_not_refundable', 'insufficient_campaign_balance', 'insufficient_funds', 'insufficient_points', 'wallet_refused'), summary: 'Refund a donation (admin): 200 refunded, 202 pending (the wallet was away)', schema: REFUND, alsoStatuses: [202] },
  'AdminMoneyController.cancel': { errors: p('invalid_id', 'campaign_not_found', 'invalid_transition', 'campaign_has_money', 'invalid_redirect', 'insufficient_campaign_balance', 'insufficient_funds', 'insufficient_points', 'wallet_refused'),
    summary: 'Cancel a campaign, refunding or redirecting what it holds (admin): 200 cancelled, 202 cancelling',
    schema: {
      oneOf: [
        object({ id: uuid, status: oneOfStrings('cancelled'), cancellation: DISPOSITION, redirect_campaign_id: maybeUuid, moved_amount: cents, moved_points: int }),
        object({ id: uuid, status: oneOfStrings('cancelling'), cancellation: DISPOSITION, redirect_campaign_id: maybeUuid, requested_at: time }),
      ],
    },
    alsoStatuses: [202],
  },
  'AdminMoneyController.request': { errors: p('invalid_id', 'invalid_destination', 'campaign_not_found', 'campaign_not_active', 'insufficient_campaign_balance', 'insufficient_funds', 'insufficient_points', 'wallet_refused', 'payouts_unavailable'), operationId: 'disbursementsCreate', summary: "Request a disbursement of a campaign's money (admin): 201 requested, 202 pending (the wallet was away)", schema: DISBURSEMENT, alsoStatuses: [202] },
  'AdminMoneyController.retryPayout': { errors: p('invalid_id', 'disbursement_not_found', 'payout_not_in_review', 'payouts_unavailable'), operationId: 'disbursementsRetryPayout', summary: 'Send a payout left in needs_review back to the provider, asked first by reference (admin)', schema: DISBURSEMENT },
  'AdminMoneyController.list': { errors: p('invalid_id', 'campaign_not_found'), operationId: 'disbursementsList', summary: "A campaign's disbursements", schema: list(DISBURSEMENT) },
  'AdminMoneyController.get': { errors: p('invalid_id', 'disbursement_not_found'), operationId: 'disbursementsGet', summary: 'One disbursement', schema: DISBURSEMENT },
  'AdminMoneyController.approve': { errors: p('invalid_id', 'disbursement_not_found', 'disbursement_not_pending', 'approver_already_approved', 'insufficient_campaign_balance', 'insufficient_funds', 'insufficient_points', 'wallet_refused', 'wallet_unavailable'), operationId: 'disbursementsApprove', summary: 'Approve a disbursement (a second admin): 200 processing, 202 approved (the wallet was away)', schema: DISBURSEMENT, alsoStatuses: [202] },
  'AdminMoneyController.reject': { errors: p('invalid_id', 'disbursement_not_found', 'disbursement_not_pending'), operationId: 'disbursementsReject', summary: 'Reject a disbursement (admin)', schema: DISBURSEMENT },
};
