import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { JwtVerificationError, JwtVerifier, mintUserToken } from './jwt';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'accepted';
  } catch (err) {
    return err instanceof JwtVerificationError ? err.reason : `unexpected: ${(err as Error).message}`;
  }
}

describe('JwtVerifier (HS256)', () => {
  const verifier = new JwtVerifier({ secret: SECRET });
  const sub = randomUUID();

  it('accepts a token with a UUID sub, a known role and an exp, and returns the principal', async () => {
    await expect(verifier.verify(mintUserToken(SECRET, { sub, role: 'resident' }))).resolves.toEqual({ type: 'user', userId: sub, role: 'resident' });
  });

  it('refuses an expired token with token_expired', async () => {
    const token = jwt.sign({ role: 'resident', sub, exp: Math.floor(Date.now() / 1000) - 60 }, SECRET, { algorithm: 'HS256' });
    expect(await reason(verifier.verify(token))).toBe('token_expired');
  });

  it('refuses a token without exp (it would never expire)', async () => {
    const token = jwt.sign({ role: 'resident', sub }, SECRET, { algorithm: 'HS256' });
    expect(await reason(verifier.verify(token))).toBe('invalid_token');
  });

  it('refuses a token signed with another secret, alg none, or a tampered payload', async () => {
    expect(await reason(verifier.verify(mintUserToken('another-secret-that-is-32-bytes-long!!', { sub, role: 'admin' })))).toBe('invalid_token');
    const none = jwt.sign({ role: 'admin', sub, exp: Math.floor(Date.now() / 1000) + 60 }, '', { algorithm: 'none' });
    expect(await reason(verifier.verify(none))).toBe('invalid_token');
    const [h, , s] = mintUserToken(SECRET, { sub, role: 'resident' }).split('.');
    const forged = Buffer.from(JSON.stringify({ sub, role: 'admin', exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url');
    expect(await reason(verifier.verify(`${h}.${forged}.${s}`))).toBe('invalid_token');
    expect(await reason(verifier.verify('not-a-jwt'))).toBe('invalid_token');
  });

  it('refuses a sub that is not a UUID and a role outside resident|collector|admin', async () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    expect(await reason(verifier.verify(jwt.sign({ role: 'resident', sub: 'bob', exp }, SECRET)))).toBe('invalid_token');
    expect(await reason(verifier.verify(jwt.sign({ role: 'superuser', sub, exp }, SECRET)))).toBe('invalid_token');
    expect(await reason(verifier.verify(jwt.sign({ sub, exp }, SECRET)))).toBe('invalid_token');
  });

  it('a token remembered as verified still stops working at its exp', async () => {
    const token = mintUserToken(SECRET, { sub, role: 'resident', expiresInSeconds: 60 });
    await expect(verifier.verify(token)).resolves.toMatchObject({ userId: sub });
    const later = Date.now() + 70_000; // past exp and the 5 s clock tolerance
    const spy = jest.spyOn(Date, 'now').mockReturnValue(later);
    try {
      expect(await reason(verifier.verify(token))).toBe('token_expired');
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses an HS256 secret shorter than 32 bytes at construction', () => {
    expect(() => new JwtVerifier({ secret: 'short' })).toThrow();
  });
});

describe('JwtVerifier (RS256 against a JWKS endpoint)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' };
  let server: Server;
  let verifier: JwtVerifier;
  const sub = randomUUID();

  beforeAll(async () => {
    server = createServer((_req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ keys: [jwk] })); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    verifier = new JwtVerifier({ jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json` });
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('accepts a token signed by a key of the set', async () => {
    const token = jwt.sign({ role: 'collector' }, privateKey, { algorithm: 'RS256', keyid: 'k1', subject: sub, expiresIn: 60 });
    await expect(verifier.verify(token)).resolves.toEqual({ type: 'user', userId: sub, role: 'collector' });
  });

  it('refuses an unknown kid, an HS256 token (no secret configured) and an expired token', async () => {
    expect(await reason(verifier.verify(jwt.sign({ role: 'admin' }, privateKey, { algorithm: 'RS256', keyid: 'nope', subject: sub, expiresIn: 60 })))).toBe('invalid_token');
    // The classic confusion attack: HS256 "signed" with the public key.
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(await reason(verifier.verify(jwt.sign({ role: 'admin', sub, exp: Math.floor(Date.now() / 1000) + 60 }, pem, { algorithm: 'HS256', keyid: 'k1' })))).toBe('invalid_token');
    expect(await reason(verifier.verify(jwt.sign({ role: 'admin', sub, exp: Math.floor(Date.now() / 1000) - 60 }, privateKey, { algorithm: 'RS256', keyid: 'k1' })))).toBe('token_expired');
  });
});
