/** End-user roles (DOMAIN.md): residents act on their own wallet, collectors record collections, admins run the office. */
export const USER_ROLES = ['resident', 'collector', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** An end user authenticated by a JWT whose `sub` is their user id. */
export interface UserPrincipal {
  type: 'user';
  userId: string;
  role: UserRole;
}

/** An external service authenticated by an API key and its `X-Service-ID`. */
export interface ServicePrincipal {
  type: 'service';
  keyId: string;
  publicId: string;
  serviceId: string;
  permissions: Record<string, string[]>;
  rateLimitPerMinute: number | null;
}

export type Principal = UserPrincipal | ServicePrincipal;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** A canonical (lower-case) UUID, or null. */
export function canonicalUuid(value: unknown): string | null {
  return typeof value === 'string' && UUID.test(value) ? value.toLowerCase() : null;
}
