import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { PeriodicJob } from '@wozamali/platform';
import { MetricsServiceEnv } from '../config/env';
import { MetricsReadRepository, type LeaderboardMetric, type LeaderboardPeriod } from '../repositories/metrics-read.repository';

const PERIODS: LeaderboardPeriod[] = ['week', 'month', 'year'];
const METRICS: LeaderboardMetric[] = ['kg', 'points', 'co2'];

/**
 * Freezes the boards of the periods that closed (an hour after their last local day), soon after
 * they close: what a resident sees of last week stays what it was then. A board nobody froze is
 * frozen by its first read instead.
 */
@Injectable()
export class LeaderboardFreezeJob implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly job: PeriodicJob<number>;

  constructor(private readonly reads: MetricsReadRepository, @Inject(MetricsServiceEnv) private readonly env: MetricsServiceEnv) {
    this.job = new PeriodicJob({ name: 'LeaderboardFreeze', intervalMs: env.METRICS_FREEZE_INTERVAL_MS, runOnStart: true, logger: new Logger('LeaderboardFreeze') }, () => this.freezeClosed());
  }

  onApplicationBootstrap(): void {
    if (this.env.METRICS_JOBS_ENABLED) this.job.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.job.stop();
  }

  runOnce(): Promise<number> {
    return this.job.runOnce();
  }

  /** Freezes the last closed week, month and year (each metric); returns how many boards it froze now. */
  private async freezeClosed(now = new Date()): Promise<number> {
    // The period before the one holding the local day of an hour ago: the latest that may have closed.
    const anHourAgo = new Date(now.getTime() - 3_600_000);
    const local = new Intl.DateTimeFormat('en-CA', { timeZone: this.env.METRICS_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(anHourAgo);
    let frozen = 0;
    for (const period of PERIODS) {
      const current = await this.reads.period(period, local, this.env.METRICS_TIME_ZONE);
      const dayBefore = new Date(Date.parse(`${current.start}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
      const p = await this.reads.period(period, dayBefore, this.env.METRICS_TIME_ZONE);
      if (!p.closed) continue;
      for (const metric of METRICS) if (await this.reads.freeze(period, p.start, metric, p.freezeAt!)) frozen += 1;
    }
    return frozen;
  }
}
