import { ALL_PERMISSIONS, isAllowed, isSubset, validatePermissions } from './permissions';

describe('permissions', () => {
  const perms = { wallets: ['read'], points: ['earn', 'spend'], withdrawals: ['approve'] };

  it('grants exactly the listed actions and denies everything else by default', () => {
    expect(isAllowed(perms, 'wallets', 'read')).toBe(true);
    expect(isAllowed(perms, 'points', 'earn')).toBe(true);
    expect(isAllowed(perms, 'points', 'read')).toBe(false);
    expect(isAllowed(perms, 'collections', 'create')).toBe(false);
    expect(isAllowed({}, 'wallets', 'read')).toBe(false);
  });

  it('inherited object properties are never taken for grants', () => {
    expect(isAllowed(perms, 'constructor', 'read')).toBe(false);
    expect(isAllowed(perms, '__proto__', 'read')).toBe(false);
    expect(isAllowed(JSON.parse('{"__proto__":["read"]}'), 'wallets', 'read')).toBe(false);
  });

  it('"*" grants every action of a resource, and {"*":["*"]} grants everything', () => {
    expect(isAllowed({ webhooks: ['*'] }, 'webhooks', 'write')).toBe(true);
    expect(isAllowed({ webhooks: ['*'] }, 'wallets', 'read')).toBe(false);
    expect(isAllowed(ALL_PERMISSIONS, 'api_keys', 'manage')).toBe(true);
  });

  it('rejects unknown resources, unknown actions and bad shapes', () => {
    expect(validatePermissions(perms)).toEqual([]);
    expect(validatePermissions({ wallet: ['read'] })).toEqual(['wallet: unknown resource']);
    expect(validatePermissions({ wallets: ['write'] })).toEqual(['wallets.write: unknown action']);
    expect(validatePermissions({ wallets: [] })).toHaveLength(1);
    expect(validatePermissions({ wallets: 'read' })).toHaveLength(1);
    expect(validatePermissions({ '*': ['read'] })).toHaveLength(1);
    expect(validatePermissions(['wallets'])).toHaveLength(1);
    expect(validatePermissions(null)).toHaveLength(1);
  });

  it('a key can hand out only what it holds itself (no escalation)', () => {
    expect(isSubset({ wallets: ['read'] }, perms)).toBe(true);
    expect(isSubset({ wallets: ['read'], points: ['earn'] }, perms)).toBe(true);
    expect(isSubset({ collections: ['create'] }, perms)).toBe(false);
    expect(isSubset({ points: ['*'] }, perms)).toBe(false);
    expect(isSubset({ '*': ['*'] }, perms)).toBe(false);
    expect(isSubset({ '*': ['*'] }, ALL_PERMISSIONS)).toBe(true);
    expect(isSubset({ points: ['*'] }, { points: ['*'] })).toBe(true);
  });
});
