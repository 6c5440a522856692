import { randomBytes } from 'node:crypto';

/** Crockford's base32 alphabet: no I, L, O, U. */
export const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A code prefix an admin may set on a reward: 1-8 letters or digits. */
export const CODE_PREFIX_PATTERN = /^[A-Za-z0-9]{1,8}$/;

/**
 * 12 Crockford base32 symbols (60 bits) from the CSPRNG, never derived from an id; shown
 * `XXXX-XXXX-XXXX`, after the reward's prefix when it has one (`ECO-XXXX-XXXX-XXXX`).
 */
export function generateCode(prefix: string | null = null, random: (n: number) => Buffer = randomBytes): string {
  const bytes = random(8);
  let bits = bytes.readBigUInt64BE(0) >> 4n; // 60 bits
  const symbols: string[] = [];
  for (let i = 0; i < 12; i += 1) {
    symbols.unshift(CROCKFORD[Number(bits & 31n)]!);
    bits >>= 5n;
  }
  const body = `${symbols.slice(0, 4).join('')}-${symbols.slice(4, 8).join('')}-${symbols.slice(8).join('')}`;
  return prefix ? `${prefix.toUpperCase()}-${body}` : body;
}

/**
 * The form codes are unique on and looked up by: upper case, no hyphens or spaces, O→0, I/L→1
 * (what a person reading a code aloud or typing it may confuse). Null when it cannot be a code.
 */
export function normaliseCode(input: string): string | null {
  const s = input.toUpperCase().replace(/[-\s]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return /^[0-9A-Z]{12,20}$/.test(s) ? s : null;
}
