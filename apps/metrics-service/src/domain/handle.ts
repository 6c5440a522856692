import { createHmac } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A resident's public handle on leaderboards: `Recycler XXXX-XXXX`, 40 bits of an HMAC of the user
 * id. Stable for a key; without the key it can't be tied back to the id.
 */
export function maskedHandle(userId: string, key: string): string {
  const digest = createHmac('sha256', key).update(userId.toLowerCase()).digest();
  let bits = 0n;
  for (let i = 0; i < 5; i += 1) bits = (bits << 8n) | BigInt(digest[i]!);
  let out = '';
  for (let i = 7; i >= 0; i -= 1) out += CROCKFORD[Number((bits >> BigInt(i * 5)) & 31n)];
  return `Recycler ${out.slice(0, 4)}-${out.slice(4)}`;
}
