import { Injectable, Logger } from '@nestjs/common';
import { PeriodicJob, ServiceMetrics } from '@wozamali/platform';
import { WebhookDispatcherEnv } from '../config/env';
import { DeliveryRepository } from '../repositories/delivery.repository';

const DAY_MS = 24 * 3600_000;
/** Messages looked at per statement, so no run holds many row locks or writes a huge WAL burst. */
const BATCH = 1000;
/** Longest a run keeps deleting; the next run goes on. */
const RUN_BUDGET_MS = 10_000;

/**
 * Deletes finished deliveries, their attempts and their messages once they are
 * `WEBHOOK_RETENTION_DAYS` old, in bounded batches every `WEBHOOK_RETENTION_INTERVAL_MS`. Several
 * dispatcher processes may run it at once: a row one of them deletes the other skips.
 */
@Injectable()
export class RetentionJob {
  private readonly logger = new Logger('WebhookRetention');
  private readonly job: PeriodicJob<{ deliveries: number; messages: number }>;
  readonly stats = { runs: 0, deliveries: 0, messages: 0 };

  constructor(private readonly env: WebhookDispatcherEnv, private readonly repo: DeliveryRepository, metrics: ServiceMetrics) {
    metrics.gauge('webhook_retention_deleted_deliveries', 'Finished deliveries deleted past retention, since start', () => this.stats.deliveries);
    metrics.gauge('webhook_retention_deleted_messages', 'Messages deleted past retention, since start', () => this.stats.messages);
    this.job = new PeriodicJob({ name: 'WebhookRetention', intervalMs: env.WEBHOOK_RETENTION_INTERVAL_MS, logger: this.logger }, () => this.prune(RUN_BUDGET_MS));
  }

  start(): void {
    this.job.start();
  }

  stop(): Promise<void> {
    return this.job.stop();
  }

  /** One run now (or the one in progress): what it deleted. */
  runOnce(): Promise<{ deliveries: number; messages: number }> {
    return this.job.runOnce();
  }

  /** Batches until nothing is left past retention or `budgetMs` has passed. */
  private async prune(budgetMs: number): Promise<{ deliveries: number; messages: number }> {
    const deadline = Date.now() + budgetMs;
    const total = { deliveries: 0, messages: 0 };
    for (;;) {
      const { deliveries, messages } = await this.repo.pruneFinished(this.env.WEBHOOK_RETENTION_DAYS * DAY_MS, BATCH);
      total.deliveries += deliveries;
      total.messages += messages;
      if ((deliveries === 0 && messages < BATCH) || Date.now() > deadline) break;
    }
    this.stats.runs += 1;
    this.stats.deliveries += total.deliveries;
    this.stats.messages += total.messages;
    if (total.messages + total.deliveries > 0) {
      this.logger.log(`deleted ${total.deliveries} finished deliveries and ${total.messages} messages older than ${this.env.WEBHOOK_RETENTION_DAYS} days`);
    }
    return total;
  }
}
