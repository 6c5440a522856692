import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateServiceKeyPair } from '@wozamali/auth';
import { CommonEnv, InvalidEnvironmentError, validateEnv } from '@wozamali/config';
import { CallerPolicy, serviceKeysFromEnv } from './service-auth';

describe('CallerPolicy', () => {
  const policy = new CallerPolicy({
    'api-gateway': ['* /v1/*'],
    'withdrawals-service': ['POST /internal/v1/holds', 'POST /internal/v1/holds/:id/post'],
    'donations-service': ['GET /internal/v1/accounts/*'],
  });

  it('allows only what a caller is listed for (deny by default)', () => {
    expect(policy.allows('api-gateway', 'POST', '/v1/users/:user_id/points/earn')).toBe(true);
    expect(policy.allows('api-gateway', 'POST', '/internal/v1/holds')).toBe(false);
    expect(policy.allows('withdrawals-service', 'POST', '/internal/v1/holds')).toBe(true);
    expect(policy.allows('withdrawals-service', 'POST', '/internal/v1/holds/:id/void')).toBe(false);
    expect(policy.allows('withdrawals-service', 'GET', '/internal/v1/holds')).toBe(false);
    expect(policy.allows('donations-service', 'GET', '/internal/v1/accounts/:owner_type/:owner_id')).toBe(true);
    expect(policy.allows('donations-service', 'HEAD', '/internal/v1/accounts/:id')).toBe(true);
    expect(policy.allows('donations-service', 'POST', '/internal/v1/accounts/:id')).toBe(false);
    expect(policy.allows('rewards-service', 'GET', '/v1/wallets/:user_id')).toBe(false);
  });

  it('an exact rule does not match a longer path, a prefix rule matches only its prefix', () => {
    expect(policy.allows('withdrawals-service', 'POST', '/internal/v1/holdsx')).toBe(false);
    expect(policy.allows('api-gateway', 'GET', '/v10/x')).toBe(false);
  });

  it('a malformed rule is refused at boot', () => {
    expect(() => new CallerPolicy({ x: ['/v1/wallets'] })).toThrow(/<METHOD> <route>/);
    expect(() => new CallerPolicy({ x: ['FETCH /v1/wallets'] })).toThrow();
  });
});

describe('serviceKeysFromEnv', () => {
  // Production's other credentials (database role, Kafka user) given, so only the keys are missing.
  const env = (vars: Record<string, string>) => validateEnv(CommonEnv, vars.NODE_ENV === 'production' ? { DB_USER: 'wallet', KAFKA_SASL_USERNAME: 'wallet-service', KAFKA_SASL_PASSWORD: 'x', ...vars } : vars);

  it('in production a service without its keys does not start, and the error names the variable', () => {
    const err = (() => { try { serviceKeysFromEnv('wallet-service', env({ NODE_ENV: 'production' })); return null; } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(InvalidEnvironmentError);
    expect((err as Error).message).toMatch(/SERVICE_PRIVATE_KEY/);
    expect((err as Error).message).toMatch(/SERVICE_PUBLIC_KEYS/);
    const own = generateServiceKeyPair('wallet-service');
    expect(() => serviceKeysFromEnv('wallet-service', env({ NODE_ENV: 'production', SERVICE_PRIVATE_KEY: JSON.stringify(own.privateJwk) }))).toThrow(/SERVICE_PUBLIC_KEYS/);
    // The gateway takes no calls: its own key is enough, and it knows no caller.
    const edge = serviceKeysFromEnv('api-gateway', env({ NODE_ENV: 'production', SERVICE_PRIVATE_KEY: JSON.stringify(generateServiceKeyPair('api-gateway').privateJwk) }), false);
    expect(edge.publicKeys.size).toBe(0);
    expect(() => serviceKeysFromEnv('wallet-service', env({ NODE_ENV: 'production', SERVICE_PRIVATE_KEY: '{"kty":"RSA"}', SERVICE_PUBLIC_KEYS: '{"keys":[]}' }))).toThrow(/SERVICE_PRIVATE_KEY: .*Ed25519/);
    const keys = serviceKeysFromEnv('wallet-service', env({ NODE_ENV: 'production', SERVICE_PRIVATE_KEY: JSON.stringify(own.privateJwk), SERVICE_PUBLIC_KEYS: JSON.stringify({ keys: [generateServiceKeyPair('api-gateway').publicJwk] }) }));
    expect(keys.signingKey.kid).toBe(own.privateJwk.kid);
    expect([...keys.publicKeys.values()].map((k) => k.caller)).toEqual(['api-gateway']);
  });

  it('outside production the development keys are made once in SERVICE_KEYS_DIR and reused', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'svc-keys-'));
    try {
      const a = serviceKeysFromEnv('rewards-service', env({ SERVICE_KEYS_DIR: dir }));
      const file = readFileSync(path.join(dir, 'rewards-service.jwk.json'), 'utf8');
      const b = serviceKeysFromEnv('rewards-service', env({ SERVICE_KEYS_DIR: dir }));
      expect(b.signingKey.kid).toBe(a.signingKey.kid);
      expect(readFileSync(path.join(dir, 'rewards-service.jwk.json'), 'utf8')).toBe(file);
      expect(a.publicKeys.size).toBe(7);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
