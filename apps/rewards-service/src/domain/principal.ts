import type { TokenPrincipal } from '@wozamali/platform';

/** Who did something, for the records: the admin's user id or the service's id. */
export function actorOf(p: TokenPrincipal | null | undefined): string {
  if (!p) return 'system';
  return p.type === 'user' ? p.userId : p.serviceId;
}

/** A resident (or collector) acting for themselves: only they see eligibility and their codes. */
export function userIdOf(p: TokenPrincipal | null | undefined): string | null {
  return p?.type === 'user' ? p.userId : null;
}
