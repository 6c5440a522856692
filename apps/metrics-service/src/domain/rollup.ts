/** The summed figures of a user's day (user_metrics), and of a programme day (system_metrics). */
export const ROLLUP_FIGURES = [
  'points_earned', 'points_spent', 'money_earned', 'money_spent', 'collections', 'grams_collected', 'co2_avoided_g', 'water_saved_ml', 'fund_amount',
  'donated_money', 'donated_points', 'withdrawn_money', 'rewards_redeemed', 'wallet_events',
] as const;

export type RollupFigure = (typeof ROLLUP_FIGURES)[number];

/** A user's day as recomputed from its facts. */
export type UserDay = { user_id: string; day: string; grams_by_material: Record<string, number>; last_collection_at: Date | null; last_points_at: Date | null } & Record<RollupFigure, number>;

/** What a user's day changed by when it was recomputed: what the programme's day and the leaderboards move by. */
export type DayChange = { user_id: string; day: string; active_users: number; grams_by_material: Record<string, number>; last_collection_at: Date | null; last_points_at: Date | null } & Record<RollupFigure, number>;

/**
 * The change from the row before the recomputation to the row after (`before` undefined: no row).
 * Null when nothing moved, as when an event is applied again: a replay moves no programme figure.
 */
export function dayChange(before: UserDay | undefined, after: UserDay): DayChange | null {
  let moved = false;
  const figures = {} as Record<RollupFigure, number>;
  for (const f of ROLLUP_FIGURES) {
    figures[f] = after[f] - (before?.[f] ?? 0);
    if (figures[f] !== 0) moved = true;
  }
  const materials: Record<string, number> = {};
  for (const key of new Set([...Object.keys(after.grams_by_material), ...Object.keys(before?.grams_by_material ?? {})])) {
    const d = (after.grams_by_material[key] ?? 0) - (before?.grams_by_material[key] ?? 0);
    if (d !== 0) materials[key] = d;
  }
  const active = (after.collections > 0 ? 1 : 0) - ((before?.collections ?? 0) > 0 ? 1 : 0);
  const sameTime = (a: Date | null | undefined, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);
  if (!moved && active === 0 && Object.keys(materials).length === 0 && sameTime(before?.last_collection_at, after.last_collection_at) && sameTime(before?.last_points_at, after.last_points_at)) {
    return null;
  }
  return { user_id: after.user_id, day: after.day, ...figures, active_users: active, grams_by_material: materials, last_collection_at: after.last_collection_at, last_points_at: after.last_points_at };
}

/** A programme day's change: the sum of its users' changes, and of its new users. */
export type SystemDayChange = { day: string; active_users: number; new_users: number; grams_by_material: Record<string, number> } & Record<RollupFigure, number>;

export function systemChanges(changes: readonly DayChange[], newUsers: ReadonlyMap<string, number>): SystemDayChange[] {
  const byDay = new Map<string, SystemDayChange>();
  const of = (day: string) => {
    let s = byDay.get(day);
    if (!s) {
      s = { day, active_users: 0, new_users: 0, grams_by_material: {}, ...(Object.fromEntries(ROLLUP_FIGURES.map((f) => [f, 0])) as Record<RollupFigure, number>) };
      byDay.set(day, s);
    }
    return s;
  };
  for (const c of changes) {
    const s = of(c.day);
    for (const f of ROLLUP_FIGURES) s[f] += c[f];
    s.active_users += c.active_users;
    for (const [m, g] of Object.entries(c.grams_by_material)) s.grams_by_material[m] = (s.grams_by_material[m] ?? 0) + g;
  }
  for (const [day, n] of newUsers) of(day).new_users += n;
  return [...byDay.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}
