import { CROCKFORD, generateCode, normaliseCode } from './reward-code';

describe('reward codes', () => {
  it('are 12 Crockford base32 symbols shown XXXX-XXXX-XXXX, after an optional prefix', () => {
    expect(generateCode()).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(generateCode('eco')).toMatch(/^ECO-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
  });

  it('carry 60 bits of the random source: all-zero bytes give all zeros, all-one bytes all Z', () => {
    expect(generateCode(null, (n) => Buffer.alloc(n, 0))).toBe('0000-0000-0000');
    expect(generateCode(null, (n) => Buffer.alloc(n, 0xff))).toBe('ZZZZ-ZZZZ-ZZZZ');
  });

  it('do not repeat over 20,000 draws and use the whole alphabet', () => {
    const seen = new Set<string>();
    const symbols = new Set<string>();
    for (let i = 0; i < 20_000; i += 1) {
      const c = generateCode();
      seen.add(c);
      for (const ch of c.replace(/-/g, '')) symbols.add(ch);
    }
    expect(seen.size).toBe(20_000);
    expect([...symbols].sort().join('')).toBe(CROCKFORD);
  });

  it('normalise: upper case, no hyphens, O→0, I/L→1; anything else is not a code', () => {
    expect(normaliseCode('abcd-efgh-jkmn')).toBe('ABCDEFGHJKMN');
    expect(normaliseCode('OOII-LL00-1234')).toBe('001111001234');
    expect(normaliseCode(' 0011 1100 1234 ')).toBe('001111001234');
    expect(normaliseCode('short')).toBeNull();
    expect(normaliseCode('ABCD-EFGH-JKM*')).toBeNull();
    expect(normaliseCode('')).toBeNull();
  });
});
