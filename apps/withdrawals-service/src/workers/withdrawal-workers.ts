import { Injectable } from '@nestjs/common';
import { PeriodicJob } from '@wozamali/platform';
import { WithdrawalsServiceEnv } from '../config/env';
import { DisbursementPayoutService } from '../services/disbursement-payout.service';
import { PayoutService } from '../services/payout.service';
import { WithdrawalService } from '../services/withdrawal.service';

/**
 * The periodic work: `requested` rows get their hold with the same key and body (or fail with the
 * wallet's refusal); undecided requests expire with their holds voided; approved payouts are sent
 * and processing ones asked about on their polling schedule; the daily reconciliation runs once a day.
 */
@Injectable()
export class WithdrawalWorkers {
  readonly requested: PeriodicJob<number>;
  readonly expiry: PeriodicJob<number>;
  readonly payouts: PeriodicJob<number>;
  readonly reconciliation: PeriodicJob<boolean>;
  readonly disbursementPayouts: PeriodicJob<number>;
  private readonly onlyDisbursements: boolean;

  constructor(service: WithdrawalService, payouts: PayoutService, env: WithdrawalsServiceEnv, disbursements: DisbursementPayoutService) {
    this.requested = new PeriodicJob({ name: 'RequestedHolds', intervalMs: env.WITHDRAWAL_WORKER_INTERVAL_MS, runOnStart: true }, () => service.retryRequestedHolds());
    this.expiry = new PeriodicJob({ name: 'WithdrawalExpiry', intervalMs: Math.max(env.WITHDRAWAL_WORKER_INTERVAL_MS, 60_000) }, () => service.expireUndecided());
    this.payouts = new PeriodicJob({ name: 'Payouts', intervalMs: env.WITHDRAWAL_WORKER_INTERVAL_MS, runOnStart: true }, async () => (await payouts.dispatchApproved()) + (await payouts.pollDue()));
    this.disbursementPayouts = new PeriodicJob({ name: 'DisbursementPayouts', intervalMs: env.WITHDRAWAL_WORKER_INTERVAL_MS, runOnStart: true }, () => disbursements.pollDue());
    this.onlyDisbursements = env.WITHDRAWAL_WORKER_ONLY_DISBURSEMENTS;
    this.reconciliation = new PeriodicJob({ name: 'Reconciliation', intervalMs: 10 * 60_000, runOnStart: true }, () => payouts.reconcileIfDue());
  }

  start(): void {
    this.disbursementPayouts.start();
    if (this.onlyDisbursements) return;
    this.requested.start();
    this.expiry.start();
    this.payouts.start();
    this.reconciliation.start();
  }

  async stop(): Promise<void> {
    await this.requested.stop();
    await this.expiry.stop();
    await this.payouts.stop();
    await this.reconciliation.stop();
    await this.disbursementPayouts.stop();
  }
}
