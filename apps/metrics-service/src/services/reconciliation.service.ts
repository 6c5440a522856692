import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ServiceTokenSigner } from '@wozamali/auth';
import { PeriodicJob, ServiceMetrics } from '@wozamali/platform';
import { WalletClient } from '@wozamali/wallet-client';
import { DataSource } from 'typeorm';
import { MetricsServiceEnv } from '../config/env';
import { metricsSide, reconcile, type Difference } from '../domain/reconcile';
import { MetricsException } from '../errors/metrics.exception';
import { LedgerUnavailable, WalletApiLedgerSource, type LedgerDaySource } from '../ledger/ledger-day-source';

export interface ReconciliationReport {
  date: string;
  time_zone: string;
  source: string;
  checked_at: string;
  data_as_of: string | null;
  users_compared: number;
  differences: Difference[];
}

/**
 * The metrics against the ledger, per user and asset for a local day: earned, spent, donated,
 * withdrawn. On demand (`GET /v1/metrics/reconciliation?date=`) and daily for yesterday; the last
 * result per day is kept, and the latest day's count of differences is a gauge on /metrics.
 */
@Injectable()
export class ReconciliationService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly source: LedgerDaySource;
  private readonly job: PeriodicJob<ReconciliationReport | null>;
  private readonly logger = new Logger('Reconciliation');

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(MetricsServiceEnv) private readonly env: MetricsServiceEnv,
    signer: ServiceTokenSigner,
    metrics: ServiceMetrics,
  ) {
    // The wallet owns its database: its side of a day comes from its API, never from its tables.
    this.source = new WalletApiLedgerSource(new WalletClient({
      baseUrl: env.WALLET_SERVICE_URL, serviceId: 'metrics-service', timeoutMs: 30_000,
      authHeaders: async (audience) => ({ authorization: `Bearer ${await signer.token(audience)}` }),
    }));
    this.job = new PeriodicJob({ name: 'Reconciliation', intervalMs: env.METRICS_RECONCILE_INTERVAL_MS, runOnStart: true, logger: this.logger }, () => this.daily());
    metrics.gauge('metrics_reconciliation_differences', 'Figures (user, asset, figure) where the metrics differ from the ledger, on the latest day reconciled; NaN before any', async () => {
      const [row] = (await this.ds.query(`select differences from metrics_reconciliations where status = 'ok' order by day desc limit 1`)) as { differences: number }[];
      return row ? Number(row.differences) : Number.NaN;
    });
    metrics.gauge('metrics_reconciliation_unavailable', '1 when the last attempt at reconciling yesterday found the ledger unavailable', async () => {
      const [row] = (await this.ds.query(`select status from metrics_reconciliations order by day desc limit 1`)) as { status: string }[];
      return row?.status === 'unavailable' ? 1 : 0;
    });
  }

  onApplicationBootstrap(): void {
    if (this.env.METRICS_JOBS_ENABLED) this.job.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.job.stop();
    await this.source.close();
  }

  /** The daily run: yesterday (local), unless it is already reconciled. */
  runDaily(): Promise<ReconciliationReport | null> {
    return this.job.runOnce();
  }

  private async daily(): Promise<ReconciliationReport | null> {
    const [row] = (await this.ds.query(
      `select to_char((now() at time zone $1::text)::date - 1, 'YYYY-MM-DD') as day,
              exists (select 1 from metrics_reconciliations where day = (now() at time zone $1::text)::date - 1 and status = 'ok') as done`,
      [this.env.METRICS_TIME_ZONE],
    )) as { day: string; done: boolean }[];
    if (row!.done) return null;
    const report = await this.reconcile(row!.day);
    if (report.differences.length > 0) this.logger.warn(`${row!.day}: ${report.differences.length} figures differ from the ledger`);
    return report;
  }

  /** Compares a day now and keeps the result; 503 `ledger_unavailable` when the ledger can't be read. */
  async reconcile(date: string): Promise<ReconciliationReport> {
    const tz = this.env.METRICS_TIME_ZONE;
    let ledger;
    try {
      ledger = await this.source.userDays(date, tz);
    } catch (err) {
      if (!(err instanceof LedgerUnavailable)) throw err;
      await this.keep(date, 'unavailable', []);
      throw new MetricsException('ledger_unavailable', `the ledger could not be read (${this.source.name}): ${err.message}`);
    }
    const rows = (await this.ds.query(
      `select user_id, money_earned, money_spent, points_earned, points_spent, donated_money, donated_points, withdrawn_money from user_metrics where date = $1`,
      [date],
    )) as Parameters<typeof metricsSide>[0][];
    const differences = reconcile(rows.flatMap(metricsSide), ledger);
    const checkedAt = await this.keep(date, 'ok', differences);
    const [asOf] = (await this.ds.query('select max(event_occurred_at) as at from metric_facts')) as { at: Date | null }[];
    const users = new Set([...rows.map((r) => r.user_id), ...ledger.map((l) => l.user_id.toLowerCase())]);
    return {
      date, time_zone: tz, source: this.source.name, checked_at: checkedAt, data_as_of: asOf?.at ? asOf.at.toISOString() : null, users_compared: users.size, differences,
    };
  }

  private async keep(date: string, status: 'ok' | 'unavailable', differences: Difference[]): Promise<string> {
    const [row] = (await this.ds.query(
      `insert into metrics_reconciliations (day, source, status, differences, details) values ($1, $2, $3, $4, $5)
       on conflict (day) do update set checked_at = now(), source = excluded.source, status = excluded.status,
                                       differences = excluded.differences, details = excluded.details
       returning checked_at`,
      [date, this.source.name, status, differences.length, JSON.stringify(differences.slice(0, 1000))],
    )) as { checked_at: Date }[];
    return row!.checked_at.toISOString();
  }
}
