import { GREEN_SCHOLAR_FUND_CAMPAIGN_ID, uuidv7 } from '@wozamali/contracts';
import { serviceAuthHeaders } from '@wozamali/testing';
import { useWalletApp } from '../support/wallet-app';

// The default card of DOMAIN.md, which other test files rely on: any new card a test puts in force
// keeps these rates, so tests running in parallel see the same prices.
const DEFAULT_CARD = [
  ['PET', 150, 10, 10_000], ['ALU_CANS', 1855, 10, 0], ['GLASS', 120, 10, 0], ['PAPER', 80, 10, 0], ['CARDBOARD', 60, 10, 0], ['HDPE', 200, 10, 0],
  ['LDPE', 180, 10, 0], ['PP', 220, 10, 0], ['STEEL_CANS', 250, 10, 0], ['MIXED_METALS', 500, 10, 0], ['E_WASTE', 2500, 10, 0], ['BATTERIES', 3500, 10, 0],
].map(([code, cents, points, fund]) => ({ code, cents_per_kg: cents, points_per_kg: points, fund_share_bp: fund }));

const t = useWalletApp();

// What one transfer credited to the fund (other suites credit the shared fund account meanwhile, so
// the account's balance before and after would count their collections too).
const fundCreditOf = async (transferId: string) => Number((await t.db.query(
  `select coalesce(sum(p.amount), 0)::bigint as s from postings p join accounts a on a.id = p.account_id
   where p.transfer_id = $1 and a.owner_type = 'campaign' and a.owner_id = $2`, [transferId, GREEN_SCHOLAR_FUND_CAMPAIGN_ID]))[0].s);

describe('recycling collections', () => {
  it('serves the rate card in force with the DOMAIN.md defaults', async () => {
    const res = await t.w.get('/v1/materials');
    expect(res.status).toBe(200);
    const pet = res.body.materials.find((m: { code: string }) => m.code === 'PET');
    expect(pet).toMatchObject({ name: 'PET bottles', cents_per_kg: 150, points_per_kg: 10, fund_share_bp: 10_000 });
    expect(res.body.materials.map((m: { code: string }) => m.code)).toEqual(expect.arrayContaining(DEFAULT_CARD.map((m) => m.code)));
  });

  it("holds the seed's example under a 10 points/kg, 50 cents/kg card: 5 kg of plastic → 50 points + R2.50, with the card version recorded", async () => {
    // A material code of this run's own, so a rerun on the same database proves the same thing.
    const PLASTIC = `PLASTIC_${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
    const from = new Date(Date.now() + 1500).toISOString();
    const put = await t.w.put('/v1/materials/rate-card', { effective_from: from, materials: [...DEFAULT_CARD, { code: PLASTIC, name: 'Plastic', cents_per_kg: 50, points_per_kg: 10, fund_share_bp: 0 }] });
    expect(put.status).toBe(200);
    const version = put.body.version;
    const before = new Date(Date.now() - 1000).toISOString();
    await new Promise((r) => setTimeout(r, 1700));
    const user = uuidv7();
    const res = await t.w.post('/v1/collections', { user_id: user, materials: [{ material: PLASTIC, kg: '5' }] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ user_id: user, points: 50, amount: 250, fund_amount: 0, currency: 'ZAR', rate_card_version: version, wallet: { points: 50, balance: 250 } });
    // A collection weighed before the new card took effect is priced by the card then in force.
    const old = await t.w.post('/v1/collections', { user_id: user, collected_at: before, materials: [{ material: PLASTIC, kg: '5' }] });
    expect(old.status).toBe(422);
    expect(old.body.code).toBe('unknown_material');
    const row = await t.db.query('select rate_card_version, total_grams, points, amount from collections where id = $1', [res.body.collection_id]);
    expect(row).toEqual([{ rate_card_version: version, total_grams: 5000, points: 50, amount: 250 }]);
  });

  it("sends PET's fund share to the Green Scholar Fund; the resident sees both; collection_recorded carries the impact", async () => {
    const user = uuidv7();
    const res = await t.w.post('/v1/collections', { user_id: user, collector_id: uuidv7(), materials: [{ material: 'PET', kg: '2' }, { material: 'ALU_CANS', kg: '0.5' }] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ points: 25, amount: 928, fund_amount: 300, gross_amount: 1228 }); // 927.5 → 928
    expect(res.body.impact).toMatchObject({ co2_avoided_g: 3400 + 4550, water_saved_ml: 60000 + 70000 });
    expect(await fundCreditOf(res.body.transfer_id)).toBe(300);
    const [event] = await t.db.query(`select payload from outbox where key = $1 and type = 'collection_recorded'`, [user]);
    expect(event.payload.data).toMatchObject({ collection_id: res.body.collection_id, transfer_id: res.body.transfer_id, total_grams: 2500, points: 25, amount: 928, fund_amount: 300 });
  });

  it("records a collector's collection under their own id: collector_id filled in when left out, another collector's id refused 403 collector_mismatch", async () => {
    const collector = uuidv7();
    const as = await serviceAuthHeaders('wallet-service', 'api-gateway', { type: 'user', userId: collector, role: 'collector' });
    const resident = uuidv7();
    const own = await t.w.post('/v1/collections', { user_id: resident, materials: [{ material: 'GLASS', kg: '1' }] }, uuidv7(), as);
    expect(own.status).toBe(201);
    expect(own.body.collector_id).toBe(collector);
    const named = await t.w.post('/v1/collections', { user_id: resident, collector_id: collector.toUpperCase(), materials: [{ material: 'GLASS', kg: '1' }] }, uuidv7(), as);
    expect([named.status, named.body.collector_id]).toEqual([201, collector]);
    const other = await t.w.post('/v1/collections', { user_id: resident, collector_id: uuidv7(), materials: [{ material: 'GLASS', kg: '1' }] }, uuidv7(), as);
    expect([other.status, other.body.code]).toEqual([403, 'collector_mismatch']);
    expect((await t.db.query('select collector_id from collections where user_id = $1', [resident])).map((r: { collector_id: string }) => r.collector_id)).toEqual([collector, collector]);
  });

  it('credits a collection id at most once, even under another idempotency key', async () => {
    const user = uuidv7();
    const collectionId = uuidv7();
    const first = await t.w.post('/v1/collections', { user_id: user, collection_id: collectionId, materials: [{ material: 'GLASS', kg: '3' }] });
    expect(first.status).toBe(201);
    const second = await t.w.post('/v1/collections', { user_id: user, collection_id: collectionId, materials: [{ material: 'GLASS', kg: '3' }] });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('collection_already_recorded');
    expect((await t.w.get(`/v1/wallets/${user}`)).body).toMatchObject({ points: 30, balance: 360 });
  });

  it('applies the tier multiplier to points (silver 1.1)', async () => {
    const user = uuidv7();
    await t.w.post(`/v1/users/${user}/points/earn`, { points: 500, reason: 'to silver' });
    const res = await t.w.post('/v1/collections', { user_id: user, materials: [{ material: 'PAPER', kg: '10' }] });
    expect(res.body).toMatchObject({ tier: 'silver', tier_multiplier_bp: 11_000, points: 110, amount: 800 });
  });

  it.each([
    ['an unknown material', [{ material: 'GOLD', kg: '1' }], 422, 'unknown_material'],
    ['kg = 0', [{ material: 'PET', kg: '0' }], 400, 'invalid_weight'],
    ['kg with 4 decimals', [{ material: 'PET', kg: '1.2345' }], 400, 'validation_failed'],
    ['a negative kg', [{ material: 'PET', kg: '-1' }], 400, 'validation_failed'],
    ['kg as a number', [{ material: 'PET', kg: 5 }], 400, 'validation_failed'],
    ['no materials', [], 400, 'validation_failed'],
    ['an unknown field in a line', [{ material: 'PET', kg: '1', price: 3 }], 400, 'validation_failed'],
  ])('refuses %s and writes nothing', async (_name, materials, status, code) => {
    const user = uuidv7();
    const res = await t.w.post('/v1/collections', { user_id: user, materials });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.code).toBe(code);
    expect(await t.db.query('select 1 from transfers where user_id = $1', [user])).toEqual([]);
  });

  it('refuses a malformed user id and a collection weighed in the future', async () => {
    expect((await t.w.post('/v1/collections', { user_id: 'abc', materials: [{ material: 'PET', kg: '1' }] })).body.code).toBe('validation_failed');
    const user = uuidv7();
    const future = await t.w.post('/v1/collections', { user_id: user, collected_at: new Date(Date.now() + 3_600_000).toISOString(), materials: [{ material: 'PET', kg: '1' }] });
    expect(future.status).toBe(400);
  });

  it('keeps tiers as data: GET returns the DOMAIN.md thresholds, PUT validates and writes nothing on bad input', async () => {
    const res = await t.w.get('/v1/tiers');
    expect(res.body.tiers.map((t: { code: string; min_lifetime_points: number; multiplier_bp: number }) => [t.code, t.min_lifetime_points, t.multiplier_bp]))
      .toEqual([['bronze', 0, 10000], ['silver', 500, 11000], ['gold', 1500, 12500], ['platinum', 3000, 15000]]);
    const bad = await t.w.put('/v1/tiers', { tiers: [{ code: 'silver', name: 'Silver', min_lifetime_points: 500, multiplier_bp: 11000 }] });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('invalid_tiers');
    const same = await t.w.put('/v1/tiers', res.body);
    expect(same.status).toBe(200);
    expect(same.body.tiers).toHaveLength(4);
  });
});
