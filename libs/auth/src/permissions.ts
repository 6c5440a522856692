/**
 * Permissions of an API key: resource → actions, e.g.
 * `{"wallets":["read"],"points":["earn","spend"],"withdrawals":["approve"]}`. Deny by default: a
 * resource or action that is not listed is not granted. `"*"` as an action grants every action of
 * the resource; `{"*":["*"]}` (the bootstrap admin key) grants everything.
 */
export type Permissions = Record<string, string[]>;

/** Every resource and its actions that a key may be granted. Anything else is rejected at creation. */
export const PERMISSION_CATALOGUE = {
  wallets: ['read'],
  points: ['read', 'earn', 'spend'],
  collections: ['create'],
  materials: ['read', 'write'],
  tiers: ['read', 'write'],
  ledger: ['verify', 'adjust', 'reverse'],
  rewards: ['read', 'write', 'redeem', 'use_codes'],
  donations: ['read', 'create', 'refund'],
  campaigns: ['read', 'write', 'disburse'],
  withdrawals: ['read', 'request', 'approve'],
  metrics: ['read', 'write'],
  webhooks: ['read', 'write'],
  external_services: ['read', 'register', 'heartbeat', 'write'],
  api_keys: ['manage'],
  audit_log: ['read'],
  dead_letters: ['read', 'replay'],
} as const satisfies Record<string, readonly string[]>;

export type Resource = keyof typeof PERMISSION_CATALOGUE;
export type Action<R extends Resource = Resource> = (typeof PERMISSION_CATALOGUE)[R][number];

/** Everything: only the bootstrap admin key carries it. */
export const ALL_PERMISSIONS: Permissions = Object.freeze({ '*': Object.freeze(['*']) as unknown as string[] }) as Permissions;

/** Whether `permissions` grant `action` on `resource` (deny by default). */
export function isAllowed(permissions: Permissions, resource: string, action: string): boolean {
  const grants = (list: unknown): boolean => Array.isArray(list) && (list.includes(action) || list.includes('*'));
  return (Object.hasOwn(permissions, resource) && grants(permissions[resource])) || (Object.hasOwn(permissions, '*') && grants(permissions['*']));
}

/**
 * Problems with a permissions document submitted for a new key: unknown resources or actions, or
 * a shape that is not resource → list of actions. An empty list means it is valid.
 */
export function validatePermissions(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['permissions must be an object of resource → actions'];
  const problems: string[] = [];
  for (const [resource, actions] of Object.entries(value)) {
    if (!Array.isArray(actions) || actions.length === 0 || actions.some((a) => typeof a !== 'string')) {
      problems.push(`${resource}: must be a non-empty list of actions`);
      continue;
    }
    if (resource === '*') {
      if (actions.some((a) => a !== '*')) problems.push('*: only ["*"] is allowed');
      continue;
    }
    if (!Object.hasOwn(PERMISSION_CATALOGUE, resource)) {
      problems.push(`${resource}: unknown resource`);
      continue;
    }
    const known: readonly string[] = PERMISSION_CATALOGUE[resource as Resource];
    for (const action of actions as string[]) {
      if (action !== '*' && !known.includes(action)) problems.push(`${resource}.${action}: unknown action`);
    }
  }
  return problems;
}

/**
 * Whether a key holding `holder` may hand out `requested` (no privilege escalation: a key can only
 * grant what it has itself).
 */
export function isSubset(requested: Permissions, holder: Permissions): boolean {
  // isAllowed treats a requested "*" literally: only a holder with "*" itself can grant it.
  for (const [resource, actions] of Object.entries(requested)) {
    for (const action of actions) if (!isAllowed(holder, resource, action)) return false;
  }
  return true;
}
