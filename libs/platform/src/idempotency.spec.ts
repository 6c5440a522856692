import type { FastifyRequest } from 'fastify';
import { canonicalJson, idempotencyKeyOf, idempotencyScopeOf, idempotentRequestOf, requestHash } from './idempotency';
import { DomainException } from './problem';

const req = (headers: Record<string, string>, body: unknown = { a: 1 }, url = '/v1/things?x=1') =>
  ({ method: 'POST', url, headers, body }) as unknown as FastifyRequest;

describe('idempotency keys', () => {
  it('the same body in another key order is the same request; another body, method or path is not', () => {
    expect(canonicalJson({ b: [1, { d: 2, c: 3 }], a: null })).toBe('{"a":null,"b":[1,{"c":3,"d":2}]}');
    const h = requestHash('POST', '/v1/x', { a: 1, b: 2 });
    expect(requestHash('POST', '/v1/x', { b: 2, a: 1 })).toBe(h);
    expect(requestHash('POST', '/v1/x', { a: 1, b: 3 })).not.toBe(h);
    expect(requestHash('POST', '/v1/y', { a: 1, b: 2 })).not.toBe(h);
    expect(requestHash('PUT', '/v1/x', { a: 1, b: 2 })).not.toBe(h);
    expect(requestHash('POST', '/v1/x', undefined)).toBe(requestHash('POST', '/v1/x', null));
  });

  it('a missing, empty, too long or non-ASCII key is 400 idempotency_key_required', () => {
    for (const headers of [{} as Record<string, string>, { 'idempotency-key': '' }, { 'idempotency-key': 'x'.repeat(256) }, { 'idempotency-key': 'clé' }, { 'idempotency-key': 'a b' }]) {
      let thrown: unknown;
      try { idempotencyKeyOf(req(headers)); } catch (err) { thrown = err; }
      expect(thrown).toBeInstanceOf(DomainException);
      expect([(thrown as DomainException).status, (thrown as DomainException).code]).toEqual([400, 'idempotency_key_required']);
    }
    expect(idempotencyKeyOf(req({ 'idempotency-key': 'op-42:hold' }))).toBe('op-42:hold');
  });

  it('keys are scoped by the verified token\'s principal, else its calling service, else anonymous, never by plain headers; the query string is not hashed', () => {
    const withCaller = (serviceCaller: unknown, headers: Record<string, string> = {}) => Object.assign(req(headers), { serviceCaller }) as FastifyRequest;
    expect(idempotencyScopeOf(withCaller({ service: 'api-gateway', principal: { type: 'service', serviceId: 'notify', keyId: 'k', permissions: {} } }))).toBe('notify');
    expect(idempotencyScopeOf(withCaller({ service: 'api-gateway', principal: { type: 'user', userId: 'u1', role: 'resident' } }))).toBe('u1');
    expect(idempotencyScopeOf(withCaller({ service: 'rewards-service', principal: null }, { 'x-service-id': 'forged' }))).toBe('rewards-service');
    expect(idempotencyScopeOf(req({ 'x-service-id': 'forged', 'x-principal-id': 'u1' }))).toBe('anonymous');
    const w = idempotentRequestOf(req({ 'idempotency-key': 'k1' }), 'service:admin');
    expect(w).toEqual({ caller: 'service:admin', key: 'k1', requestHash: requestHash('POST', '/v1/things', { a: 1 }) });
  });
});
