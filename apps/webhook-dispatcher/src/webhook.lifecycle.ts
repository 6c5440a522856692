import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DEV_WEBHOOK_SECRET_KEY, WebhookDispatcherEnv } from './config/env';
import { DeliveryWorker } from './delivery/delivery-worker';
import { RetentionJob } from './delivery/retention-job';
import { SecretReseal } from './crypto/secret-reseal';
import { HealthProber } from './registry/health-prober';

/**
 * After boot: starts the delivery workers, the retention job and health probes, and re-seals endpoint
 * secrets under the current key; stops them while the database is still up.
 */
@Injectable()
export class WebhookLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WebhookDispatcher');

  private resealing: Promise<unknown> | null = null;

  constructor(
    private readonly env: WebhookDispatcherEnv,
    private readonly worker: DeliveryWorker,
    private readonly prober: HealthProber,
    private readonly retention: RetentionJob,
    private readonly reseal: SecretReseal,
  ) {}

  onApplicationBootstrap(): void {
    if (this.env.WEBHOOK_SECRET_KEY === DEV_WEBHOOK_SECRET_KEY) this.logger.warn('WEBHOOK_SECRET_KEY is the development key: set a real one outside development');
    if (this.env.WEBHOOK_WORKERS_ENABLED) {
      this.worker.start();
      this.retention.start();
    }
    if (this.env.HEALTH_PROBES_ENABLED) this.prober.start();
    this.resealing = this.reseal.run().catch((err: Error) => this.logger.warn(`re-sealing endpoint secrets failed; the next start retries: ${err.message}`));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.resealing;
    await this.prober.stop();
    await this.retention.stop();
    await this.worker.stop();
  }
}
