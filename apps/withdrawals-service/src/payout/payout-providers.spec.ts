import { parseProviderUrls, PayoutProviders, PROVIDER_URLS_PATTERN } from './payout-providers';

describe('the payment provider configured for each method', () => {
  it('reads method=url pairs; anything else does not match the pattern', () => {
    expect(parseProviderUrls('paypal=https://pp.example.org,crypto=http://127.0.0.1:4000')).toEqual({ paypal: 'https://pp.example.org', crypto: 'http://127.0.0.1:4000' });
    expect(parseProviderUrls('')).toEqual({});
    for (const ok of ['', 'paypal=https://pp.example.org', 'bank_transfer=http://a:1,mobile_money=https://b']) expect(PROVIDER_URLS_PATTERN.test(ok)).toBe(true);
    for (const bad of ['cash=http://a', 'paypal=ftp://a', 'paypal=', 'paypal=http://a,', 'paypal http://a']) expect(PROVIDER_URLS_PATTERN.test(bad)).toBe(false);
  });

  it('a method without its own provider goes to the default one; one client per distinct provider', () => {
    const p = new PayoutProviders('http://default', { crypto: 'http://crypto' }, 1000);
    try {
      expect(p.forMethod('bank_transfer')).toBe(p.forMethod('paypal'));
      expect(p.forMethod('crypto')).not.toBe(p.forMethod('paypal'));
    } finally {
      p.close();
    }
  });
});
