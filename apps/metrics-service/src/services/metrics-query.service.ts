import { Inject, Injectable } from '@nestjs/common';
import { MetricsServiceEnv } from '../config/env';
import { csvRecord, type CsvCell } from '../domain/csv';
import { maskedHandle } from '../domain/handle';
import { decimal, treesEquivalent, type ImpactFactorVersion } from '../domain/impact';
import type { PutImpactFactorsDto } from '../dtos/metrics.dto';
import { MetricsException } from '../errors/metrics.exception';
import { ImpactFactorsRepository } from '../repositories/impact-factors.repository';
import { MetricsReadRepository, type Granularity, type LeaderboardMetric, type LeaderboardPeriod, type SeriesRow } from '../repositories/metrics-read.repository';

export interface SeriesQuery {
  from?: string;
  to?: string;
  granularity?: Granularity;
}

const UNITS: Record<LeaderboardMetric, string> = { kg: 'g', points: 'points', co2: 'g_co2e' };

const CSV_FIGURES: (keyof SeriesRow)[] = [
  'points_earned', 'points_spent', 'money_earned', 'money_spent', 'collections', 'grams_collected', 'co2_avoided_g', 'water_saved_ml',
  'fund_amount', 'donated_money', 'donated_points', 'withdrawn_money', 'rewards_redeemed', 'wallet_events',
];

/** Days since the epoch of a YYYY-MM-DD day, and back (calendar arithmetic, no time zone involved). */
const dayNumber = (day: string) => Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / 86_400_000;
const dayString = (n: number) => new Date(n * 86_400_000).toISOString().slice(0, 10);

/** The first day of the bucket after the one holding `day`, a year or so later: CSV pages end on bucket boundaries. */
function pageEnd(day: string, granularity: Granularity): string {
  if (granularity === 'month') return `${Number(day.slice(0, 4)) + 1}-${day.slice(5, 7)}-01`;
  if (granularity === 'week') {
    const n = dayNumber(day);
    const monday = n - ((new Date(n * 86_400_000).getUTCDay() + 6) % 7);
    return dayString(monday + 52 * 7);
  }
  return dayString(dayNumber(day) + 366);
}

/** The read side: series, impact, leaderboards, CSV, and the impact factors' versions. */
@Injectable()
export class MetricsQueryService {
  constructor(
    private readonly reads: MetricsReadRepository,
    private readonly factors: ImpactFactorsRepository,
    @Inject(MetricsServiceEnv) private readonly env: MetricsServiceEnv,
  ) {}

  /** Today in the metrics' time zone (YYYY-MM-DD). */
  today(): string {
    return new Intl.DateTimeFormat('en-CA', { timeZone: this.env.METRICS_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  }

  private range(q: { from?: string; to?: string }): { from: string; to: string } {
    const from = q.from ?? '1970-01-01';
    const to = q.to ?? this.today();
    if (from > to) throw new MetricsException('invalid_range', `from (${from}) is after to (${to})`);
    return { from, to };
  }

  async userSeries(userId: string, q: SeriesQuery) {
    const { from, to } = this.range(q);
    const granularity = q.granularity ?? 'day';
    const [series, dataAsOf] = await Promise.all([this.reads.series('user_metrics', userId, from, to, granularity), this.reads.dataAsOf()]);
    return { user_id: userId, from, to, granularity, time_zone: this.env.METRICS_TIME_ZONE, data_as_of: dataAsOf, days: series };
  }

  async systemSeries(q: SeriesQuery) {
    const { from, to } = this.range(q);
    const granularity = q.granularity ?? 'day';
    const [series, dataAsOf] = await Promise.all([this.systemRows(from, to, granularity), this.reads.dataAsOf()]);
    return { from, to, granularity, time_zone: this.env.METRICS_TIME_ZONE, data_as_of: dataAsOf, days: series };
  }

  private async systemRows(from: string, to: string, granularity: Granularity): Promise<SeriesRow[]> {
    const rows = await this.reads.series('system_metrics', null, from, to, granularity);
    if (granularity === 'day') return rows;
    const active = await this.reads.activeUsers(from, to, granularity);
    return rows.map((r) => ({ ...r, active_users: active.get(r.date) ?? 0 }));
  }

  /** CSV of a series (RFC 4180, UTF-8), produced a page of about a year at a time. A date range is required. */
  csv(userId: string | null, q: SeriesQuery): AsyncGenerator<string> {
    if (!q.from || !q.to) throw new MetricsException('date_range_required', 'a CSV export needs from and to');
    const { from, to } = this.range(q);
    return this.csvPages(userId, from, to, q.granularity ?? 'day');
  }

  private async *csvPages(userId: string | null, from: string, to: string, granularity: Granularity): AsyncGenerator<string> {
    const table = userId ? 'user_metrics' : 'system_metrics';
    const materials = await this.reads.materials(table, userId, from, to);
    const extra: (keyof SeriesRow)[] = userId ? [] : ['active_users', 'new_users'];
    const header: CsvCell[] = [granularity === 'day' ? 'date' : `${granularity}_start`, ...(userId ? ['user_id'] : []), ...CSV_FIGURES, ...extra, ...materials.map((m) => `${m} (g)`)];
    yield csvRecord(header);
    for (let start = from; start <= to; ) {
      const next = pageEnd(start, granularity);
      const end = next <= to ? dayString(dayNumber(next) - 1) : to;
      const rows = userId ? await this.reads.series('user_metrics', userId, start, end, granularity) : await this.systemRows(start, end, granularity);
      let chunk = '';
      for (const r of rows) {
        chunk += csvRecord([
          r.date, ...(userId ? [userId] : []), ...CSV_FIGURES.map((f) => r[f] as number), ...extra.map((f) => (r[f] as number | undefined) ?? 0),
          ...materials.map((m) => r.grams_by_material[m] ?? 0),
        ]);
      }
      if (chunk) yield chunk;
      start = next;
    }
  }

  /** Programme-wide collected weight, CO2 and water for local days, with the factor versions in force then. */
  async impact(q: { from?: string; to?: string }) {
    const { from, to } = this.range(q);
    const [totals, versions, dataAsOf] = await Promise.all([
      this.reads.impactTotals(from, to), this.factors.inForceBetween(from, to, this.env.METRICS_TIME_ZONE), this.reads.dataAsOf(),
    ]);
    const kg = (grams: number) => decimal(BigInt(grams), 3, 3);
    return {
      from, to, time_zone: this.env.METRICS_TIME_ZONE, data_as_of: dataAsOf,
      collections: totals.collections,
      grams_collected: totals.grams,
      kg_collected: kg(totals.grams),
      by_material: Object.entries(totals.by_material).sort(([a], [b]) => (a < b ? -1 : 1)).map(([material, grams]) => ({ material, grams, kg: kg(grams) })),
      co2_avoided_g: totals.co2_avoided_g,
      co2_avoided_kg: decimal(BigInt(totals.co2_avoided_g), 3, 3),
      water_saved_ml: totals.water_saved_ml,
      water_saved_l: decimal(BigInt(totals.water_saved_ml), 3, 3),
      trees_equivalent: treesEquivalent(BigInt(totals.co2_avoided_g)),
      factors: versions.map((v) => ({ version: v.version, effective_from: v.effective_from, source: v.source })),
    };
  }

  async leaderboard(q: { period?: LeaderboardPeriod; metric?: LeaderboardMetric; limit?: string; date?: string }, callerId: string | null) {
    const period = q.period ?? 'week';
    const metric = q.metric ?? 'kg';
    const limit = q.limit ? Number(q.limit) : 10;
    const p = await this.reads.period(period, q.date ?? null, this.env.METRICS_TIME_ZONE);
    // A closed period is served as it stood an hour after it ended, whatever arrives later.
    const frozen = p.closed && period !== 'all';
    if (frozen) await this.reads.freeze(period, p.start, metric, p.freezeAt!);
    const [rows, mine, dataAsOf] = await Promise.all([
      frozen ? this.reads.frozenBoard(period, p.start, metric, limit) : this.reads.leaderboard(period, p.start, metric, limit),
      callerId ? (frozen ? this.reads.frozenStanding(period, p.start, metric, callerId) : this.reads.standing(period, p.start, metric, callerId)) : Promise.resolve(null),
      this.reads.dataAsOf(),
    ]);
    const handle = (id: string) => maskedHandle(id, this.env.METRICS_HANDLE_KEY);
    return {
      period, metric, unit: UNITS[metric], period_start: p.start, period_end: p.end, time_zone: this.env.METRICS_TIME_ZONE, data_as_of: dataAsOf,
      frozen, frozen_at: frozen ? p.freezeAt!.toISOString() : null,
      entries: rows.map((r) => ({ rank: r.rank, handle: handle(r.user_id), value: r.value, ...(callerId === r.user_id ? { you: true } : {}) })),
      me: callerId && mine ? { rank: mine.rank, handle: handle(callerId), value: mine.value } : null,
    };
  }

  async impactFactors() {
    const versions = await this.factors.all();
    const now = Date.now();
    const current = [...versions].reverse().find((v) => Date.parse(v.effective_from) <= now) ?? null;
    return { current: current?.version ?? null, versions: versions.map(present) };
  }

  async putImpactFactors(dto: PutImpactFactorsDto, actor: string) {
    const from = dto.effective_from ? new Date(dto.effective_from) : new Date();
    // A version never reaches back: the facts already recorded keep the factors of their time.
    if (from.getTime() < Date.now() - 60_000) throw new MetricsException('invalid_impact_factors', 'effective_from may not be in the past');
    const codes = dto.materials.map((m) => m.material);
    if (new Set(codes).size !== codes.length) throw new MetricsException('invalid_impact_factors', 'each material may appear once');
    const materials = Object.fromEntries(dto.materials.map((m) => [m.material, { co2_g_per_kg: m.co2_g_per_kg, water_ml_per_kg: m.water_ml_per_kg }]));
    const version = await this.factors.add(from, dto.source, { co2_g_per_kg: dto.others.co2_g_per_kg, water_ml_per_kg: dto.others.water_ml_per_kg }, materials, actor);
    if (version === null) throw new MetricsException('impact_factors_clash', 'a version already takes effect at that time');
    const saved = (await this.factors.all()).find((v) => v.version === version)!;
    return present(saved);
  }
}

function present(v: ImpactFactorVersion) {
  return {
    version: v.version, effective_from: v.effective_from, source: v.source, others: v.others,
    materials: Object.entries(v.materials).sort(([a], [b]) => (a < b ? -1 : 1)).map(([material, f]) => ({ material, ...f })),
  };
}
