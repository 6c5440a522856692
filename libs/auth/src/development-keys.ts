import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateServiceKeyPair, SERVICE_NAMES } from './service-token';

/** Development key material of every service: each one's private JWK and the JWKS of all public keys. */
export interface DevelopmentServiceKeys {
  /** `SERVICE_PRIVATE_KEY` of a service. */
  privateKey(service: string): string;
  /** `SERVICE_PUBLIC_KEYS` (the same set for every service). */
  publicKeys: string;
}

/**
 * Development and test keys, made once per checkout: one Ed25519 key pair per service in
 * `<dir>/<service>.jwk.json` (mode 0600). Missing ones are created; concurrent callers (test
 * workers, services starting together) agree because a file is published with a hard link, which
 * fails when another process got there first. Never used when NODE_ENV=production.
 */
export function developmentServiceKeys(dir: string): DevelopmentServiceKeys {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privates = new Map<string, string>();
  const publics: unknown[] = [];
  for (const service of SERVICE_NAMES) {
    const file = path.join(dir, `${service}.jwk.json`);
    let json: string;
    try {
      json = readFileSync(file, 'utf8');
    } catch {
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      writeFileSync(tmp, JSON.stringify(generateServiceKeyPair(service, 'dev').privateJwk), { mode: 0o600 });
      try {
        linkSync(tmp, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      } finally {
        unlinkSync(tmp);
      }
      json = readFileSync(file, 'utf8');
    }
    const jwk = JSON.parse(json) as Record<string, unknown>;
    privates.set(service, json);
    publics.push({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid: jwk.kid, alg: 'EdDSA', use: 'sig' });
  }
  return {
    privateKey: (service) => {
      const key = privates.get(service);
      if (!key) throw new Error(`no development key for ${service}`);
      return key;
    },
    publicKeys: JSON.stringify({ keys: publics }),
  };
}
