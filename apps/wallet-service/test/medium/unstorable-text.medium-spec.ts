import { uuidv7 } from '@wozamali/contracts';
import { stringFields, UNSTORABLE_SAMPLES, withText } from '@wozamali/testing';
import { useWalletApp } from '../support/wallet-app';

// Text PostgreSQL cannot store (a NUL, a lone UTF-16 surrogate) in any string field of any write of
// the wallet is a 400 validation_failed naming the field (the platform's validation pipe), never a
// 500, and writes nothing.
const t = useWalletApp();

type Body = Record<string, unknown>;
interface Write {
  name: string;
  method: 'POST' | 'PUT';
  path: (user: string) => string;
  body: (user: string) => Body | Promise<Body>;
}

const writes: Write[] = [
  { name: 'earn', method: 'POST', path: (u) => `/v1/users/${u}/points/earn`, body: () => ({ points: 10, amount: 5, reason: 'text', reference: 'ref-1' }) },
  { name: 'spend', method: 'POST', path: (u) => `/v1/users/${u}/points/spend`, body: () => ({ points: 10, reason: 'text', reference: 'ref-2' }) },
  {
    name: 'collection', method: 'POST', path: () => '/v1/collections',
    body: (u) => ({ user_id: u, collection_id: uuidv7(), collector_id: uuidv7(), collected_at: new Date().toISOString(), materials: [{ material: 'PET', kg: '1.5' }] }),
  },
  { name: 'adjustment', method: 'POST', path: () => '/v1/admin/adjustments', body: (u) => ({ user_id: u, asset: 'ZAR', amount: 5, reason: 'text' }) },
  { name: 'reverse', method: 'POST', path: () => `/v1/admin/transfers/${uuidv7()}/reverse`, body: () => ({ reason: 'text' }) },
  {
    name: 'internal transfer', method: 'POST', path: () => '/internal/v1/transfers',
    body: (u) => ({ kind: 'earn', from: { type: 'platform' }, to: { type: 'user', id: u }, asset: 'POINTS', amount: 3, description: 'text', reference: 'ref-3', metadata: { note: 'text' } }),
  },
  { name: 'internal reverse', method: 'POST', path: () => `/internal/v1/transfers/${uuidv7()}/reverse`, body: () => ({ reason: 'text' }) },
  { name: 'hold', method: 'POST', path: () => '/internal/v1/holds', body: (u) => ({ user_id: u, amount: 5, description: 'text', reference: 'ref-4' }) },
  { name: 'post hold', method: 'POST', path: () => `/internal/v1/holds/${uuidv7()}/post`, body: () => ({ description: 'text' }) },
  { name: 'void hold', method: 'POST', path: () => `/internal/v1/holds/${uuidv7()}/void`, body: () => ({ description: 'text' }) },
  {
    name: 'rate card', method: 'PUT', path: () => '/v1/materials/rate-card',
    body: () => ({ effective_from: '2099-01-01T00:00:00Z', materials: [{ code: 'TEXTTEST', name: 'Text test', cents_per_kg: 1, points_per_kg: 1, fund_share_bp: 0 }] }),
  },
  { name: 'tiers', method: 'PUT', path: () => '/v1/tiers', body: async () => (await t.w.get('/v1/tiers')).body as Body },
];

async function state(user: string): Promise<unknown> {
  return {
    transfers: await t.db.query('select id from transfers where user_id = $1', [user]),
    materials: (await t.w.get('/v1/materials')).body,
    tiers: (await t.w.get('/v1/tiers')).body,
  };
}

describe.each(writes.map((w) => [w.name, w] as const))('%s', (_name, write) => {
  it('text PostgreSQL cannot store in any string field is 400 validation_failed naming the field, and writes nothing', async () => {
    const fields = stringFields(await write.body(uuidv7()));
    expect(fields.length).toBeGreaterThan(0);
    for (const field of fields) {
      for (const sample of UNSTORABLE_SAMPLES) {
        const user = uuidv7();
        const before = await state(user);
        const body = withText(await write.body(user), field, sample.text);
        const res = write.method === 'POST' ? await t.w.post(write.path(user), body) : await t.w.put(write.path(user), body);
        expect([field, sample.name, res.status, res.body.code]).toEqual([field, sample.name, 400, 'validation_failed']);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.body.errors).toEqual([{ field, messages: [expect.stringContaining('NUL')] }]);
        expect(await state(user)).toEqual(before);
      }
    }
  });
});

it.each([
  ['a query string', (u: string) => `/v1/wallets/${u}/transactions?cursor=a%00b`, 'cursor'],
  ['a query string (points history)', (u: string) => `/v1/users/${u}/points/history?limit=%00`, 'limit'],
  ['a path parameter', () => '/v1/wallets/ab%00cd', 'user_id'],
])('a NUL in %s is 400 validation_failed naming it', async (_where, path, field) => {
  const res = await t.w.get(path(uuidv7()));
  expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
  expect(res.body.errors).toEqual([{ field, messages: [expect.stringContaining('NUL')] }]);
});

// Found by the reliability suite: a body nested thousands deep overflowed the stack of the
// idempotency hash (a 500). Every service refuses it before any handler runs.
it.each([
  ['a reason nested 2,000 objects deep (earn)', (u: string) => `/v1/users/${u}/points/earn`, `{"points":10,"reason":${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}}`],
  ['a reason nested 2,000 objects deep (spend)', (u: string) => `/v1/users/${u}/points/spend`, `{"points":10,"reason":${'{"a":'.repeat(2_000)}1${'}'.repeat(2_000)}}`],
  ['a body of arrays 20,000 deep', (u: string) => `/v1/users/${u}/points/earn`, `${'['.repeat(20_000)}${']'.repeat(20_000)}`],
  ['33 levels, one more than allowed', (u: string) => `/v1/users/${u}/points/earn`, `{"points":10,"reason":${'['.repeat(32)}"x"${']'.repeat(32)}}`],
])('%s is 400 validation_failed, never a 500, and writes nothing', async (_what, path, raw) => {
  const user = uuidv7();
  const before = await state(user);
  const res = await t.w.post(path(user), raw);
  expect([res.status, res.body.code, res.headers.get('content-type')?.split(';')[0]]).toEqual([400, 'validation_failed', 'application/problem+json']);
  expect(res.body.errors).toEqual([{ field: '(body)', messages: ['nests deeper than 32 levels'] }]);
  expect(await state(user)).toEqual(before);
});
