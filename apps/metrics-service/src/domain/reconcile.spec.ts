import { metricsSide, reconcile } from './reconcile';

describe('reconciliation of a day', () => {
  const u = '0190f3a4-0000-7000-8000-000000000001';
  const v = '0190f3a4-0000-7000-8000-000000000002';
  const row = { user_id: u, money_earned: 500, money_spent: 100, points_earned: 40, points_spent: 5, donated_money: 100, donated_points: 0, withdrawn_money: 0 };

  it('finds no difference when both sides say the same, whatever the order and case of ids', () => {
    const ledger = [
      { user_id: u.toUpperCase(), asset: 'POINTS' as const, earned: 40, spent: 5, donated: 0, withdrawn: 0 },
      { user_id: u, asset: 'ZAR' as const, earned: 500, spent: 100, donated: 100, withdrawn: 0 },
    ];
    expect(reconcile(metricsSide(row), ledger)).toEqual([]);
  });

  it('lists each figure that differs, and a user only one side knows, against zeros', () => {
    const ledger = [
      { user_id: u, asset: 'ZAR' as const, earned: 500, spent: 150, donated: 100, withdrawn: 50 },
      { user_id: u, asset: 'POINTS' as const, earned: 40, spent: 5, donated: 0, withdrawn: 0 },
      { user_id: v, asset: 'POINTS' as const, earned: 7, spent: 0, donated: 0, withdrawn: 0 },
    ];
    expect(reconcile(metricsSide(row), ledger)).toEqual([
      { user_id: u, asset: 'ZAR', figure: 'spent', metrics: 100, ledger: 150 },
      { user_id: u, asset: 'ZAR', figure: 'withdrawn', metrics: 0, ledger: 50 },
      { user_id: v, asset: 'POINTS', figure: 'earned', metrics: 0, ledger: 7 },
    ]);
  });
});
