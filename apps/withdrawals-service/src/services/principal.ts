import type { ServiceCaller } from '@wozamali/platform';
import { WithdrawalException } from '../errors/withdrawal.exception';

/** Who acts, as the verified service token's principal says. */
export interface Who {
  /** A user's id, or `service:<id>` for an API key. */
  id: string;
  kind: 'resident' | 'collector' | 'admin' | 'service';
}

/** The principal the gateway forwarded; a call without one (another service on its own account) is a service. */
export function whoOf(caller: ServiceCaller | null): Who {
  const p = caller?.principal ?? null;
  if (!p) return { id: `service:${caller?.service ?? 'unknown'}`, kind: 'service' };
  if (p.type === 'service') return { id: `service:${p.serviceId}`, kind: 'service' };
  return { id: p.userId, kind: p.role === 'admin' ? 'admin' : p.role === 'collector' ? 'collector' : 'resident' };
}

/** A resident reaches only their own withdrawals (anyone else's is 404, as the gateway answers). */
export function requireSelfOrStaff(who: Who, userId: string): void {
  if ((who.kind === 'resident' || who.kind === 'collector') && who.id !== userId) throw new WithdrawalException('withdrawal_not_found', 'no such withdrawal');
}

/** Admin decisions (approve, reject) need a person who is an admin: four eyes count people. */
export function requireAdminPerson(who: Who): void {
  if (who.kind !== 'admin') throw new WithdrawalException('forbidden', 'only an admin (a person) may decide a withdrawal');
}
