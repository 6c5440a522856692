import fc from 'fast-check';
import { type Destination, destinationFingerprint, maskDestination, parseDestination } from './destination';

const KEY = 'fingerprint-key-for-tests';
const bank = { bank_name: 'Standard Bank', account_holder: 'Thandi Nkosi', account_number: '1234566789', branch_code: '051001' };

function ok(method: string, destination: unknown): Destination {
  const r = parseDestination(method, destination);
  if (!r.ok) throw new Error(`expected valid, got ${r.field}: ${r.reason}`);
  return r.value;
}

function fieldOf(method: unknown, destination: unknown): string {
  const r = parseDestination(method, destination);
  if (r.ok) throw new Error('expected invalid_destination');
  expect(r.code).toBe('invalid_destination');
  return r.field;
}

describe('destinations: validation per method', () => {
  it('a bank account needs a bank, a holder, 6–16 digits and a 6-digit branch code', () => {
    expect(ok('bank_transfer', bank)).toEqual({ method: 'bank_transfer', destination: bank });
    expect(ok('bank_transfer', { ...bank, account_number: '123456' }).destination).toMatchObject({ account_number: '123456' });
    expect(ok('bank_transfer', { ...bank, account_number: '1234567890123456' }).destination).toMatchObject({ account_number: '1234567890123456' });
    expect(fieldOf('bank_transfer', { ...bank, account_number: '12345' })).toBe('destination.account_number');
    expect(fieldOf('bank_transfer', { ...bank, account_number: '12345678901234567' })).toBe('destination.account_number');
    expect(fieldOf('bank_transfer', { ...bank, account_number: '12345a789' })).toBe('destination.account_number');
    expect(fieldOf('bank_transfer', { ...bank, account_number: 1234566789 })).toBe('destination.account_number');
    expect(fieldOf('bank_transfer', { ...bank, branch_code: '05100' })).toBe('destination.branch_code');
    expect(fieldOf('bank_transfer', { ...bank, branch_code: '0510011' })).toBe('destination.branch_code');
    expect(fieldOf('bank_transfer', { ...bank, bank_name: undefined })).toBe('destination.bank_name');
    expect(fieldOf('bank_transfer', { ...bank, account_holder: ' ' })).toBe('destination.account_holder');
  });

  it('mobile money needs a provider and an E.164 number', () => {
    expect(ok('mobile_money', { provider: 'MTN MoMo', phone_number: '+27821234567' }).destination).toEqual({ provider: 'MTN MoMo', phone_number: '+27821234567' });
    expect(fieldOf('mobile_money', { provider: 'MTN', phone_number: '0821234567' })).toBe('destination.phone_number');
    expect(fieldOf('mobile_money', { provider: 'MTN', phone_number: '+0821234567' })).toBe('destination.phone_number');
    expect(fieldOf('mobile_money', { provider: 'MTN', phone_number: '+2782123456789012' })).toBe('destination.phone_number');
    expect(fieldOf('mobile_money', { phone_number: '+27821234567' })).toBe('destination.provider');
  });

  it('PayPal needs an email; crypto a network and an address', () => {
    expect(ok('paypal', { email: 'Jane.Doe@Example.com' }).destination).toEqual({ email: 'jane.doe@example.com' });
    expect(fieldOf('paypal', { email: 'jane@' })).toBe('destination.email');
    expect(fieldOf('paypal', { email: 'jane example.com' })).toBe('destination.email');
    const address = 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh';
    expect(ok('crypto', { network: 'Bitcoin', address }).destination).toEqual({ network: 'bitcoin', address });
    expect(fieldOf('crypto', { network: 'bitcoin', address: 'short' })).toBe('destination.address');
    expect(fieldOf('crypto', { network: 'bitcoin', address: `${address}!` })).toBe('destination.address');
    expect(fieldOf('crypto', { network: 'bit coin', address })).toBe('destination.network');
  });

  it('an unknown method, a destination that is not an object, or a field of another method is invalid', () => {
    expect(fieldOf('cash', bank)).toBe('method');
    expect(fieldOf(undefined, bank)).toBe('method');
    expect(fieldOf('bank_transfer', null)).toBe('destination');
    expect(fieldOf('bank_transfer', [bank])).toBe('destination');
    expect(fieldOf('bank_transfer', 'account 1234')).toBe('destination');
    expect(fieldOf('bank_transfer', { ...bank, email: 'x@example.com' })).toBe('destination.email');
  });

  it('strings with NUL, control characters or lone surrogates are invalid', () => {
    expect(fieldOf('bank_transfer', { ...bank, account_holder: 'Thandi\u0000Nkosi' })).toBe('destination.account_holder');
    expect(fieldOf('bank_transfer', { ...bank, bank_name: 'Standard\nBank' })).toBe('destination.bank_name');
    expect(fieldOf('bank_transfer', { ...bank, bank_name: 'Bank \uD800' })).toBe('destination.bank_name');
    expect(fieldOf('bank_transfer', { ...bank, bank_name: '\uDC00Bank' })).toBe('destination.bank_name');
    expect(fieldOf('paypal', { email: 'jane\u0000@example.com' })).toBe('destination.email');
    // A proper surrogate pair (an emoji) in a name is fine.
    expect(ok('bank_transfer', { ...bank, account_holder: 'Thandi 🌍 Nkosi' }).destination).toMatchObject({ account_holder: 'Thandi 🌍 Nkosi' });
  });

  it('an error never repeats the submitted value', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: 'binary' }), fc.constantFrom('account_number', 'branch_code', 'bank_name', 'account_holder'), (value, field) => {
        const r = parseDestination('bank_transfer', { ...bank, [field]: value });
        if (!r.ok && value.trim().length >= 6) expect(`${r.field} ${r.reason}`).not.toContain(value.trim());
      }),
    );
  });

  it('random input of any shape is either a valid destination or invalid_destination, never a throw', () => {
    fc.assert(
      fc.property(fc.constantFrom('bank_transfer', 'mobile_money', 'paypal', 'crypto', 'x'), fc.anything(), (method, destination) => {
        const r = parseDestination(method, destination);
        if (!r.ok) expect(r.code).toBe('invalid_destination');
      }),
      { numRuns: 500 },
    );
  });
});

describe('destinations: normalisation and fingerprint', () => {
  it('the same destination typed differently normalises to the same value and fingerprint', () => {
    const a = ok('bank_transfer', bank);
    const b = ok('bank_transfer', { bank_name: '  Standard   Bank ', account_holder: 'Thandi Nkosi', account_number: '1234 566 789', branch_code: '051-001' });
    expect(b).toEqual(a);
    expect(destinationFingerprint(KEY, b)).toBe(destinationFingerprint(KEY, a));
    const p1 = ok('mobile_money', { provider: 'MTN', phone_number: '+27 82 123 4567' });
    const p2 = ok('mobile_money', { provider: 'MTN', phone_number: '+27-(82)-123-4567' });
    expect(destinationFingerprint(KEY, p1)).toBe(destinationFingerprint(KEY, p2));
    expect(destinationFingerprint(KEY, ok('paypal', { email: 'JANE@example.com ' }))).toBe(destinationFingerprint(KEY, ok('paypal', { email: 'jane@example.com' })));
  });

  it('any changed field changes the fingerprint; another key gives another fingerprint; the clear value is not in it', () => {
    const a = ok('bank_transfer', bank);
    expect(destinationFingerprint(KEY, ok('bank_transfer', { ...bank, account_number: '1234566780' }))).not.toBe(destinationFingerprint(KEY, a));
    expect(destinationFingerprint(KEY, ok('bank_transfer', { ...bank, branch_code: '051002' }))).not.toBe(destinationFingerprint(KEY, a));
    expect(destinationFingerprint('another key', a)).not.toBe(destinationFingerprint(KEY, a));
    expect(destinationFingerprint(KEY, a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fields cannot be shifted into each other to forge the same fingerprint', () => {
    const a = ok('crypto', { network: 'eth', address: 'abcdefghij0123456789xy' });
    const b = ok('crypto', { network: 'ethabc', address: 'defghij0123456789xy000' });
    expect(destinationFingerprint(KEY, a)).not.toBe(destinationFingerprint(KEY, b));
  });

  it('two different valid account numbers never share a fingerprint', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{6,16}$/), fc.stringMatching(/^\d{6,16}$/), (x, y) => {
        fc.pre(x !== y);
        const fx = destinationFingerprint(KEY, ok('bank_transfer', { ...bank, account_number: x }));
        const fy = destinationFingerprint(KEY, ok('bank_transfer', { ...bank, account_number: y }));
        expect(fx).not.toBe(fy);
      }),
    );
  });
});

describe('destinations: masking', () => {
  it('masks as the issue shows: ****6789, +27*****4567, j***@example.com, first 6 and last 4 of an address', () => {
    expect(maskDestination(ok('bank_transfer', bank))).toEqual({ bank_name: 'Standard Bank', account_holder: 'T*** N***', account_number: '****6789', branch_code: '051001' });
    expect(maskDestination(ok('mobile_money', { provider: 'MTN', phone_number: '+27821234567' }))).toEqual({ provider: 'MTN', phone_number: '+27*****4567' });
    expect(maskDestination(ok('paypal', { email: 'jane@example.com' }))).toEqual({ email: 'j***@example.com' });
    // A one-letter local part is not shown at all (its first letter is all of it).
    expect(maskDestination(ok('paypal', { email: 'j@example.com' }))).toEqual({ email: '***@example.com' });
    expect(maskDestination(ok('crypto', { network: 'bitcoin', address: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh' }))).toEqual({ network: 'bitcoin', address: 'bc1qxy****0wlh' });
  });

  it('a masked destination never contains the full account number, phone number, email or address', () => {
    const destination = fc.oneof(
      fc.stringMatching(/^\d{6,16}$/).map((n) => ok('bank_transfer', { ...bank, account_number: n })),
      fc.stringMatching(/^\+[1-9]\d{7,14}$/).map((n) => ok('mobile_money', { provider: 'MTN', phone_number: n })),
      fc.emailAddress().filter((e) => parseDestination('paypal', { email: e }).ok).map((e) => ok('paypal', { email: e })),
      fc.stringMatching(/^[A-Za-z0-9]{20,128}$/).map((a) => ok('crypto', { network: 'bitcoin', address: a })),
    );
    fc.assert(
      fc.property(destination, (d) => {
        const masked = JSON.stringify(maskDestination(d));
        const secret = d.method === 'bank_transfer' ? d.destination.account_number : d.method === 'mobile_money' ? d.destination.phone_number : d.method === 'paypal' ? d.destination.email : d.destination.address;
        // An email whose local part is made of the mask's own stars (`*@a.aa`) cannot be told from its mask.
        fc.pre(!/^\**@/.test(secret));
        expect(masked).not.toContain(secret);
      }),
      { numRuns: 400 },
    );
  });
});
