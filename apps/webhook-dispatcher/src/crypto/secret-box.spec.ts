import { randomBytes } from 'node:crypto';
import { generateEndpointSecret, SecretBox } from './secret-box';

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
});
