import fc from 'fast-check';
import { envelopeProblems, eventDataProblems, isKnownEventType, uuidv7 } from '@wozamali/contracts';
import { useWalletApp } from '../support/wallet-app';

// The producer guarantees its event contract (DESIGN.md §3): every outbox row the wallet writes, for
// every kind of movement, carries every field its type's contract in libs/contracts names. A
// resident's wallet_update always carries their wallet id, from their first movement of any asset.

const t = useWalletApp({ OUTBOX_RELAY_ENABLED: 'false' });

interface OutboxRow { type: string; payload: { type: string; subject: string; data: Record<string, unknown> } }

async function outboxOf(users: string[]): Promise<OutboxRow[]> {
  return t.db.query('select type, payload from outbox where key = any($1::text[]) order by seq', [users]);
}

/** Every row checked against the whole contract of its type; returns the problems, row by row. */
function contractProblems(rows: OutboxRow[]): string[] {
  const problems: string[] = [];
  for (const row of rows) {
    for (const p of envelopeProblems(row.payload)) problems.push(`${row.type} envelope: ${p}`);
    if (!isKnownEventType(row.type)) {
      problems.push(`${row.type}: not a type of libs/contracts`);
      continue;
    }
    for (const p of eventDataProblems(row.type, row.payload.data)) problems.push(`${row.type}: ${p}`);
  }
  return problems;
}

/** One wallet id per user over all their wallet_update events, and it is the one their wallet shows. */
async function expectOneWalletId(rows: OutboxRow[], user: string): Promise<void> {
  const ids = new Set(rows.filter((r) => r.type === 'wallet_update' && r.payload.subject === user).map((r) => r.payload.data.wallet_id));
  const wallet = await t.w.get(`/v1/wallets/${user}`);
  expect([...ids]).toEqual([wallet.body.wallet_id]);
  expect(wallet.body.wallet_id).toEqual(expect.any(String));
}

const ok = (res: { status: number; body: any }) => {
  if (res.status !== 201) throw new Error(`expected 201, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
};

describe('the events the wallet writes', () => {
  it('satisfy their contracts for every kind of movement, and a points-only resident has a wallet id from the first earn', async () => {
    const pointsOnly = uuidv7();
    const moneyOnly = uuidv7();
    const both = uuidv7();
    const users = [pointsOnly, moneyOnly, both];

    ok(await t.w.post(`/v1/users/${pointsOnly}/points/earn`, { points: 700, reason: 'points only' }));
    ok(await t.w.post(`/v1/users/${pointsOnly}/points/spend`, { points: 50, reason: 'voucher' }));
    ok(await t.w.post('/v1/admin/adjustments', { user_id: moneyOnly, asset: 'ZAR', amount: 5000, reason: 'money only' }));
    ok(await t.w.post(`/v1/users/${both}/points/earn`, { points: 40, amount: 900, reason: 'both' }));
    const collection = ok(await t.w.post('/v1/collections', { user_id: both, materials: [{ material: 'PET', kg: '2.500' }, { material: 'GLASS', kg: '1.000' }] }));
    const hold = ok(await t.w.post('/internal/v1/holds', { user_id: moneyOnly, amount: 1000, description: 'withdrawal' }));
    ok(await t.w.post(`/internal/v1/holds/${hold.hold_id}/post`, {}));
    // The payout came back: the withdrawals service credits it from payout clearing (a `transfer`).
    ok(await t.w.post('/internal/v1/transfers', { kind: 'transfer', from: { type: 'payout_clearing' }, to: { type: 'user', id: moneyOnly }, asset: 'ZAR', amount: 1000, description: 'payout returned' }));
    const hold2 = ok(await t.w.post('/internal/v1/holds', { user_id: moneyOnly, amount: 500, description: 'withdrawal' }));
    ok(await t.w.post(`/internal/v1/holds/${hold2.hold_id}/void`, {}));
    ok(await t.w.post('/v1/admin/adjustments', { user_id: pointsOnly, asset: 'POINTS', amount: 10, reason: 'missed collection' }));
    ok(await t.w.post('/v1/admin/adjustments', { user_id: moneyOnly, asset: 'ZAR', amount: -100, reason: 'correction' }));
    ok(await t.w.post(`/v1/admin/transfers/${collection.transfer_id}/reverse`, { reason: 'weighed twice' }));
    ok(await t.w.post('/internal/v1/transfers', { kind: 'redeem', from: { type: 'user', id: pointsOnly }, to: { type: 'reward_sink', id: 'rewards' }, asset: 'POINTS', amount: 100, description: 'reward' }));

    const rows = await outboxOf(users);
    const types = new Set(rows.map((r) => r.type));
    expect([...types].sort()).toEqual(['collection_recorded', 'points_update', 'tier_update', 'wallet_update']);
    expect(contractProblems(rows)).toEqual([]);
    for (const user of users) await expectOneWalletId(rows, user);
    // The first event of the points-only resident already names the wallet.
    const first = rows.find((r) => r.type === 'wallet_update' && r.payload.subject === pointsOnly)!;
    expect(first.payload.data).toMatchObject({ points_change: 700, balance_change: 0, wallet_id: expect.any(String) });
  });

  it('satisfy their contracts under random sequences of points-only, money-only and mixed movements for new residents', async () => {
    const move = fc.oneof(
      fc.record({ op: fc.constant('earn' as const), points: fc.integer({ min: 1, max: 600 }), amount: fc.integer({ min: 0, max: 2000 }) }),
      fc.record({ op: fc.constant('spend' as const), points: fc.integer({ min: 1, max: 300 }) }),
      fc.record({ op: fc.constant('credit' as const), amount: fc.integer({ min: 1, max: 2000 }) }),
      fc.record({ op: fc.constant('adjust' as const), asset: fc.constantFrom('ZAR', 'POINTS'), amount: fc.integer({ min: 1, max: 500 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(move, { minLength: 1, maxLength: 6 }), async (moves) => {
        const user = uuidv7();
        for (const m of moves) {
          switch (m.op) {
            case 'earn': await t.w.post(`/v1/users/${user}/points/earn`, { points: m.points, ...(m.amount ? { amount: m.amount } : {}), reason: 'random' }); break;
            case 'spend': await t.w.post(`/v1/users/${user}/points/spend`, { points: m.points, reason: 'random' }); break; // may be refused: writes nothing
            case 'credit': await t.w.post('/v1/admin/adjustments', { user_id: user, asset: 'ZAR', amount: m.amount, reason: 'random credit' }); break;
            case 'adjust': await t.w.post('/v1/admin/adjustments', { user_id: user, asset: m.asset, amount: m.amount, reason: 'random' }); break;
          }
        }
        const rows = await outboxOf([user]);
        expect(contractProblems(rows)).toEqual([]);
        if (rows.length > 0) await expectOneWalletId(rows, user);
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
