import { Injectable, Logger } from '@nestjs/common';
import { PeriodicJob } from '@wozamali/platform';
import CircuitBreaker from 'opossum';
import { WebhookDispatcherEnv } from '../config/env';
import { HttpSender } from '../delivery/http-sender';
import { UrlGuard } from '../delivery/url-guard';
import { ExternalServiceRepository } from '../repositories/external-service.repository';

/** Probes the `health_url` of registered services on an interval, each behind its own breaker. */
@Injectable()
export class HealthProber {
  private readonly logger = new Logger('HealthProber');
  private readonly sender: HttpSender;
  private readonly breakers = new Map<string, CircuitBreaker<[string], void>>();
  /** Looks for due services often (at most every 10 s); each is probed once per interval across instances. */
  private readonly job: PeriodicJob;

  constructor(private readonly env: WebhookDispatcherEnv, private readonly services: ExternalServiceRepository, guard: UrlGuard) {
    this.sender = new HttpSender({ timeoutMs: Math.min(env.WEBHOOK_TIMEOUT_MS, 10_000), maxSocketsPerHost: 2, guard });
    this.job = new PeriodicJob({ name: 'HealthProber', intervalMs: Math.min(env.HEALTH_PROBE_INTERVAL_MS, 10_000), logger: this.logger }, () => this.probeDue());
  }

  start(): void {
    this.job.start();
  }

  async stop(): Promise<void> {
    await this.job.stop();
    for (const b of this.breakers.values()) b.shutdown();
    this.sender.destroy();
  }

  async probeDue(): Promise<void> {
    try {
      const due = await this.services.claimDueProbes(this.env.HEALTH_PROBE_INTERVAL_MS, 50);
      await Promise.all(due.map(async (s) => {
        try {
          await this.breakerFor(s.id).fire(s.health_url);
          await this.services.recordProbe(s.id, true, null);
        } catch (err) {
          await this.services.recordProbe(s.id, false, (err as Error).message.slice(0, 500));
        }
      }));
    } catch (err) {
      this.logger.warn(`health probes failed: ${(err as Error).message}`);
    }
  }

  private breakerFor(id: string): CircuitBreaker<[string], void> {
    let breaker = this.breakers.get(id);
    if (!breaker) {
      breaker = new CircuitBreaker(async (url: string) => {
        const res = await this.sender.get(url);
        if (res.statusCode === null || res.statusCode < 200 || res.statusCode >= 300) throw new Error(res.error ?? `HTTP ${res.statusCode}`);
      }, { timeout: false, errorThresholdPercentage: 50, volumeThreshold: 3, resetTimeout: this.env.HEALTH_PROBE_INTERVAL_MS * 5, name: `probe:${id}` });
      this.breakers.set(id, breaker);
    }
    return breaker;
  }
}
