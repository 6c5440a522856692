import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import {
  generateServiceKeyPair, parseServicePrivateKey, parseServicePublicKeys, ServiceTokenError, ServiceTokenSigner, ServiceTokenVerifier,
} from './service-token';

const gw = generateServiceKeyPair('api-gateway', 'k1');
const gwNext = generateServiceKeyPair('api-gateway', 'k2');
const rewards = generateServiceKeyPair('rewards-service', 'k1');
const jwks = (...keys: { publicJwk: object }[]) => JSON.stringify({ keys: keys.map((k) => k.publicJwk) });
const signerOf = (service: string, pair: ReturnType<typeof generateServiceKeyPair>, ttlSeconds?: number) =>
  new ServiceTokenSigner({ service, key: parseServicePrivateKey(JSON.stringify(pair.privateJwk), service), ttlSeconds });

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'accepted';
  } catch (err) {
    return err instanceof ServiceTokenError ? err.reason : `unexpected: ${(err as Error).message}`;
  }
}

describe('service tokens (EdDSA)', () => {
  const wallet = () => new ServiceTokenVerifier({ audience: 'wallet-service', keys: parseServicePublicKeys(jwks(gw, rewards)) });

  it('a token carries the caller as sub, the target as aud, at most 60 s of life, and the forwarded principal', async () => {
    const user = randomUUID();
    const token = await signerOf('api-gateway', gw).token('wallet-service', { type: 'user', userId: user, role: 'resident' });
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: 'api-gateway', iss: 'api-gateway', aud: 'wallet-service', principal: { type: 'user', userId: user, role: 'resident' } });
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(60);
    await expect(wallet().verify(token)).resolves.toEqual({ service: 'api-gateway', principal: { type: 'user', userId: user, role: 'resident' } });
  });

  it('the signer reuses a token for the same audience and principal, and signs another for another principal or audience', async () => {
    const s = signerOf('api-gateway', gw);
    const p = { type: 'service' as const, serviceId: 'notify', keyId: randomUUID(), permissions: { wallets: ['read'] } };
    const a = await s.token('wallet-service', p);
    expect(await s.token('wallet-service', { ...p, permissions: { wallets: ['read'] } })).toBe(a);
    expect(await s.token('wallet-service', { ...p, permissions: { wallets: ['read'], points: ['earn'] } })).not.toBe(a);
    expect(await s.token('metrics-service', p)).not.toBe(a);
    expect(await s.token('wallet-service')).not.toBe(a);
  });

  it('tokenFor remembers a token by the gateway principal object and carries that principal', async () => {
    const s = signerOf('api-gateway', gw);
    const principal = { type: 'service' as const, keyId: randomUUID(), publicId: 'abcdefabcdef', serviceId: 'notify', permissions: { wallets: ['read'] }, rateLimitPerMinute: null };
    const a = await s.tokenFor('wallet-service', principal);
    expect(await s.tokenFor('wallet-service', principal)).toBe(a);
    expect(await s.token('wallet-service', { type: 'service', serviceId: 'notify', keyId: principal.keyId, permissions: { wallets: ['read'] } })).toBe(a);
    await expect(wallet().verify(a)).resolves.toEqual({ service: 'api-gateway', principal: { type: 'service', serviceId: 'notify', keyId: principal.keyId, permissions: { wallets: ['read'] } } });
    const spy = jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 31_000);
    try {
      expect(await s.tokenFor('wallet-service', principal)).not.toBe(a);
    } finally {
      spy.mockRestore();
    }
  });

  it('a reused token is renewed after half its life, so one sent always has at least half left', async () => {
    const s = signerOf('api-gateway', gw, 60);
    const first = await s.token('wallet-service');
    const spy = jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 31_000);
    try {
      expect(await s.token('wallet-service')).not.toBe(first);
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses a missing, malformed, expired, foreign-audience, unknown-key, tampered or mis-attributed token', async () => {
    const v = wallet();
    expect(await reason(v.verify(undefined))).toBe('missing_token');
    expect(await reason(v.verify('not.a.jwt'))).toBe('invalid_token');
    const key = parseServicePrivateKey(JSON.stringify(gw.privateJwk), 'api-gateway');
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims: { aud?: string; iat?: number; exp?: number; sub?: string }, k = key) => new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: k.kid }).setSubject(claims.sub ?? 'api-gateway').setAudience(claims.aud ?? 'wallet-service')
      .setIssuedAt(claims.iat ?? now).setExpirationTime(claims.exp ?? now + 60).sign(k.key);
    expect(await reason(v.verify(await sign({ iat: now - 300, exp: now - 240 })))).toBe('token_expired');
    expect(await reason(v.verify(await sign({ aud: 'rewards-service' })))).toBe('wrong_audience');
    expect(await reason(v.verify(await sign({ exp: now + 3600 })))).toBe('invalid_token'); // lives longer than 60 s
    expect(await reason(v.verify(await sign({ sub: 'withdrawals-service' })))).toBe('invalid_token'); // the gateway's key, another service's name
    const stranger = parseServicePrivateKey(JSON.stringify(generateServiceKeyPair('api-gateway', 'evil').privateJwk), 'api-gateway');
    expect(await reason(v.verify(await sign({}, stranger)))).toBe('unknown_key');
    // A known kid over a signature made by another key.
    const impostor = { kid: key.kid, key: stranger.key };
    expect(await reason(v.verify(await sign({}, impostor)))).toBe('bad_signature');
    const [h, p, sig] = (await signerOf('api-gateway', gw).token('wallet-service')).split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), principal: { type: 'user', userId: randomUUID(), role: 'admin' } })).toString('base64url');
    expect(await reason(v.verify(`${h}.${forged}.${sig}`))).toBe('bad_signature');
    const hs = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: key.kid }).setSubject('api-gateway').setAudience('wallet-service').setIssuedAt().setExpirationTime('30s').sign(Buffer.alloc(32, 1));
    expect(await reason(v.verify(hs))).toBe('invalid_token');
  });

  it('a verified token is remembered but still stops working at its exp (plus the small tolerance)', async () => {
    const v = wallet();
    const token = await signerOf('api-gateway', gw).token('wallet-service');
    await expect(v.verify(token)).resolves.toMatchObject({ service: 'api-gateway' });
    const spy = jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 66_000);
    try {
      expect(await reason(v.verify(token))).toBe('token_expired');
    } finally {
      spy.mockRestore();
    }
  });

  it('a remembered token does not lend its verdict to the same signature under another payload', async () => {
    const v = wallet();
    const token = await signerOf('api-gateway', gw).token('wallet-service');
    await v.verify(token);
    const [h, p, sig] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), principal: { type: 'user', userId: randomUUID(), role: 'admin' } })).toString('base64url');
    expect(await reason(v.verify(`${h}.${forged}.${sig}`))).toBe('bad_signature');
  });

  it('during a rotation both keys of a caller verify; a third key is refused at configuration', async () => {
    const v = new ServiceTokenVerifier({ audience: 'wallet-service', keys: parseServicePublicKeys(jwks(gw, gwNext)) });
    await expect(v.verify(await signerOf('api-gateway', gw).token('wallet-service'))).resolves.toMatchObject({ service: 'api-gateway' });
    await expect(v.verify(await signerOf('api-gateway', gwNext).token('wallet-service'))).resolves.toMatchObject({ service: 'api-gateway' });
    expect(() => parseServicePublicKeys(jwks(gw, gwNext, generateServiceKeyPair('api-gateway', 'k3')))).toThrow(/more than 2 keys/);
  });

  it('refuses bad key material with a message that says what is wrong', () => {
    expect(() => parseServicePrivateKey('{', 'api-gateway')).toThrow(/not JSON/);
    expect(() => parseServicePrivateKey(JSON.stringify(gw.publicJwk), 'api-gateway')).toThrow(/no "d"/);
    expect(() => parseServicePrivateKey(JSON.stringify(gw.privateJwk), 'wallet-service')).toThrow(/not one of wallet-service/);
    expect(() => parseServicePublicKeys(JSON.stringify({ keys: [gw.privateJwk] }))).toThrow(/private key/);
    expect(() => parseServicePublicKeys(JSON.stringify([gw.publicJwk]))).toThrow(/JWKS/);
    expect(() => parseServicePublicKeys(JSON.stringify({ keys: [{ ...gw.publicJwk, kid: 'nocolon' }] }))).toThrow(/kid/);
    expect(() => new ServiceTokenSigner({ service: 'api-gateway', key: parseServicePrivateKey(JSON.stringify(gw.privateJwk), 'api-gateway'), ttlSeconds: 3600 })).toThrow(/2 to 60/);
  });

  it('a malformed principal claim is refused', async () => {
    const key = parseServicePrivateKey(JSON.stringify(gw.privateJwk), 'api-gateway');
    for (const principal of [{ type: 'user', userId: 'bob', role: 'resident' }, { type: 'user', userId: randomUUID(), role: 'root' }, { type: 'service', serviceId: 'x', keyId: 'k', permissions: [] }, { type: 'god' }]) {
      const token = await new SignJWT({ principal }).setProtectedHeader({ alg: 'EdDSA', kid: key.kid }).setSubject('api-gateway').setAudience('wallet-service').setIssuedAt().setExpirationTime('30s').sign(key.key);
      expect(await reason(wallet().verify(token))).toBe('invalid_token');
    }
  });
});
