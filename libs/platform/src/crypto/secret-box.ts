// AES-256-GCM for secrets and personal data at rest, with a rotatable master key. Shared by the
// webhook-dispatcher (endpoint secrets) and the withdrawals-service (payout destinations).

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Version 1: no key id (sealed before keys could rotate); opened by trying each known key. */
const V1 = 1;
/** Version 2: the id of the key that sealed it follows the version byte. */
const V2 = 2;
const KID_BYTES = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A key's public id: the first 8 bytes of SHA-256 over a label and the key. Says which key, reveals nothing of it. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('wozamali-webhook-secret-key:').update(key).digest().subarray(0, KID_BYTES).toString('hex');
}

function decodeKey(base64Key: string): Buffer {
  const key = Buffer.from(base64Key, 'base64');
  if (key.length !== 32) throw new Error('the secret key must be 32 bytes');
  return key;
}

/** The names of the configuration variables holding the keys, for error messages. */
export interface SecretBoxKeyNames {
  /** Default `WEBHOOK_SECRET_KEY`. */
  current: string;
  /** Default `WEBHOOK_PREVIOUS_SECRET_KEYS`. */
  previous: string;
}

/**
 * AES-256-GCM for secrets at rest. The owner's id (an endpoint's, a withdrawal's) is the associated
 * data, so a ciphertext copied onto another row does not decrypt. Layout (version 2): version byte, key id, iv, tag,
 * ciphertext. Seals with the current key; opens with the current key or any previous one, so the
 * master key can rotate: deploy the new key as current with the old one as previous, let the
 * re-seal job move every stored secret to the new key, then drop the old key.
 */
export class SecretBox {
  private readonly current: { id: string; key: Buffer };
  private readonly keys = new Map<string, Buffer>();

  private readonly names: SecretBoxKeyNames;

  constructor(base64Key: string, previousBase64Keys: string[] = [], names: SecretBoxKeyNames = { current: 'WEBHOOK_SECRET_KEY', previous: 'WEBHOOK_PREVIOUS_SECRET_KEYS' }) {
    this.names = names;
    const key = decodeKey(base64Key);
    this.current = { id: keyId(key), key };
    this.keys.set(this.current.id, key);
    for (const previous of previousBase64Keys) {
      const k = decodeKey(previous);
      if (!this.keys.has(keyId(k))) this.keys.set(keyId(k), k);
    }
  }

  /** The id of the key that seals. */
  get currentKeyId(): string {
    return this.current.id;
  }

  seal(plaintext: string, ownerId: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(ownerId, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([V2]), Buffer.from(this.current.id, 'hex'), iv, cipher.getAuthTag(), data]);
  }

  open(sealed: Buffer, ownerId: string): string {
    if (sealed[0] === V2 && sealed.length >= 1 + KID_BYTES + IV_BYTES + TAG_BYTES) {
      const kid = sealed.subarray(1, 1 + KID_BYTES).toString('hex');
      const key = this.keys.get(kid);
      if (!key) throw new Error(`this secret was sealed with key ${kid}, which is neither ${this.names.current} nor in ${this.names.previous}`);
      return decrypt(key, sealed.subarray(1 + KID_BYTES), ownerId);
    }
    if (sealed[0] === V1 && sealed.length >= 1 + IV_BYTES + TAG_BYTES) {
      let last: unknown;
      for (const key of this.keys.values()) {
        try {
          return decrypt(key, sealed.subarray(1), ownerId);
        } catch (err) {
          last = err;
        }
      }
      throw last;
    }
    throw new Error('unknown secret ciphertext format');
  }

  /** True when `sealed` is not sealed with the current key (an older format or a previous key). */
  isStale(sealed: Buffer): boolean {
    return !(sealed[0] === V2 && sealed.subarray(1, 1 + KID_BYTES).toString('hex') === this.current.id);
  }
}

/** iv, tag, ciphertext → plaintext; throws when the key, the owner or the bytes are wrong. */
function decrypt(key: Buffer, rest: Buffer, ownerId: string): string {
  const iv = rest.subarray(0, IV_BYTES);
  const tag = rest.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(ownerId, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(rest.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}
