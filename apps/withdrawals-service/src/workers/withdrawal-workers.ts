import { Injectable } from '@nestjs/common';
import { PeriodicJob } from '@wozamali/platform';
import { WithdrawalsServiceEnv } from '../config/env';
import { WithdrawalService } from '../services/withdrawal.service';

/**
 * The periodic work of the request path: `requested` rows get their hold with the same key and body
 * (or fail with the wallet's refusal), and undecided requests expire with their holds voided.
 */
@Injectable()
export class WithdrawalWorkers {
  readonly requested: PeriodicJob<number>;
  readonly expiry: PeriodicJob<number>;

  constructor(service: WithdrawalService, env: WithdrawalsServiceEnv) {
    this.requested = new PeriodicJob({ name: 'RequestedHolds', intervalMs: env.WITHDRAWAL_WORKER_INTERVAL_MS, runOnStart: true }, () => service.retryRequestedHolds());
    this.expiry = new PeriodicJob({ name: 'WithdrawalExpiry', intervalMs: Math.max(env.WITHDRAWAL_WORKER_INTERVAL_MS, 60_000) }, () => service.expireUndecided());
  }

  start(): void {
    this.requested.start();
    this.expiry.start();
  }

  async stop(): Promise<void> {
    await this.requested.stop();
    await this.expiry.stop();
  }
}
