// The metrics-service's success answers as JSON Schema, per controller method (`Controller.method`),
// as services/metrics-query.service.ts and services/reconciliation.service.ts build them. The gateway
// merges them with the operations emitted from this service's controllers and DTOs
// (apps/metrics-service/openapi.json, rewritten by `npm run build`); the contract test validates
// real answers against them.
import { openapi, type DeclaredResponse } from '@wozamali/contracts';
import { statusOf, type MetricsErrorCode } from '../errors/metrics.exception';

const { object, nullable, uuid, time, day, int, str, bool, arrayOf, oneOfStrings } = openapi;
const maybeTime = nullable('string', { format: 'date-time' });
const decimalString = (unit: string) => ({ type: 'string', pattern: '^\\d+\\.\\d{3}$', description: `${unit}, three decimals (a string: exact)` });

const FIGURES = [
  'points_earned', 'points_spent', 'money_earned', 'money_spent', 'collections', 'grams_collected', 'co2_avoided_g', 'water_saved_ml',
  'fund_amount', 'donated_money', 'donated_points', 'withdrawn_money', 'rewards_redeemed', 'wallet_events',
];
const ROW = object({
  date: { ...day, description: 'the day, or the first day of the week or month' },
  ...Object.fromEntries(FIGURES.map((f) => [f, int])),
  grams_by_material: { type: 'object', additionalProperties: { type: 'integer' } },
  active_users: int, new_users: int,
}, ['active_users', 'new_users']);
const SERIES_FIELDS = {
  from: day, to: day, granularity: oneOfStrings('day', 'week', 'month'), time_zone: str,
  data_as_of: { ...maybeTime, description: 'when the newest event counted here happened' }, days: arrayOf(ROW),
};
const SERIES = { ...object(SERIES_FIELDS), description: 'JSON; with `Accept: text/csv` the same series as CSV' };
const USER_SERIES = object({ user_id: uuid, ...SERIES_FIELDS });

const FACTORS = object({ co2_g_per_kg: int, water_ml_per_kg: int });
const FACTOR_VERSION = object({
  version: int, effective_from: time, source: str, others: FACTORS,
  materials: arrayOf(object({ material: str, co2_g_per_kg: int, water_ml_per_kg: int })),
});

const HANDLE = { type: 'string', description: "a masked handle, never a user's id" };

/** The service's own problem codes an operation answers with (statuses from its code table); the gateway adds the platform's. */
const p = (...codes: MetricsErrorCode[]) => openapi.problems(statusOf, ...codes);

export const RESPONSES: Record<string, DeclaredResponse> = {
  'MetricsController.root': { alsoContent: { 'text/csv': { type: 'string', description: 'with `Accept: text/csv`: the series as a CSV file (from and to required)' } }, errors: p('invalid_range', 'date_range_required'), operationId: 'metricsStatistics', summary: "The programme's statistics over time (as /v1/metrics/system)", schema: SERIES },
  'MetricsController.system': { alsoContent: { 'text/csv': { type: 'string', description: 'with `Accept: text/csv`: the series as a CSV file (from and to required)' } }, errors: p('invalid_range', 'date_range_required'), summary: "The programme's statistics over time", schema: SERIES },
  'MetricsController.user': { alsoContent: { 'text/csv': { type: 'string', description: 'with `Accept: text/csv`: the series as a CSV file (from and to required)' } }, errors: p('invalid_id', 'invalid_range', 'date_range_required'), operationId: 'metricsUserSeries', summary: "A user's figures over time (admin)", schema: USER_SERIES },
  'UserMetricsController.user': { errors: p('invalid_id', 'invalid_range', 'date_range_required'), operationId: 'userMetricsGet', summary: "A resident's own figures over time", schema: USER_SERIES },
  'MetricsController.impact': { errors: p('invalid_range'),
    summary: 'Collected weight, CO2 avoided and water saved, with the factor versions in force',
    schema: object({
      from: day, to: day, time_zone: str, data_as_of: maybeTime, collections: int, grams_collected: int, kg_collected: decimalString('kg'),
      by_material: arrayOf(object({ material: str, grams: int, kg: decimalString('kg') })),
      co2_avoided_g: int, co2_avoided_kg: decimalString('kg CO2e'), water_saved_ml: int, water_saved_l: decimalString('litres'), trees_equivalent: decimalString('trees'),
      factors: arrayOf(object({ version: int, effective_from: time, source: str })),
    }),
  },
  'MetricsController.leaderboard': { errors: {},
    summary: 'A leaderboard of a period (a closed period as it stood an hour after it ended)',
    schema: object({
      period: oneOfStrings('week', 'month', 'year', 'all'), metric: oneOfStrings('kg', 'points', 'co2'), unit: oneOfStrings('g', 'points', 'g_co2e'),
      period_start: day, period_end: day, time_zone: str, data_as_of: maybeTime, frozen: bool, frozen_at: maybeTime,
      entries: arrayOf(object({ rank: int, handle: HANDLE, value: int, you: { type: 'boolean', const: true } }, ['you'])),
      me: { anyOf: [object({ rank: int, handle: HANDLE, value: int }), { type: 'null' }], description: "the signed-in resident's standing" },
    }),
  },
  'MetricsController.impactFactors': { errors: {}, summary: 'The impact factor versions and the one in force', schema: object({ current: nullable('integer'), versions: arrayOf(FACTOR_VERSION) }) },
  'MetricsController.putImpactFactors': { errors: p('invalid_impact_factors', 'impact_factors_clash'), summary: 'Add an impact factor version from a time (admin)', schema: FACTOR_VERSION },
  'MetricsController.reconcile': { errors: p('ledger_unavailable'), operationId: 'metricsReconciliation',
    summary: "A day's figures against the ledger, per user and asset (admin)",
    schema: object({
      date: day, time_zone: str, source: str, checked_at: time, data_as_of: maybeTime, users_compared: int,
      differences: arrayOf(object({ user_id: uuid, asset: oneOfStrings('ZAR', 'POINTS'), figure: oneOfStrings('earned', 'spent', 'donated', 'withdrawn'), metrics: int, ledger: int })),
    }),
  },
};
