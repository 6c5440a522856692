import path from 'node:path';
import {
  developmentServiceKeys, generateServiceKeyPair, parseServicePrivateKey, ServiceTokenSigner,
  type DevelopmentServiceKeys, type TokenPrincipal,
} from '@wozamali/auth';
import { SignJWT } from 'jose';

/** Where the tests' service keys live (made on first use, shared by every jest worker and spawned service). */
export const TEST_SERVICE_KEYS_DIR = path.resolve(__dirname, '../../..', '.run', 'service-keys');

let keys: DevelopmentServiceKeys | null = null;
const signers = new Map<string, ServiceTokenSigner>();

/** The test key set: each service's private JWK and the JWKS of all of them. */
export function testServiceKeys(): DevelopmentServiceKeys {
  keys ??= developmentServiceKeys(TEST_SERVICE_KEYS_DIR);
  return keys;
}

/** The environment a service under test needs to sign and verify service tokens. */
export function serviceKeyEnv(service: string): { SERVICE_PRIVATE_KEY: string; SERVICE_PUBLIC_KEYS: string } {
  const k = testServiceKeys();
  return { SERVICE_PRIVATE_KEY: k.privateKey(service), SERVICE_PUBLIC_KEYS: k.publicKeys };
}

/** A valid service token of `caller` for `audience`, optionally carrying a forwarded principal. */
export function mintServiceToken(caller: string, audience: string, principal: TokenPrincipal | null = null): Promise<string> {
  let signer = signers.get(caller);
  if (!signer) {
    signer = new ServiceTokenSigner({ service: caller, key: parseServicePrivateKey(testServiceKeys().privateKey(caller), caller) });
    signers.set(caller, signer);
  }
  return signer.token(audience, principal);
}

/** `Authorization` header of a call from `caller` (default the gateway) to `audience`. */
export async function serviceAuthHeaders(audience: string, caller = 'api-gateway', principal: TokenPrincipal | null = null): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await mintServiceToken(caller, audience, principal)}` };
}

/**
 * Tokens a service must refuse: expired, for another audience, signed by a key no one configured,
 * and with a tampered payload. Each is otherwise well formed and from the given caller.
 */
export async function invalidServiceTokens(caller: string, audience: string): Promise<Record<'expired' | 'wrongAudience' | 'unknownKey' | 'tampered', string>> {
  const own = parseServicePrivateKey(testServiceKeys().privateKey(caller), caller);
  const now = Math.floor(Date.now() / 1000);
  const sign = (key: typeof own, aud: string, iat: number) => new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: key.kid }).setIssuer(caller).setSubject(caller).setAudience(aud)
    .setIssuedAt(iat).setExpirationTime(iat + 60).sign(key.key);
  const stranger = generateServiceKeyPair(caller, 'unknown');
  const good = await sign(own, audience, now);
  const [h, p, s] = good.split('.');
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), principal: { type: 'user', userId: '00000000-0000-4000-8000-000000000000', role: 'admin' } })).toString('base64url');
  return {
    expired: await sign(own, audience, now - 600),
    wrongAudience: await sign(own, audience === 'metrics-service' ? 'wallet-service' : 'metrics-service', now),
    unknownKey: await sign(parseServicePrivateKey(JSON.stringify(stranger.privateJwk), caller), audience, now),
    tampered: `${h}.${forged}.${s}`,
  };
}
