import type { Principal } from '@wozamali/auth';

/** Body fields whose text is the operator's note on a write (the first present is kept). */
const NOTE_FIELDS = ['note', 'reason', 'comment'] as const;
/** Body fields that name what a write acts on, besides the path's parameters. */
const TARGET_FIELDS = ['user_id', 'wallet_id', 'transfer_id', 'withdrawal_id', 'campaign_id', 'reward_id', 'endpoint_id', 'delivery_id', 'donation_id'] as const;
export const NOTE_MAX = 500;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/**
 * A note as the audit log keeps it: bounded, and with anything that looks like a payout destination
 * masked (a run of 6+ digits keeps its last 4, an email its first letter and domain, a long
 * base58/hex word its ends), since operators sometimes paste them into reasons.
 */
export function maskNote(text: string): string {
  return text
    .slice(0, NOTE_MAX)
    .replace(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, (email) => `${email[0]}***@${email.slice(email.indexOf('@') + 1)}`)
    .replace(/\+?\d(?:[\d -]{4,}\d)/g, (run) => {
      const digits = run.replace(/\D/g, '');
      return digits.length < 6 || /^\d{4}-\d{2}-\d{2}$/.test(run) ? run : `${'•'.repeat(4)}${digits.slice(-4)}`;
    })
    .replace(/\b(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{25,}\b/g, (w) => `${w.slice(0, 4)}…${w.slice(-4)}`);
}

/** The operator's note of a request body, masked; null when it has none. */
export function noteOf(body: unknown): string | null {
  if (!isObject(body)) return null;
  for (const f of NOTE_FIELDS) {
    const v = body[f];
    if (typeof v === 'string' && v.trim() !== '') return maskNote(v.trim());
  }
  return null;
}

/** Ids a write acts on: its path parameters, then the ids named in its body (deduplicated, lower-cased). */
export function targetsOf(params: Record<string, string>, body: unknown): string[] {
  const out = new Set<string>();
  for (const v of Object.values(params)) if (ID.test(v)) out.add(v.toLowerCase());
  if (isObject(body)) {
    for (const f of TARGET_FIELDS) {
      const v = body[f];
      if (typeof v === 'string' && ID.test(v)) out.add(v.toLowerCase());
    }
  }
  return [...out];
}

/**
 * The programme's everyday writes that partners' and collectors' keys make by the thousand (earns,
 * spends, collections, redemptions, code uses, donations, withdrawal requests, heartbeats): each is
 * already a record of its own service (a ledger transfer, a redemption, a donation…), so the audit
 * log, the office's record of who changed what, keeps a key's other writes only. An admin's every
 * write is kept. (Recording these too would put an insert on the gateway's busiest paths.)
 */
const EVERYDAY = new Set([
  'points:earn', 'points:spend', 'collections:create', 'rewards:redeem', 'rewards:use_codes', 'donations:create', 'withdrawals:request', 'external_services:heartbeat',
]);

/** Whether the audit log keeps a write by `actor` under `permission` (`resource:action` of its route). */
export function isAudited(actor: { kind: 'user' | 'service' }, permission: string): boolean {
  return actor.kind === 'user' || !EVERYDAY.has(permission);
}

/** Who made a request, as the audit log names them; null for those it does not record (residents and collectors). */
export function actorOf(p: Principal): { kind: 'user' | 'service'; id: string; key: string | null } | null {
  if (p.type === 'service') return p.keyId === 'unauthenticated' ? null : { kind: 'service', id: p.serviceId, key: p.publicId };
  return p.role === 'admin' ? { kind: 'user', id: p.userId, key: null } : null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
