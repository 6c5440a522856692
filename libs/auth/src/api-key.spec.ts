import { dummyVerify, generateApiKey, hashApiKeySecret, isApiKeyToken, parseApiKey, verifyApiKeySecret } from './api-key';

describe('API keys', () => {
  it('a generated key has the wm_live_<public id>_<secret> form with a 256-bit secret and parses back', () => {
    const key = generateApiKey();
    expect(key.token).toMatch(/^wm_live_[a-z0-9]{12}_[0-9a-f]{64}$/);
    expect(parseApiKey(key.token)).toEqual({ publicId: key.publicId, secret: key.secret });
    expect(isApiKeyToken(key.token)).toBe(true);
  });

  it('two generated keys never share a public id or secret', () => {
    const keys = Array.from({ length: 200 }, generateApiKey);
    expect(new Set(keys.map((k) => k.publicId)).size).toBe(200);
    expect(new Set(keys.map((k) => k.secret)).size).toBe(200);
  });

  it('the stored hash does not contain the secret and verifies only the right secret', () => {
    const key = generateApiKey();
    expect(key.hash).not.toContain(key.secret);
    expect(verifyApiKeySecret(key.publicId, key.secret, key.hash)).toBe(true);
    const wrong = key.secret.slice(0, -1) + (key.secret.endsWith('0') ? '1' : '0');
    expect(verifyApiKeySecret(key.publicId, wrong, key.hash)).toBe(false);
  });

  it('a secret does not verify under another public id (the hash is bound to its key)', () => {
    const key = generateApiKey();
    expect(verifyApiKeySecret('zzzzzzzzzzzz', key.secret, key.hash)).toBe(false);
    expect(hashApiKeySecret('zzzzzzzzzzzz', key.secret)).not.toBe(key.hash);
  });

  it('malformed keys and short secrets (< 128 bits) are not keys', () => {
    for (const bad of ['', 'wm_live_', 'wm_live_abc_def', 'wm_test_abcdefabcdef_' + 'a'.repeat(64), 'wm_live_ABCDEFGHIJKL_' + 'a'.repeat(64), 'wm_live_abcdefabcdef_' + 'a'.repeat(31), `wm_live_abcdefabcdef_${'a'.repeat(63)}!`]) {
      expect(parseApiKey(bad)).toBeNull();
    }
  });

  it('a garbage stored hash never verifies and never throws', () => {
    expect(verifyApiKeySecret('abcdefabcdef', 'a'.repeat(64), 'short')).toBe(false);
    expect(() => dummyVerify('x')).not.toThrow();
  });
});
