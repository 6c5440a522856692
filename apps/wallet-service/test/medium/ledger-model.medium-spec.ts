import fc from 'fast-check';
import { uuidv7 } from '@wozamali/contracts';
import { openTestDataSource } from '@wozamali/testing';
import type { DataSource } from 'typeorm';
import { WalletException } from '../../src/errors/wallet.exception';
import { CatalogService } from '../../src/ledger/catalog.service';
import type { LedgerResult, WriteContext } from '../../src/ledger/ledger.types';
import { WalletService } from '../../src/ledger/wallet.service';
import { computeCollection } from '../../src/collections/collection-math';
import { startWalletApp, type WalletTestApp } from '../support/wallet-app';

// A plain reference model of two users' wallets; random operation sequences run against the real
// ledger (PostgreSQL) and the model side by side, and the invariants are checked after every step.
interface UserModel { zar: number; held: number; points: number; lifetime: number }
interface TransferModel { id: string; user: number; kind: string; zar: number; points: number; lifetime: number; reversed: boolean }
interface HoldModel { id: string; user: number; amount: number; status: 'pending' | 'posted' | 'voided' }
interface Model { users: UserModel[]; transfers: TransferModel[]; holds: HoldModel[] }

type Op =
  | { op: 'earn'; u: number; points: number; amount: number }
  | { op: 'spend'; u: number; points: number }
  | { op: 'collection'; u: number; pet: number; glass: number }
  | { op: 'hold'; u: number; amount: number }
  | { op: 'post' | 'void'; h: number }
  | { op: 'reverse'; t: number }
  | { op: 'adjust'; u: number; asset: 'ZAR' | 'POINTS'; amount: number }
  // Multi-leg transfers: a cashback redemption (points to the reward sink, platform money to the
  // user) and a donation (the user's money and points to a campaign, bonus points from the platform).
  | { op: 'redeem'; u: number; points: number; cash: number }
  | { op: 'donate'; u: number; zar: number; points: number; bonus: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('earn' as const), u: fc.nat(1), points: fc.integer({ min: 1, max: 800 }), amount: fc.integer({ min: 0, max: 3000 }) }),
  fc.record({ op: fc.constant('spend' as const), u: fc.nat(1), points: fc.integer({ min: 1, max: 900 }) }),
  fc.record({ op: fc.constant('collection' as const), u: fc.nat(1), pet: fc.integer({ min: 0, max: 20_000 }), glass: fc.integer({ min: 1, max: 20_000 }) }),
  fc.record({ op: fc.constant('hold' as const), u: fc.nat(1), amount: fc.integer({ min: 1, max: 4000 }) }),
  fc.record({ op: fc.constantFrom('post' as const, 'void' as const), h: fc.nat(20) }),
  fc.record({ op: fc.constant('reverse' as const), t: fc.nat(30) }),
  fc.record({ op: fc.constant('adjust' as const), u: fc.nat(1), asset: fc.constantFrom('ZAR' as const, 'POINTS' as const), amount: fc.integer({ min: -1500, max: 1500 }).filter((n) => n !== 0) }),
  fc.record({ op: fc.constant('redeem' as const), u: fc.nat(1), points: fc.integer({ min: 1, max: 900 }), cash: fc.integer({ min: 0, max: 500 }) }),
  fc.record({ op: fc.constant('donate' as const), u: fc.nat(1), zar: fc.integer({ min: 1, max: 2500 }), points: fc.integer({ min: 0, max: 600 }), bonus: fc.integer({ min: 0, max: 300 }) }),
);

const TIER_BP = [[3000, 15000], [1500, 12500], [500, 11000], [0, 10000]] as const;
const multiplierOf = (lifetime: number) => TIER_BP.find(([min]) => lifetime >= min)![1];
const kg = (grams: number) => `${Math.floor(grams / 1000)}.${String(grams % 1000).padStart(3, '0')}`;

let w: WalletTestApp;
let db: DataSource;
let wallets: WalletService;
let catalog: CatalogService;

beforeAll(async () => {
  w = await startWalletApp({ OUTBOX_RELAY_ENABLED: 'false' });
  db = await openTestDataSource('wallet-service', 2);
  wallets = w.app.get(WalletService);
  catalog = w.app.get(CatalogService);
});

afterAll(async () => {
  await w.close();
  await db.destroy();
});

const ctx = (): WriteContext => ({ clientId: 'model-test', key: uuidv7(), requestHash: uuidv7(), correlationId: null });

async function expectRejected(p: Promise<unknown>, code: string) {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(WalletException);
  expect((err as WalletException).code).toBe(code);
}

const CAMPAIGN = uuidv7();
type Ref = { type: 'user' | 'platform' | 'campaign' | 'reward_sink'; id?: string };
const leg = (from: Ref, to: Ref, asset: 'ZAR' | 'POINTS', amount: number) => ({ from, to, asset, amount });

async function step(m: Model, ids: string[], op: Op): Promise<void> {
  const record = (r: LedgerResult, user: number, kind: string, zar: number, points: number, lifetime: number) =>
    m.transfers.push({ id: r.transfer_id, user, kind, zar, points, lifetime, reversed: false });
  switch (op.op) {
    case 'earn': {
      const r = (await wallets.earn(ctx(), ids[op.u]!, { points: op.points, amount: op.amount || undefined, reason: 'model' })).result;
      const u = m.users[op.u]!;
      u.points += op.points; u.lifetime += op.points; u.zar += op.amount;
      record(r, op.u, 'earn', op.amount, op.points, op.points);
      return;
    }
    case 'spend': {
      const u = m.users[op.u]!;
      if (op.points > u.points) return expectRejected(wallets.spend(ctx(), ids[op.u]!, { points: op.points, reason: 'model' }), 'insufficient_points');
      const r = (await wallets.spend(ctx(), ids[op.u]!, { points: op.points, reason: 'model' })).result;
      u.points -= op.points;
      record(r, op.u, 'spend', 0, -op.points, 0);
      return;
    }
    case 'collection': {
      const u = m.users[op.u]!;
      const items = [{ material: 'GLASS', grams: op.glass, kg: kg(op.glass) }, ...(op.pet ? [{ material: 'PET', grams: op.pet, kg: kg(op.pet) }] : [])];
      const card = await catalog.rateCardAt(new Date());
      const expected = computeCollection(items, new Map(card!.materials.map((l) => [l.code, l])), multiplierOf(u.lifetime));
      const r = (await wallets.recordCollection(ctx(), { user_id: ids[op.u]!, materials: items.map(({ material, kg: k }) => ({ material, kg: k })) })).result;
      expect(r.points_change).toBe(expected.points);
      expect(r.money_change).toBe(expected.amount);
      u.points += expected.points; u.lifetime += expected.points; u.zar += expected.amount;
      record(r, op.u, 'collection', expected.amount, expected.points, expected.points);
      return;
    }
    case 'hold': {
      const u = m.users[op.u]!;
      if (op.amount > u.zar - u.held) return expectRejected(wallets.hold(ctx(), { user_id: ids[op.u]!, amount: op.amount, description: 'model' }), 'insufficient_funds');
      const r = (await wallets.hold(ctx(), { user_id: ids[op.u]!, amount: op.amount, description: 'model' })).result;
      u.held += op.amount;
      m.holds.push({ id: r.hold_id!, user: op.u, amount: op.amount, status: 'pending' });
      m.transfers.push({ id: r.transfer_id, user: op.u, kind: 'withdraw_hold', zar: 0, points: 0, lifetime: 0, reversed: false });
      return;
    }
    case 'post':
    case 'void': {
      const h = m.holds[op.h % Math.max(1, m.holds.length)];
      if (!h) return;
      if (h.status !== 'pending') return expectRejected(wallets.settleHold(ctx(), h.id, op.op, {}), 'hold_not_pending');
      const r = (await wallets.settleHold(ctx(), h.id, op.op, {})).result;
      const u = m.users[h.user]!;
      u.held -= h.amount;
      if (op.op === 'post') u.zar -= h.amount;
      h.status = op.op === 'post' ? 'posted' : 'voided';
      m.transfers.push({ id: r.transfer_id, user: h.user, kind: `withdraw_${op.op}`, zar: op.op === 'post' ? -h.amount : 0, points: 0, lifetime: 0, reversed: false });
      return;
    }
    case 'reverse': {
      const t = m.transfers[op.t % Math.max(1, m.transfers.length)];
      if (!t) return;
      const u = m.users[t.user]!;
      const call = () => wallets.reverse(ctx(), t.id, { reason: 'model' }, 'model');
      if (['reverse', 'withdraw_hold', 'withdraw_post', 'withdraw_void'].includes(t.kind)) return expectRejected(call(), 'transfer_not_reversible');
      if (t.reversed) return expectRejected(call(), 'transfer_already_reversed');
      if (u.points - t.points < 0) return expectRejected(call(), 'insufficient_points');
      if (u.zar - t.zar - u.held < 0) return expectRejected(call(), 'insufficient_funds');
      const r = (await call()).result;
      u.zar -= t.zar; u.points -= t.points; u.lifetime -= t.lifetime;
      t.reversed = true;
      record(r, t.user, 'reverse', -t.zar, -t.points, -t.lifetime);
      return;
    }
    case 'adjust': {
      const u = m.users[op.u]!;
      const dto = { user_id: ids[op.u]!, asset: op.asset, amount: op.amount, reason: 'model' };
      if (op.asset === 'POINTS' && u.points + op.amount < 0) return expectRejected(wallets.adjust(ctx(), dto, 'model'), 'insufficient_points');
      if (op.asset === 'ZAR' && u.zar + op.amount - u.held < 0) return expectRejected(wallets.adjust(ctx(), dto, 'model'), 'insufficient_funds');
      const r = (await wallets.adjust(ctx(), dto, 'model')).result;
      const lifetime = op.asset === 'POINTS' && op.amount > 0 ? op.amount : 0;
      if (op.asset === 'ZAR') u.zar += op.amount; else u.points += op.amount;
      u.lifetime += lifetime;
      record(r, op.u, 'adjust', op.asset === 'ZAR' ? op.amount : 0, op.asset === 'POINTS' ? op.amount : 0, lifetime);
      return;
    }
    case 'redeem': {
      const u = m.users[op.u]!;
      const user: Ref = { type: 'user', id: ids[op.u]! };
      const legs = [leg(user, { type: 'reward_sink' }, 'POINTS', op.points), ...(op.cash ? [leg({ type: 'platform' }, user, 'ZAR', op.cash)] : [])];
      const call = () => wallets.transfer(ctx(), { kind: 'redeem', description: 'model cashback', legs }, 'rewards-service');
      if (op.points > u.points) return expectRejected(call(), 'insufficient_points');
      const r = (await call()).result;
      expect({ points: r.points_change, money: r.money_change, postings: r.postings.length }).toEqual({ points: -op.points, money: op.cash, postings: legs.length * 2 });
      u.points -= op.points; u.zar += op.cash;
      record(r, op.u, 'redeem', op.cash, -op.points, 0);
      return;
    }
    case 'donate': {
      const u = m.users[op.u]!;
      const user: Ref = { type: 'user', id: ids[op.u]! };
      const campaign: Ref = { type: 'campaign', id: CAMPAIGN };
      const legs = [
        leg(user, campaign, 'ZAR', op.zar),
        ...(op.points ? [leg(user, campaign, 'POINTS', op.points)] : []),
        ...(op.bonus ? [leg({ type: 'platform' }, user, 'POINTS', op.bonus)] : []),
      ];
      const call = () => wallets.transfer(ctx(), { kind: 'donate', user_id: ids[op.u]!, description: 'model donation', legs }, 'donations-service');
      // One transfer: the bonus arrives in the same transfer, so it counts towards the points given.
      if (u.points - op.points + op.bonus < 0) return expectRejected(call(), 'insufficient_points');
      if (u.zar - op.zar - u.held < 0) return expectRejected(call(), 'insufficient_funds');
      const r = (await call()).result;
      expect({ points: r.points_change, money: r.money_change }).toEqual({ points: op.bonus - op.points, money: -op.zar });
      u.points += op.bonus - op.points; u.zar -= op.zar;
      record(r, op.u, 'donate', -op.zar, op.bonus - op.points, 0);
    }
  }
}

async function checkInvariants(m: Model, ids: string[]): Promise<void> {
  for (const [i, id] of ids.entries()) {
    const view = await wallets.wallet(id);
    const u = m.users[i]!;
    expect({ balance: view.balance, held: view.held, points: view.points, lifetime: view.lifetime_points }).toEqual({ balance: u.zar, held: u.held, points: u.points, lifetime: u.lifetime });
    expect(view.balance).toBeGreaterThanOrEqual(0);
    expect(view.points).toBeGreaterThanOrEqual(0);
    expect(view.held).toBeLessThanOrEqual(view.balance);
  }
  // Every transfer of these users sums to zero per asset, and every cached balance of the accounts
  // they touched equals the sum of its postings (and held equals the pending holds).
  const transferIds = m.transfers.map((t) => t.id);
  const unbalanced = await db.query(`select transfer_id from postings where transfer_id = any($1::uuid[]) group by transfer_id, asset having sum(amount) <> 0`, [transferIds]);
  expect(unbalanced).toEqual([]);
  const drift = await db.query(
    `with touched as (select distinct account_id from postings where transfer_id = any($1::uuid[]))
     select a.id from accounts a join touched t on t.account_id = a.id
      where (a.cached and a.balance <> (select coalesce(sum(amount), 0) from postings where account_id = a.id))
         or a.held <> (select coalesce(sum(amount), 0) from holds where account_id = a.id and status = 'pending')
         or (not a.allow_negative and a.balance < 0)`,
    [transferIds],
  );
  expect(drift).toEqual([]);
}

it('keeps the ledger equal to a plain model under random sequences of earn, spend, collection, hold, post, void, reverse, adjust and multi-leg redeem and donate', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
      const ids = [uuidv7(), uuidv7()];
      const m: Model = { users: [{ zar: 0, held: 0, points: 0, lifetime: 0 }, { zar: 0, held: 0, points: 0, lifetime: 0 }], transfers: [], holds: [] };
      for (const op of ops) {
        await step(m, ids, op);
        await checkInvariants(m, ids);
      }
    }),
    {
      numRuns: 30,
      // Always-run examples for the rarer rejections: reversing money that is held, points already
      // spent, posting a voided hold, reversing twice.
      examples: [
        [[{ op: 'earn', u: 0, points: 1, amount: 1000 }, { op: 'hold', u: 0, amount: 800 }, { op: 'reverse', t: 0 }]],
        [[{ op: 'earn', u: 1, points: 100, amount: 0 }, { op: 'spend', u: 1, points: 60 }, { op: 'reverse', t: 0 }]],
        [[{ op: 'earn', u: 0, points: 5, amount: 500 }, { op: 'hold', u: 0, amount: 500 }, { op: 'void', h: 0 }, { op: 'post', h: 0 }, { op: 'reverse', t: 0 }, { op: 'reverse', t: 0 }]],
        [[{ op: 'collection', u: 0, pet: 5000, glass: 1500 }, { op: 'reverse', t: 0 }, { op: 'adjust', u: 0, asset: 'ZAR', amount: -1 }]],
        // Multi-leg: one unaffordable leg refuses the whole transfer; a bonus covers the points given;
        // a donation is reversed as a whole.
        [[{ op: 'earn', u: 0, points: 100, amount: 1000 }, { op: 'donate', u: 0, zar: 1001, points: 10, bonus: 5 }, { op: 'donate', u: 0, zar: 500, points: 150, bonus: 60 },
          { op: 'donate', u: 0, zar: 500, points: 120, bonus: 30 }, { op: 'reverse', t: 1 }, { op: 'redeem', u: 0, points: 101, cash: 50 }, { op: 'redeem', u: 0, points: 100, cash: 50 }]],
        [[{ op: 'earn', u: 1, points: 50, amount: 300 }, { op: 'hold', u: 1, amount: 250 }, { op: 'donate', u: 1, zar: 51, points: 0, bonus: 10 }, { op: 'redeem', u: 1, points: 50, cash: 20 }, { op: 'reverse', t: 2 }]],
      ],
    },
  );
}, 240_000);
