import { dayChange, systemChanges, type UserDay } from './rollup';

const row = (o: Partial<UserDay> = {}): UserDay => ({
  user_id: 'u', day: '2026-01-05', grams_by_material: {}, last_collection_at: null, last_points_at: null, points_earned: 0, points_spent: 0, money_earned: 0,
  money_spent: 0, collections: 0, grams_collected: 0, co2_avoided_g: 0, water_saved_ml: 0, fund_amount: 0, donated_money: 0, donated_points: 0,
  withdrawn_money: 0, rewards_redeemed: 0, wallet_events: 0, ...o,
});

describe('what a recomputed user day moves', () => {
  it('moves nothing when the row comes out the same (an event applied again)', () => {
    const r = row({ collections: 2, grams_collected: 3000, grams_by_material: { PET: 3000 }, last_collection_at: new Date('2026-01-05T10:00:00Z') });
    expect(dayChange(r, { ...r, grams_by_material: { PET: 3000 }, last_collection_at: new Date('2026-01-05T10:00:00Z') })).toBeNull();
  });

  it('moves by the difference, counts a first collection of the day as one more active user, and sums per programme day', () => {
    const first = dayChange(undefined, row({ collections: 1, grams_collected: 1000, grams_by_material: { PET: 1000 } }))!;
    expect(first).toMatchObject({ collections: 1, grams_collected: 1000, active_users: 1, grams_by_material: { PET: 1000 } });
    const more = dayChange(row({ collections: 1, grams_collected: 1000, grams_by_material: { PET: 1000 } }), row({ collections: 2, grams_collected: 1500, grams_by_material: { PET: 1000, GLASS: 500 } }))!;
    expect(more).toMatchObject({ collections: 1, grams_collected: 500, active_users: 0, grams_by_material: { GLASS: 500 } });
    const [day] = systemChanges([first, { ...more, user_id: 'v' }], new Map([['2026-01-05', 1], ['2026-01-09', -1]]));
    expect(day).toMatchObject({ day: '2026-01-05', collections: 2, grams_collected: 1500, active_users: 1, new_users: 1, grams_by_material: { PET: 1000, GLASS: 500 } });
  });
});
