import 'reflect-metadata';
import { validateEnv } from '@wozamali/config';
import { PayoutSandboxEnv } from './config/env';
import { startPayoutSandbox } from './sandbox/server';

// The payout sandbox: a stand-in for an external payment provider (development and tests only).
async function main(): Promise<void> {
  const env = validateEnv(PayoutSandboxEnv);
  if (env.PAYOUT_SANDBOX_CALLBACK_URL && !env.PAYOUT_SANDBOX_WEBHOOK_SECRET) {
    throw new Error('invalid environment: PAYOUT_SANDBOX_WEBHOOK_SECRET is required when PAYOUT_SANDBOX_CALLBACK_URL is set');
  }
  const sandbox = await startPayoutSandbox({
    port: env.PORT,
    host: env.HOST,
    callbackUrl: env.PAYOUT_SANDBOX_CALLBACK_URL,
    webhookSecret: env.PAYOUT_SANDBOX_WEBHOOK_SECRET,
    processingAfterMs: env.PAYOUT_SANDBOX_PROCESSING_AFTER_MS,
    settleAfterMs: env.PAYOUT_SANDBOX_SETTLE_AFTER_MS,
    callbackRetryDelaysMs: env.PAYOUT_SANDBOX_CALLBACK_RETRY_MS.split(',').map(Number),
    reportTimeZone: env.PAYOUT_SANDBOX_REPORT_TIME_ZONE,
    logLevel: env.LOG_LEVEL,
    stateFile: env.PAYOUT_SANDBOX_STATE_FILE,
  });
  const stop = (): void => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'error', service: 'payout-sandbox', msg: (err as Error).message })}\n`);
  process.exit(1);
});
