import { DonationEvents, externalEventData, externalFieldSpecs, type DonationCreateData, type DonationRefundedData } from './donation-events';
import { dataJsonSchema } from './event-definition';
import { eventDataProblems } from './events';

const created: DonationCreateData = {
  donation_id: '0190f6b0-0000-7000-8000-000000000001', campaign_id: '0190f6b0-0000-7000-8000-000000000002', user_id: '0190f6b0-0000-7000-8000-000000000003',
  donor_ref: 'ref', visibility: 'hide_amount', amount: 5_000, currency: 'ZAR', points: 7, bonus_points: 50, transfer_id: '0190f6b0-0000-7000-8000-000000000004',
  receipt_number: 'WM-2027-000001', donated_at: '2026-11-30T05:00:00.000Z',
};
const refunded: DonationRefundedData = {
  donation_id: created.donation_id, campaign_id: created.campaign_id, user_id: created.user_id, donor_ref: 'ref', visibility: 'hide_amount', amount: 5_000,
  currency: 'ZAR', points: 7, bonus_points_reclaimed: 40, bonus_points_shortfall: 10, refund_transfer_id: '0190f6b0-0000-7000-8000-000000000005',
  receipt_number: 'WM-2027-000001', reason: 'asked', refunded_at: '2026-11-30T06:00:00.000Z',
};

describe('donation events as they leave the platform', () => {
  it('a hide_amount donation names its donor but no amount and no wallet transfer', () => {
    const out = externalEventData('donation_create', created) as Record<string, unknown>;
    expect(out).toMatchObject({ user_id: created.user_id, visibility: 'hide_amount', amount: null, points: null, bonus_points: null, transfer_id: null, receipt_number: 'WM-2027-000001' });
    expect(JSON.stringify(out)).not.toContain('5000');
    const back = externalEventData('donation_refunded', refunded) as Record<string, unknown>;
    expect(back).toMatchObject({ amount: null, points: null, bonus_points_reclaimed: null, bonus_points_shortfall: null, refund_transfer_id: null, reason: 'asked' });
    // The event itself keeps its whole contract for internal consumers.
    expect(eventDataProblems('donation_create', created)).toEqual([]);
    expect(eventDataProblems('donation_refunded', refunded)).toEqual([]);
  });

  it('public and anonymous donations and other events are unchanged', () => {
    for (const visibility of ['public', 'anonymous'] as const) expect(externalEventData('donation_create', { ...created, visibility })).toEqual({ ...created, visibility });
    expect(externalEventData('campaign_completed', { amount: 1 })).toEqual({ amount: 1 });
    const old: Partial<DonationRefundedData> = { ...refunded };
    delete old.visibility;
    expect(externalEventData('donation_refunded', old)).toEqual(old);
    expect(eventDataProblems('donation_refunded', old)).toEqual([]);
  });

  it('the published schema of a donation event allows the nulls a hidden amount has (and only there)', () => {
    const schema = dataJsonSchema(externalFieldSpecs('donation_create', DonationEvents.donation_create.fields));
    const out = externalEventData('donation_create', created) as Record<string, unknown>;
    for (const f of ['amount', 'points', 'bonus_points', 'transfer_id']) {
      expect([f, schema.properties[f]?.type]).toEqual([f, expect.arrayContaining(['null'])]);
      expect(out[f]).toBeNull();
    }
    expect(externalFieldSpecs('campaign_completed', { amount: 'int' })).toEqual({ amount: 'int' });
    expect(dataJsonSchema(externalFieldSpecs('donation_create', DonationEvents.donation_create.fields)).properties.donor_ref).toEqual(dataJsonSchema(DonationEvents.donation_create.fields).properties.donor_ref);
  });
});
