import { actorOf, isAudited, maskNote, noteOf, targetsOf } from './audit-entry';

describe('what the audit log keeps of a write', () => {
  it('masks account numbers, phone numbers, emails and wallet addresses in a note', () => {
    expect(maskNote('paid to account 62001234567 as asked')).toBe('paid to account ••••4567 as asked');
    expect(maskNote('call +27 82 555 1234 first')).toBe('call ••••1234 first');
    expect(maskNote('sent to thandi.m@example.co.za')).toBe('sent to t***@example.co.za');
    expect(maskNote('wallet 1BoatSLRHtKNngkdXEeobR76b53LETtpyT ok')).toBe('wallet 1Boa…tpyT ok');
  });

  it('keeps short numbers, amounts and dates of a note as they are', () => {
    expect(maskNote('refund R250 for 2 bags on 2026-11-30, case 4412')).toBe('refund R250 for 2 bags on 2026-11-30, case 4412');
  });

  it('bounds a note and takes the first of note, reason, comment', () => {
    expect(maskNote('x'.repeat(2000))).toHaveLength(500);
    expect(noteOf({ reason: ' duplicate ', note: '' })).toBe('duplicate');
    expect(noteOf({ amount: 5 })).toBeNull();
    expect(noteOf('not an object')).toBeNull();
  });

  it('targets the path parameters and the ids a body names, never other body fields', () => {
    expect(targetsOf({ withdrawal_id: 'ABC-1' }, { user_id: 'U1', amount: '62001234567', note: 'x' })).toEqual(['abc-1', 'u1']);
    expect(targetsOf({}, { user_id: 'has space' })).toEqual([]);
  });

  it("keeps an admin's every write and a key's administrative ones, not a key's everyday earns, redemptions or donations", () => {
    expect(isAudited({ kind: 'user' }, 'points:earn')).toBe(true);
    expect(isAudited({ kind: 'service' }, 'ledger:adjust')).toBe(true);
    expect(isAudited({ kind: 'service' }, 'withdrawals:approve')).toBe(true);
    expect(isAudited({ kind: 'service' }, 'api_keys:manage')).toBe(true);
    for (const everyday of ['points:earn', 'points:spend', 'collections:create', 'rewards:redeem', 'donations:create', 'withdrawals:request']) {
      expect(isAudited({ kind: 'service' }, everyday)).toBe(false);
    }
  });

  it('records admins and service keys, not residents or collectors', () => {
    expect(actorOf({ type: 'user', userId: 'u', role: 'admin' })).toEqual({ kind: 'user', id: 'u', key: null });
    expect(actorOf({ type: 'user', userId: 'u', role: 'resident' })).toBeNull();
    expect(actorOf({ type: 'service', keyId: 'k', publicId: 'pub', serviceId: 'notify', permissions: {}, rateLimitPerMinute: null })).toEqual({ kind: 'service', id: 'notify', key: 'pub' });
  });
});
