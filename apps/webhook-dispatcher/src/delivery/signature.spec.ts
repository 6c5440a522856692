import { Webhook } from 'standardwebhooks';
import { generateEndpointSecret } from '../crypto/secret-box';
import { secretKey, webhookBody, webhookHeaders } from './signature';

describe('Standard Webhooks signing', () => {
  const body = webhookBody({ id: '0193a0c4-0000-7000-8000-000000000001', type: 'wallet_update', occurred_at: '2026-11-25T10:00:00.000Z', data: { user_id: 'u', balance_change: 250 } });

  it('a receiver using the standardwebhooks library verifies our headers unchanged', () => {
    const secret = generateEndpointSecret();
    const headers = webhookHeaders([secretKey(secret)], '0193a0c4-0000-7000-8000-000000000001', body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(headers['webhook-id']).toBe('0193a0c4-0000-7000-8000-000000000001');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  it('while a secret rotates both the new and the old secret verify the same request', () => {
    const [current, previous] = [generateEndpointSecret(), generateEndpointSecret()];
    const headers = webhookHeaders([secretKey(current), secretKey(previous)], 'evt-1', body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(current).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(previous).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(generateEndpointSecret()).verify(body, headers)).toThrow('No matching signature found');
  });

  it('a changed body or a stale timestamp does not verify', () => {
    const secret = generateEndpointSecret();
    const headers = webhookHeaders([secretKey(secret)], 'evt-1', body);
    expect(() => new Webhook(secret).verify(body.replace('250', '251'), headers)).toThrow();
    const old = webhookHeaders([secretKey(secret)], 'evt-1', body, Date.now() - 6 * 60_000);
    expect(() => new Webhook(secret).verify(body, old)).toThrow('Message timestamp too old');
  });

  it('the body carries exactly id, type, timestamp and data', () => {
    expect(Object.keys(JSON.parse(body))).toEqual(['id', 'type', 'timestamp', 'data']);
  });
});

describe('what a webhook body may say', () => {
  const donation = (visibility: string) => ({
    id: '0193a0c4-0000-7000-8000-000000000002', type: 'donation_create', occurred_at: '2026-11-25T10:00:00.000Z',
    data: { donation_id: 'd', campaign_id: 'c', user_id: 'u', donor_ref: 'donor-1', visibility, amount: 5000, currency: 'ZAR', points: 20, bonus_points: 50, transfer_id: 't', receipt_number: 'WM-2026-000001', donated_at: '2026-11-25T10:00:00.000Z' },
  });

  it("a hide_amount donation's amounts and transfer are null in the body; a public one's are there", () => {
    expect(JSON.parse(webhookBody(donation('hide_amount'))).data).toMatchObject({ donor_ref: 'donor-1', amount: null, points: null, bonus_points: null, transfer_id: null, currency: 'ZAR' });
    expect(JSON.parse(webhookBody(donation('public'))).data).toMatchObject({ amount: 5000, points: 20, bonus_points: 50, transfer_id: 't' });
  });
});
