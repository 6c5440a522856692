import { createCipheriv, randomBytes } from 'node:crypto';
import { keyId, SecretBox } from '@wozamali/platform';
import { generateEndpointSecret } from './secret-box';

/** How secrets were sealed before keys could rotate (format 1: version, iv, tag, ciphertext; no key id). */
function sealV1(base64Key: string, plaintext: string, endpointId: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(base64Key, 'base64'), iv);
  cipher.setAAD(Buffer.from(endpointId, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([1]), iv, cipher.getAuthTag(), data]);
}

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32).toString('base64'));

  it('an endpoint secret is whsec_ plus base64 of 32 random bytes, different every time', () => {
    const a = generateEndpointSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(generateEndpointSecret()).not.toBe(a);
  });

  it('encrypts at rest: the ciphertext does not contain the secret and opens back to it', () => {
    const secret = generateEndpointSecret();
    const sealed = box.seal(secret, 'endpoint-1');
    expect(sealed.toString('latin1')).not.toContain(secret.slice(6, 20));
    expect(box.open(sealed, 'endpoint-1')).toBe(secret);
  });

  it('a tampered ciphertext, another endpoint or another key does not open', () => {
    const sealed = box.seal(generateEndpointSecret(), 'endpoint-1');
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => box.open(tampered, 'endpoint-1')).toThrow();
    expect(() => box.open(sealed, 'endpoint-2')).toThrow();
    expect(() => new SecretBox(randomBytes(32).toString('base64')).open(sealed, 'endpoint-1')).toThrow();
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new SecretBox(randomBytes(16).toString('base64'))).toThrow('32 bytes');
  });

  describe('master key rotation', () => {
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');

    it('a box with the new key and the old one as previous opens what the old key sealed, says it is stale, and seals with the new key', () => {
      const secret = generateEndpointSecret();
      const sealedOld = new SecretBox(oldKey).seal(secret, 'endpoint-1');
      const rotated = new SecretBox(newKey, [oldKey]);
      expect(rotated.open(sealedOld, 'endpoint-1')).toBe(secret);
      expect(rotated.isStale(sealedOld)).toBe(true);
      const resealed = rotated.seal(secret, 'endpoint-1');
      expect(rotated.isStale(resealed)).toBe(false);
      expect(resealed.subarray(1, 9).toString('hex')).toBe(keyId(Buffer.from(newKey, 'base64')));
      // Once the old key is dropped: the re-sealed secret opens, the old ciphertext names the missing key.
      const newOnly = new SecretBox(newKey);
      expect(newOnly.open(resealed, 'endpoint-1')).toBe(secret);
      expect(() => newOnly.open(sealedOld, 'endpoint-1')).toThrow(keyId(Buffer.from(oldKey, 'base64')));
    });

    it('secrets sealed in the first format (no key id) open with whichever known key sealed them, and are stale', () => {
      const secret = generateEndpointSecret();
      const v1 = sealV1(oldKey, secret, 'endpoint-1');
      expect(new SecretBox(oldKey).open(v1, 'endpoint-1')).toBe(secret);
      expect(new SecretBox(newKey, [oldKey]).open(v1, 'endpoint-1')).toBe(secret);
      expect(new SecretBox(oldKey).isStale(v1)).toBe(true);
      expect(() => new SecretBox(newKey).open(v1, 'endpoint-1')).toThrow();
      expect(() => new SecretBox(newKey, [oldKey]).open(v1, 'endpoint-2')).toThrow();
    });

    it('refuses a previous key that is not 32 bytes; an unknown format does not open', () => {
      expect(() => new SecretBox(newKey, [randomBytes(31).toString('base64')])).toThrow('32 bytes');
      expect(() => new SecretBox(newKey).open(Buffer.from([9, 1, 2, 3]), 'endpoint-1')).toThrow('unknown secret ciphertext format');
    });
  });
});
