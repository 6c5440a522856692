import { execFile, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { DisposableBroker, ROOT, serverUrl, uniqueName } from '@wozamali/testing';
import { startBuiltService, startGateway, type RunningGateway } from '../medium/gateway-harness';

const exec = promisify(execFile);

// The whole platform for a gateway e2e file: the six built services (as `npm start` runs them) on
// databases and a broker of the file's own, behind the real gateway. The contract test and the SDK
// test start it the same way.

/** The withdrawals-service's development secret for the payment provider's callbacks (its default; tests sign callbacks with it). */
export const PAYOUT_WEBHOOK_SECRET = 'whsec_ZGV2LW9ubHktd296YW1hbGktcGF5b3V0LXNhbmRib3g=';
/** A bank account destination that passes validation. */
export const BANK = { bank_name: 'First National Bank', account_holder: 'Thandi Nkosi', account_number: '62001234567', branch_code: '250655' };
/** A South African tax year runs March to February and is named by the year it ends in. */
export const taxYear = (d = new Date()): number => d.getUTCFullYear() + (d.getUTCMonth() >= 2 ? 1 : 0);

export type PlatformService = 'wallet-service' | 'webhook-dispatcher' | 'withdrawals-service' | 'donations-service' | 'metrics-service' | 'rewards-service';

export interface Platform {
  gw: RunningGateway;
  urls: Record<PlatformService, string>;
  close(): Promise<void>;
}

export interface PlatformOptions {
  /** Suffix of the database prefix and the Redis key prefix (one per test file). */
  name: string;
  /** The file's own broker port (jest may run two gateway e2e files at once). */
  brokerPort: number;
  /** Extra environment per service (added to the platform's own). */
  env?: Partial<Record<PlatformService, Record<string, string>>>;
}

export async function startPlatform(o: PlatformOptions): Promise<Platform> {
  const prefix = `${process.env.DB_PREFIX || 'wozamali_test'}_${o.name}`;
  const broker = new DisposableBroker(o.brokerPort);
  const children: ChildProcess[] = [];
  const close = async (gw?: RunningGateway) => {
    await gw?.close();
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
    await broker.stop();
  };
  try {
    await broker.start();
    const env = { ...process.env, DB_PREFIX: prefix, KAFKA_BROKERS: broker.brokers, DATABASE_URL: serverUrl() };
    await exec(process.execPath, [path.join(ROOT, 'scripts/kafka-topics.js')], { env });
    await exec(process.execPath, [path.join(ROOT, 'scripts/migrate.js'), '--reset', 'wallet-service', 'webhook-dispatcher', 'rewards-service', 'donations-service', 'withdrawals-service', 'metrics-service'], { env });
    // Small pools: the machine's PostgreSQL is shared by many test processes.
    const small = { DB_POOL_SIZE: '4' };
    const start = (name: PlatformService, own: Record<string, string>) => startBuiltService(name, { ...small, ...own, ...(o.env?.[name] ?? {}) }, { prefix, brokers: broker.brokers, children });
    const [walletUrl, webhooksUrl] = await Promise.all([
      start('wallet-service', {}),
      start('webhook-dispatcher', { WEBHOOK_ALLOW_LOOPBACK: 'true', HEALTH_PROBES_ENABLED: 'false' }),
    ]);
    // Nothing listens on the payment provider's port: payouts stay unsent (no money needs to leave).
    const withdrawalsUrl = await start('withdrawals-service', { WALLET_SERVICE_URL: walletUrl, PAYOUT_PROVIDER_URL: 'http://127.0.0.1:9', PAYOUT_WEBHOOK_SECRET });
    const [donationsUrl, metricsUrl] = await Promise.all([
      start('donations-service', { WRITE_CONCURRENCY: '2', WALLET_SERVICE_URL: walletUrl, WITHDRAWALS_SERVICE_URL: withdrawalsUrl }),
      start('metrics-service', { WALLET_SERVICE_URL: walletUrl }),
    ]);
    const rewardsUrl = await start('rewards-service', { WALLET_SERVICE_URL: walletUrl, DONATIONS_SERVICE_URL: donationsUrl, KAFKA_CONSUMERS_ENABLED: 'false' });
    const gw = await startGateway({
      WALLET_SERVICE_URL: walletUrl, WEBHOOKS_SERVICE_URL: webhooksUrl, REWARDS_SERVICE_URL: rewardsUrl, DONATIONS_SERVICE_URL: donationsUrl,
      WITHDRAWALS_SERVICE_URL: withdrawalsUrl, METRICS_SERVICE_URL: metricsUrl, REDIS_KEY_PREFIX: uniqueName(o.name),
    });
    return {
      gw,
      urls: { 'wallet-service': walletUrl, 'webhook-dispatcher': webhooksUrl, 'withdrawals-service': withdrawalsUrl, 'donations-service': donationsUrl, 'metrics-service': metricsUrl, 'rewards-service': rewardsUrl },
      close: () => close(gw),
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
