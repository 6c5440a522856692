import { randomBytes } from 'node:crypto';

// The AES-256-GCM box that seals endpoint secrets at rest is shared: `SecretBox` in @wozamali/platform.

/** A new endpoint secret: `whsec_` + base64 of 32 random bytes (Standard Webhooks allows 24–64). */
export function generateEndpointSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
