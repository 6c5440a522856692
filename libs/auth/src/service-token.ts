import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { canonicalUuid, USER_ROLES, type Principal, type UserRole } from './principal';

/** Every service of the platform: a token's `sub` (caller) and `aud` (target) are one of these. */
export const SERVICE_NAMES = [
  'api-gateway', 'wallet-service', 'rewards-service', 'donations-service', 'withdrawals-service', 'metrics-service', 'webhook-dispatcher',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** A service token never lives longer than this (seconds). */
export const SERVICE_TOKEN_MAX_TTL_SECONDS = 60;
/** A caller may have at most this many public keys at once: the old and the new one during a rotation. */
export const MAX_KEYS_PER_CALLER = 2;

const KID = /^([a-z][a-z0-9-]{1,63}):([A-Za-z0-9._-]{1,64})$/;

/**
 * The principal the gateway authenticated, carried inside a service token as the `principal` claim
 * (never as plain headers a caller could add). Absent on calls a service makes on its own account.
 */
export type TokenPrincipal =
  | { type: 'service'; serviceId: string; keyId: string; permissions: Record<string, string[]> }
  | { type: 'user'; userId: string; role: UserRole };

/** Who made a request, as its verified service token says. */
export interface ServiceCaller {
  /** The calling service (`sub`). */
  service: string;
  /** The end user or API key the request is made for, when the gateway forwarded it. */
  principal: TokenPrincipal | null;
}

/** The part of a gateway principal that travels to the services. */
export function toTokenPrincipal(p: Principal): TokenPrincipal {
  return p.type === 'service'
    ? { type: 'service', serviceId: p.serviceId, keyId: p.keyId, permissions: p.permissions }
    : { type: 'user', userId: p.userId, role: p.role };
}

/** A service's own signing key: an Ed25519 private key and its `kid` (`<service>:<key id>`). */
export interface ServiceSigningKey {
  kid: string;
  key: KeyObject;
}

/** Public keys of the callers a service accepts, by `kid`; each key belongs to the service its `kid` names. */
export type ServicePublicKeys = ReadonlyMap<string, { caller: string; key: KeyObject }>;

/** A configuration error in a key; `variable` is filled in by whoever read it from the environment. */
export class ServiceKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceKeyError';
  }
}

function ed25519Jwk(value: unknown, what: string): JsonWebKey & { kid: string } {
  if (typeof value !== 'object' || value === null) throw new ServiceKeyError(`${what} is not a JWK object`);
  const jwk = value as JsonWebKey & { kid?: unknown };
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') throw new ServiceKeyError(`${what} is not an Ed25519 key (kty OKP, crv Ed25519)`);
  if (typeof jwk.kid !== 'string' || !KID.test(jwk.kid)) throw new ServiceKeyError(`${what} needs a kid of the form <service>:<key id>`);
  return jwk as JsonWebKey & { kid: string };
}

function parseJson(json: string, what: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    throw new ServiceKeyError(`${what} is not JSON`);
  }
}

/** Reads a service's private key from its JWK JSON (`{"kty":"OKP","crv":"Ed25519","d":…,"x":…,"kid":"<service>:<id>"}`). */
export function parseServicePrivateKey(json: string, service: string): ServiceSigningKey {
  const jwk = ed25519Jwk(parseJson(json, 'the private key'), 'the private key');
  if (typeof jwk.d !== 'string') throw new ServiceKeyError('the private key has no "d" (is it the public key?)');
  if (KID.exec(jwk.kid)![1] !== service) throw new ServiceKeyError(`the private key's kid ${jwk.kid} is not one of ${service}`);
  try {
    return { kid: jwk.kid, key: createPrivateKey({ key: jwk, format: 'jwk' }) };
  } catch {
    throw new ServiceKeyError('the private key is not a valid Ed25519 JWK');
  }
}

/**
 * Reads the callers' public keys from a JWKS (`{"keys":[…]}`). Each key's `kid` is
 * `<caller>:<key id>`; a caller may have two keys at once (rotation), not more.
 */
export function parseServicePublicKeys(json: string): ServicePublicKeys {
  const doc = parseJson(json, 'the public key set') as { keys?: unknown };
  if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.keys)) throw new ServiceKeyError('the public key set must be a JWKS: {"keys":[…]}');
  const out = new Map<string, { caller: string; key: KeyObject }>();
  const perCaller = new Map<string, number>();
  for (const [i, raw] of doc.keys.entries()) {
    const jwk = ed25519Jwk(raw, `key ${i}`);
    if (jwk.d !== undefined) throw new ServiceKeyError(`key ${jwk.kid} is a private key: publish only the public part`);
    if (out.has(jwk.kid)) throw new ServiceKeyError(`kid ${jwk.kid} appears twice`);
    const caller = KID.exec(jwk.kid)![1];
    const n = (perCaller.get(caller) ?? 0) + 1;
    if (n > MAX_KEYS_PER_CALLER) throw new ServiceKeyError(`${caller} has more than ${MAX_KEYS_PER_CALLER} keys (keep the old and the new one only during a rotation)`);
    perCaller.set(caller, n);
    try {
      out.set(jwk.kid, { caller, key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' }) });
    } catch {
      throw new ServiceKeyError(`key ${jwk.kid} is not a valid Ed25519 JWK`);
    }
  }
  return out;
}

/** A fresh Ed25519 key pair for `service`, as JWKs with the `kid` `<service>:<keyId>`. */
export function generateServiceKeyPair(service: string, keyId: string = randomBytes(6).toString('hex')): { privateJwk: JsonWebKey & { kid: string }; publicJwk: JsonWebKey & { kid: string } } {
  const kid = `${service}:${keyId}`;
  if (!KID.test(kid)) throw new ServiceKeyError(`${kid} is not a valid kid`);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateJwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' },
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' },
  };
}

export interface ServiceTokenSignerOptions {
  /** The signing service: the token's `iss` and `sub`. */
  service: string;
  key: ServiceSigningKey;
  /** Lifetime of a token in seconds, at most 60 (default 60). */
  ttlSeconds?: number;
  /** Tokens remembered (per audience and principal); default 10,000. */
  cacheSize?: number;
}

/**
 * Signs service tokens (EdDSA JWT: `iss` = `sub` = this service, `aud` = the target service,
 * `iat`, `exp` ≤ 60 s later, and the forwarded `principal` when there is one). A token is reused for
 * the first half of its life, so signing happens about once per audience and principal every
 * 30 s, not per request, and every token sent still has at least half its life left.
 */
export class ServiceTokenSigner {
  private readonly ttl: number;
  private readonly cache = new Map<string, { token: Promise<string>; renewAtMs: number }>();
  private readonly byOwner = new WeakMap<object, Map<string, { token: Promise<string>; renewAtMs: number }>>();

  constructor(private readonly opts: ServiceTokenSignerOptions) {
    this.ttl = opts.ttlSeconds ?? SERVICE_TOKEN_MAX_TTL_SECONDS;
    if (!Number.isInteger(this.ttl) || this.ttl < 2 || this.ttl > SERVICE_TOKEN_MAX_TTL_SECONDS) throw new ServiceKeyError(`a service token lives 2 to ${SERVICE_TOKEN_MAX_TTL_SECONDS} s`);
    if (KID.exec(opts.key.kid)?.[1] !== opts.service) throw new ServiceKeyError(`the key ${opts.key.kid} is not one of ${opts.service}`);
  }

  get service(): string {
    return this.opts.service;
  }

  /**
   * The same as {@link token} for the principal of an immutable object the caller keeps (the
   * gateway's authenticated principal): remembered by that object, so a hit costs one lookup.
   */
  tokenFor(audience: string, owner: Principal): Promise<string> {
    let perAudience = this.byOwner.get(owner);
    const hit = perAudience?.get(audience);
    if (hit && hit.renewAtMs > Date.now()) return hit.token;
    const entry = this.entry(audience, toTokenPrincipal(owner));
    if (!perAudience) this.byOwner.set(owner, (perAudience = new Map()));
    perAudience.set(audience, entry);
    return entry.token;
  }

  /** A token for a call to `audience`, made for `principal` (or on this service's own account). */
  token(audience: string, principal: TokenPrincipal | null = null): Promise<string> {
    return this.entry(audience, principal).token;
  }

  private entry(audience: string, principal: TokenPrincipal | null): { token: Promise<string>; renewAtMs: number } {
    const cacheKey = principal === null ? audience
      : principal.type === 'user' ? `${audience}\0u\0${principal.userId}\0${principal.role}`
        : `${audience}\0s\0${principal.keyId}\0${principal.serviceId}\0${JSON.stringify(principal.permissions)}`;
    const now = Date.now();
    const hit = this.cache.get(cacheKey);
    if (hit && hit.renewAtMs > now) return hit;
    const token = this.sign(audience, principal, now);
    const max = this.opts.cacheSize ?? 10_000;
    if (this.cache.size >= max) this.cache.clear();
    const entry = { token, renewAtMs: now + (this.ttl * 1000) / 2 };
    this.cache.set(cacheKey, entry);
    token.catch(() => {
      if (this.cache.get(cacheKey) === entry) this.cache.delete(cacheKey);
      entry.renewAtMs = 0;
    });
    return entry;
  }

  private sign(audience: string, principal: TokenPrincipal | null, nowMs: number): Promise<string> {
    const iat = Math.floor(nowMs / 1000);
    return new SignJWT(principal ? { principal } : {})
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: this.opts.key.kid })
      .setIssuer(this.opts.service)
      .setSubject(this.opts.service)
      .setAudience(audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttl)
      .sign(this.opts.key.key);
  }
}

/** Why a service token was refused (each is a 401 `unauthenticated`). */
export type ServiceTokenFailure = 'missing_token' | 'token_expired' | 'wrong_audience' | 'unknown_key' | 'bad_signature' | 'invalid_token';

export class ServiceTokenError extends Error {
  constructor(
    readonly reason: ServiceTokenFailure,
    detail: string,
    /** The caller, when the token was signed by one of the known keys (never taken from an unverified claim). */
    readonly caller: string | null = null,
  ) {
    super(detail);
    this.name = 'ServiceTokenError';
  }
}

export interface ServiceTokenVerifierOptions {
  /** This service: the `aud` a token must carry. */
  audience: string;
  keys: ServicePublicKeys;
  /** Seconds of clock skew tolerated on `exp` and `iat` (default 5). */
  clockToleranceSeconds?: number;
  /** Verified tokens remembered until their `exp`; default 10,000; 0 disables. */
  cacheSize?: number;
}

/**
 * Verifies service tokens: EdDSA only, `kid` one of the configured callers' keys, `sub` the
 * service that key belongs to, `aud` this service, `exp` present and at most 60 s after `iat`. A
 * token verified once is remembered (keyed by the whole token, so a signature cannot be replayed
 * under another payload) until its `exp`.
 */
export class ServiceTokenVerifier {
  private readonly tolerance: number;
  private readonly verified = new Map<string, { caller: ServiceCaller; expMs: number }>();

  constructor(private readonly opts: ServiceTokenVerifierOptions) {
    this.tolerance = opts.clockToleranceSeconds ?? 5;
  }

  get audience(): string {
    return this.opts.audience;
  }

  /**
   * The caller of a token verified before and still live, found without a promise (a service's
   * every request asks this first); undefined when it must go through {@link verify}.
   */
  cachedCaller(token: string): ServiceCaller | undefined {
    const hit = this.verified.get(token);
    return hit && hit.expMs + this.tolerance * 1000 > Date.now() ? hit.caller : undefined;
  }

  async verify(token: string | undefined): Promise<ServiceCaller> {
    if (!token) throw new ServiceTokenError('missing_token', 'send a service token: Authorization: Bearer <token>');
    const hit = this.verified.get(token);
    if (hit) {
      if (hit.expMs + this.tolerance * 1000 > Date.now()) return hit.caller;
      this.verified.delete(token);
      throw new ServiceTokenError('token_expired', 'the service token has expired', hit.caller.service);
    }
    return this.verifyUncached(token);
  }

  private async verifyUncached(token: string): Promise<ServiceCaller> {
    let kid: unknown;
    let alg: unknown;
    try {
      ({ kid, alg } = decodeProtectedHeader(token));
    } catch {
      throw new ServiceTokenError('invalid_token', 'the service token is not a JWT');
    }
    if (alg !== 'EdDSA') throw new ServiceTokenError('invalid_token', 'the service token is not signed with EdDSA');
    const known = typeof kid === 'string' ? this.opts.keys.get(kid) : undefined;
    if (!known) throw new ServiceTokenError('unknown_key', 'the service token was signed by an unknown key');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, known.key, {
        algorithms: ['EdDSA'],
        audience: this.opts.audience,
        subject: known.caller,
        clockTolerance: this.tolerance,
        maxTokenAge: SERVICE_TOKEN_MAX_TTL_SECONDS,
        requiredClaims: ['exp', 'iat', 'sub', 'aud'],
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new ServiceTokenError('token_expired', 'the service token has expired', known.caller);
      if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'aud') throw new ServiceTokenError('wrong_audience', `the service token is not for ${this.opts.audience}`, known.caller);
      if (err instanceof joseErrors.JWSSignatureVerificationFailed) throw new ServiceTokenError('bad_signature', 'the service token signature does not verify', known.caller);
      throw new ServiceTokenError('invalid_token', 'the service token could not be verified', known.caller);
    }
    const exp = payload.exp!;
    if (exp - payload.iat! > SERVICE_TOKEN_MAX_TTL_SECONDS) throw new ServiceTokenError('invalid_token', `a service token lives at most ${SERVICE_TOKEN_MAX_TTL_SECONDS} s`, known.caller);
    const principal = payload.principal === undefined ? null : parsePrincipal(payload.principal);
    if (principal === undefined) throw new ServiceTokenError('invalid_token', 'the service token carries a malformed principal', known.caller);
    const caller: ServiceCaller = { service: known.caller, principal };
    const max = this.opts.cacheSize ?? 10_000;
    if (max > 0) {
      if (this.verified.size >= max) this.verified.clear();
      this.verified.set(token, { caller, expMs: exp * 1000 });
    }
    return caller;
  }
}

const SERVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The `principal` claim, checked field by field; undefined when malformed. */
function parsePrincipal(value: unknown): TokenPrincipal | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const p = value as Record<string, unknown>;
  if (p.type === 'user') {
    const userId = canonicalUuid(p.userId);
    if (!userId || typeof p.role !== 'string' || !(USER_ROLES as readonly string[]).includes(p.role)) return undefined;
    return { type: 'user', userId, role: p.role as UserRole };
  }
  if (p.type === 'service') {
    if (typeof p.serviceId !== 'string' || !SERVICE_ID.test(p.serviceId) || typeof p.keyId !== 'string' || p.keyId.length === 0 || p.keyId.length > 100) return undefined;
    const perms = p.permissions;
    if (typeof perms !== 'object' || perms === null || Array.isArray(perms)) return undefined;
    for (const actions of Object.values(perms)) {
      if (!Array.isArray(actions) || actions.some((a) => typeof a !== 'string')) return undefined;
    }
    return { type: 'service', serviceId: p.serviceId, keyId: p.keyId, permissions: perms as Record<string, string[]> };
  }
  return undefined;
}
