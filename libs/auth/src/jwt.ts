import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt, { type JwtHeader, type JwtPayload } from 'jsonwebtoken';
import { JwksClient } from 'jwks-rsa';
import { canonicalUuid, USER_ROLES, type UserPrincipal, type UserRole } from './principal';

export interface JwtVerifierOptions {
  /** HS256 shared secret (development, tests, simple deployments). */
  secret?: string;
  /** RS256 key set of the identity provider (production). */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Seconds of clock skew tolerated on `exp`/`nbf`. */
  clockToleranceSeconds?: number;
  /** Verified tokens remembered (until their `exp`) to skip re-verifying them on every request; 0 disables. */
  cacheSize?: number;
}

/** Why a token was refused; the gateway turns each into a 401 with a stable code. */
export type JwtFailure = 'token_expired' | 'invalid_token';

export class JwtVerificationError extends Error {
  constructor(readonly reason: JwtFailure, detail: string) {
    super(detail);
    this.name = 'JwtVerificationError';
  }
}

/**
 * Verifies end-user bearer tokens. The algorithm is pinned by where the key comes from (HS256 only
 * with the shared secret, RS256 only with the JWKS), so a token cannot choose its own (`alg: none`,
 * or an HS256 token signed with the RSA public key). `exp` is required and enforced; `sub` must be a
 * UUID and `role` one of resident | collector | admin.
 */
export class JwtVerifier {
  private readonly jwks: JwksClient | null;
  // Built once: jsonwebtoken would otherwise turn the string into a key object on every verify.
  private readonly hsKey: KeyObject | null;
  private readonly verified = new Map<string, { principal: UserPrincipal; expMs: number }>();

  constructor(private readonly opts: JwtVerifierOptions) {
    if (!opts.secret && !opts.jwksUrl) throw new Error('JwtVerifier needs a secret (HS256) or a JWKS URL (RS256)');
    if (opts.secret !== undefined && Buffer.byteLength(opts.secret) < 32) throw new Error('the HS256 secret must be at least 32 bytes');
    this.hsKey = opts.secret ? createSecretKey(Buffer.from(opts.secret, 'utf8')) : null;
    this.jwks = opts.jwksUrl ? new JwksClient({ jwksUri: opts.jwksUrl, cache: true, cacheMaxAge: 10 * 60_000, rateLimit: true, jwksRequestsPerMinute: 10, timeout: 5000 }) : null;
  }

  async verify(token: string): Promise<UserPrincipal> {
    const hit = this.verified.get(token);
    if (hit) {
      // The exact token string was verified before; only expiry can have changed since.
      if (hit.expMs > Date.now()) return hit.principal;
      this.verified.delete(token);
    }
    return this.verifyUncached(token);
  }

  private async verifyUncached(token: string): Promise<UserPrincipal> {
    const header = this.decodeHeader(token);
    let payload: JwtPayload;
    if (header.alg === 'HS256' && this.hsKey) {
      payload = this.check(token, this.hsKey, 'HS256');
    } else if (header.alg === 'RS256' && this.jwks) {
      if (typeof header.kid !== 'string') throw new JwtVerificationError('invalid_token', 'the token has no key id');
      let key: string;
      try {
        key = (await this.jwks.getSigningKey(header.kid)).getPublicKey();
      } catch {
        throw new JwtVerificationError('invalid_token', 'the token was signed by an unknown key');
      }
      payload = this.check(token, key, 'RS256');
    } else {
      throw new JwtVerificationError('invalid_token', 'the token uses an algorithm that is not accepted');
    }
    const principal = toPrincipal(payload);
    const max = this.opts.cacheSize ?? 10_000;
    if (max > 0) {
      if (this.verified.size >= max) this.verified.clear();
      this.verified.set(token, { principal, expMs: (payload.exp as number) * 1000 });
    }
    return principal;
  }

  private decodeHeader(token: string): JwtHeader {
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded || typeof decoded === 'string' || typeof decoded.header !== 'object') throw new JwtVerificationError('invalid_token', 'the token is not a JWT');
    return decoded.header;
  }

  private check(token: string, key: string | KeyObject, algorithm: 'HS256' | 'RS256'): JwtPayload {
    try {
      const payload = jwt.verify(token, key, {
        algorithms: [algorithm],
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        clockTolerance: this.opts.clockToleranceSeconds ?? 5,
      });
      if (typeof payload === 'string') throw new JwtVerificationError('invalid_token', 'the token payload is not an object');
      return payload;
    } catch (err) {
      if (err instanceof JwtVerificationError) throw err;
      if (err instanceof jwt.TokenExpiredError) throw new JwtVerificationError('token_expired', 'the token has expired');
      throw new JwtVerificationError('invalid_token', 'the token could not be verified');
    }
  }
}

function toPrincipal(payload: JwtPayload): UserPrincipal {
  // jsonwebtoken enforces exp only when present; a token without one would never expire.
  if (typeof payload.exp !== 'number') throw new JwtVerificationError('invalid_token', 'the token has no expiry');
  const userId = canonicalUuid(payload.sub);
  if (!userId) throw new JwtVerificationError('invalid_token', 'the token subject is not a user id');
  const role = (payload as { role?: unknown }).role;
  if (typeof role !== 'string' || !(USER_ROLES as readonly string[]).includes(role)) throw new JwtVerificationError('invalid_token', 'the token role is not resident, collector or admin');
  return { type: 'user', userId, role: role as UserRole };
}

/** Mints an HS256 end-user token (development command and tests; production tokens come from the identity provider). */
export function mintUserToken(secret: string, claims: { sub: string; role: UserRole; expiresInSeconds?: number }): string {
  return jwt.sign({ role: claims.role }, secret, { algorithm: 'HS256', subject: claims.sub, expiresIn: claims.expiresInSeconds ?? 3600 });
}
