import { uuidv7 } from '@wozamali/contracts';
import fc from 'fast-check';
import { breakage, broken } from '@wozamali/testing';
import { useWalletApp } from '../support/wallet-app';

// Random bad input against every write of the wallet-service (fast-check): each request starts from
// a valid body for a fresh user and breaks it (a field replaced by a hostile value, removed, an
// unknown field added, or the whole body replaced). Whatever comes in, the answer is never a 5xx; a
// refusal is problem+json with a stable code and writes nothing for that user. Rate card and tiers
// PUTs are left out: a body that happened to be valid would change them for every other test.
const t = useWalletApp();
/** Cases per endpoint (FUZZ_RUNS=2000 for a longer hunt). */
const RUNS = Number(process.env.FUZZ_RUNS || 120);

type Body = Record<string, unknown>;
interface Target {
  name: string;
  path: (user: string) => string;
  body: (user: string) => Body;
}

const targets: Target[] = [
  { name: 'earn', path: (u) => `/v1/users/${u}/points/earn`, body: () => ({ points: 10, amount: 5, reason: 'fuzz', reference: 'ref-1' }) },
  { name: 'spend', path: (u) => `/v1/users/${u}/points/spend`, body: () => ({ points: 10, reason: 'fuzz' }) },
  { name: 'collection', path: () => '/v1/collections', body: (u) => ({ user_id: u, materials: [{ material: 'PET', kg: '1.5' }, { material: 'GLASS', kg: '2' }] }) },
  { name: 'adjustment', path: () => '/v1/admin/adjustments', body: (u) => ({ user_id: u, asset: 'ZAR', amount: 5, reason: 'fuzz' }) },
  { name: 'reverse', path: () => `/v1/admin/transfers/${uuidv7()}/reverse`, body: () => ({ reason: 'fuzz' }) },
  {
    name: 'internal transfer',
    path: () => '/internal/v1/transfers',
    body: (u) => ({ kind: 'earn', from: { type: 'platform' }, to: { type: 'user', id: u }, asset: 'POINTS', amount: 3, description: 'fuzz' }),
  },
  {
    name: 'internal multi-leg transfer',
    path: () => '/internal/v1/transfers',
    body: (u) => ({
      kind: 'donate', user_id: u, description: 'fuzz', legs: [
        { from: { type: 'user', id: u }, to: { type: 'campaign', id: '0190a000-0000-7000-8000-0000000000f1' }, asset: 'POINTS', amount: 3 },
        { from: { type: 'platform' }, to: { type: 'user', id: u }, asset: 'POINTS', amount: 3 },
      ],
    }),
  },
  { name: 'hold', path: () => '/internal/v1/holds', body: (u) => ({ user_id: u, amount: 5, description: 'fuzz' }) },
  { name: 'post hold', path: () => `/internal/v1/holds/${uuidv7()}/post`, body: () => ({ description: 'fuzz' }) },
];

describe('bad input, at random', () => {
  it.each(targets.map((target) => [target.name, target] as const))('%s: never a 5xx; a refusal is problem+json with a code and writes nothing', async (_name, target) => {
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(breakage, async (b) => {
        const user = uuidv7();
        const body = broken(target.body(user), b);
        const res = await t.w.post(target.path(user), typeof body === 'string' ? body : JSON.stringify(body) ?? 'null');
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) {
          refused += 1;
          expect(res.headers.get('content-type')).toContain('application/problem+json');
          expect(res.body.code).toMatch(/^[a-z][a-z_]*$/);
          expect(res.body.status).toBe(res.status);
          expect(await t.db.query('select 1 from transfers where user_id = $1', [user])).toEqual([]);
        }
      }),
      { numRuns: RUNS },
    );
    // The generator mostly breaks bodies: most of them must have been refused.
    expect(refused).toBeGreaterThan(RUNS / 2);
  }, 120_000);
});

describe('bad query strings, at random', () => {
  const value = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('0', '1', '100', '101', '-1', '1.5', '1e3', 'AAAA', Buffer.from(uuidv7()).toString('base64url'), 'x'.repeat(300)));
  const query = fc.array(fc.tuple(fc.constantFrom('limit', 'cursor', 'limit', 'cursor', 'extra'), value), { maxLength: 4 });

  it.each([
    ['transactions', (u: string) => `/v1/wallets/${u}/transactions`],
    ['points history', (u: string) => `/v1/users/${u}/points/history`],
  ] as const)('%s: never a 5xx; a refusal is problem+json with a code', async (_name, path) => {
    const user = uuidv7();
    expect((await t.w.post(`/v1/users/${user}/points/earn`, { points: 5, reason: 'fuzz' })).status).toBe(201);
    await fc.assert(
      fc.asyncProperty(query, async (pairs) => {
        const qs = new URLSearchParams(pairs).toString();
        const res = await t.w.get(`${path(user)}?${qs}`);
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.headers.get('content-type')).toContain('application/problem+json');
          expect(res.body.code).toMatch(/^[a-z][a-z_]*$/);
        } else {
          expect(Array.isArray(res.body.data)).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});
