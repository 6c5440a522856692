import { randomBytes } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Random bytes drawn from the CSPRNG 4 KiB at a time (as Node's own randomUUID does): one call per 409 ids, not one each. */
let pool = Buffer.alloc(0);
let used = 0;

/** RFC 9562 UUID version 7: time-ordered, so event ids sort by creation time; 74 random bits. */
export function uuidv7(now: number = Date.now()): string {
  if (used + 10 > pool.length) {
    pool = randomBytes(4096);
    used = 0;
  }
  const r = pool;
  const o = used;
  used += 10;
  const ts = Math.trunc(now).toString(16).padStart(12, '0').slice(-12);
  const h = (i: number) => HEX[r[o + i]!]!;
  return `${ts.slice(0, 8)}-${ts.slice(8)}-${HEX[(r[o]! & 0x0f) | 0x70]}${h(1)}-${HEX[(r[o + 2]! & 0x3f) | 0x80]}${h(3)}-${h(4)}${h(5)}${h(6)}${h(7)}${h(8)}${h(9)}`;
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}
