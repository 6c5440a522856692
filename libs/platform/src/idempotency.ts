import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { DomainException } from './problem';
import { callerOf } from './service-auth';

/** What every service accepts as an `Idempotency-Key`: 1-255 visible ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The problem code of a POST sent without a usable `Idempotency-Key` (400). */
export const IDEMPOTENCY_KEY_REQUIRED = 'idempotency_key_required';
/** The problem code of a key sent again with another request (409). */
export const IDEMPOTENCY_KEY_REUSED = 'idempotency_key_reused';

/** The scope, key and request fingerprint of one idempotent write. */
export interface IdempotentRequest {
  /** Who asks: keys are unique per caller, so two callers may use the same key. */
  caller: string;
  /** The `Idempotency-Key` header. */
  key: string;
  /** sha256 over method, path and canonical body: the same key with another request is refused. */
  requestHash: string;
}

/** JSON with sorted keys, so the same body in another key order hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** sha256 (hex) of `METHOD path` and the canonical body; the query string is not part of it. */
export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${path}\n${canonicalJson(body ?? null)}`).digest('hex');
}

/**
 * Who a backend service scopes keys by, from the verified service token (never from plain
 * headers): the API key's service or the end user the gateway put in the token, else the calling
 * service itself. A request with no verified caller (only open routes) is `anonymous`.
 */
export function idempotencyScopeOf(req: FastifyRequest): string {
  const caller = callerOf(req);
  const p = caller?.principal;
  if (p) return p.type === 'service' ? p.serviceId : p.userId;
  return caller?.service ?? 'anonymous';
}

/** The request's `Idempotency-Key`; a missing or malformed one is a 400 `idempotency_key_required`. */
export function idempotencyKeyOf(req: FastifyRequest): string {
  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new DomainException(IDEMPOTENCY_KEY_REQUIRED, 400, 'send an Idempotency-Key header (1-255 visible ASCII characters) with every POST');
  }
  return key;
}

/** Key, caller and request hash of a write; `caller` defaults to {@link idempotencyScopeOf}. */
export function idempotentRequestOf(req: FastifyRequest, caller: string = idempotencyScopeOf(req)): IdempotentRequest {
  return { caller, key: idempotencyKeyOf(req), requestHash: requestHash(req.method, req.url.split('?')[0]!, req.body) };
}
