import { Injectable } from '@nestjs/common';
import { SecretBox } from '@wozamali/platform';
import { EndpointRepository } from '../repositories/endpoint.repository';
import { secretKey } from './signature';

interface Entry {
  version: number;
  keys: Buffer[];
  /** When a rotated-out secret in `keys` expires: the entry is reloaded then. */
  validUntil: number;
}

/**
 * Decrypted signing keys per endpoint, cached by the endpoint's `secrets_version` (bumped on every
 * rotation), so the hot path decrypts only after a rotation or when an old secret expires.
 */
@Injectable()
export class SigningKeys {
  private readonly cache = new Map<string, Entry>();

  constructor(private readonly endpoints: EndpointRepository, private readonly box: SecretBox) {}

  async keysFor(endpointId: string, version: number): Promise<Buffer[]> {
    const hit = this.cache.get(endpointId);
    if (hit && hit.version === version && hit.validUntil > Date.now()) return hit.keys;
    const rows = await this.endpoints.signingSecrets(endpointId);
    const keys = rows.map((r) => secretKey(this.box.open(r.ciphertext, endpointId)));
    const expiries = rows.filter((r) => r.expires_at !== null).map((r) => r.expires_at!.getTime());
    this.cache.set(endpointId, { version, keys, validUntil: expiries.length ? Math.min(...expiries) : Number.POSITIVE_INFINITY });
    return keys;
  }
}
