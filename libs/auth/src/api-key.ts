import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every API key starts with this; it makes leaked keys easy to find by secret scanners. */
export const API_KEY_PREFIX = 'wm_live_';

const PUBLIC_ID = /^[a-z0-9]{8,32}$/;
const SECRET = /^[A-Za-z0-9]{32,128}$/;
const KEY = /^wm_live_([a-z0-9]{8,32})_([A-Za-z0-9]{32,128})$/;
const HASH_VERSION = 'hs256v1';

/** A key split into the part we look up by and the part only its holder knows. */
export interface ParsedApiKey {
  /** Stored in clear, indexed; identifies the key in logs and the API (`key_…` is never logged whole). */
  publicId: string;
  /** Never stored; only its hash is. */
  secret: string;
}

/** A freshly generated key: `token` is shown once to its creator and never again. */
export interface GeneratedApiKey extends ParsedApiKey {
  token: string;
  hash: string;
}

/**
 * Generates `wm_live_<public id>_<secret>`: a 12-character public id and a 256-bit secret (64 hex
 * characters), with its hash for storage.
 */
export function generateApiKey(): GeneratedApiKey {
  const publicId = randomBytes(8).toString('hex').slice(0, 12);
  const secret = randomBytes(32).toString('hex');
  return { publicId, secret, token: formatApiKey(publicId, secret), hash: hashApiKeySecret(publicId, secret) };
}

export function formatApiKey(publicId: string, secret: string): string {
  if (!PUBLIC_ID.test(publicId) || !SECRET.test(secret)) throw new Error('malformed API key parts');
  return `${API_KEY_PREFIX}${publicId}_${secret}`;
}

/** Parses a presented key; `null` when it is not of the key format (never throws on input). */
export function parseApiKey(token: string): ParsedApiKey | null {
  const m = KEY.exec(token);
  return m ? { publicId: m[1], secret: m[2] } : null;
}

/** True when `token` looks like an API key rather than a JWT. */
export function isApiKeyToken(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

/**
 * The stored form of a secret: HMAC-SHA256 keyed by the public id. A slow KDF (scrypt) is not
 * needed because the secret is ≥128 random bits, not a password: no dictionary to grind, and a
 * fast hash keeps a check per request cheap.
 */
export function hashApiKeySecret(publicId: string, secret: string): string {
  const mac = createHmac('sha256', `wozamali:api-key:${publicId}`).update(secret).digest('hex');
  return `${HASH_VERSION}$${mac}`;
}

/** Constant-time check of a presented secret against the stored hash. */
export function verifyApiKeySecret(publicId: string, secret: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'utf8');
  const actual = Buffer.from(hashApiKeySecret(publicId, secret), 'utf8');
  // Equal length is required by timingSafeEqual; the lengths are public (fixed by the format).
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Burns the same time as a verification, for unknown public ids. */
export function dummyVerify(secret: string): void {
  verifyApiKeySecret('000000000000', secret, `${HASH_VERSION}$${'0'.repeat(64)}`);
}
