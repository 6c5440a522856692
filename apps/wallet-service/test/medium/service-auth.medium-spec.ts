import { validateEnv } from '@wozamali/config';
import { buildService } from '@wozamali/platform';
import { describeServiceAuth } from '@wozamali/testing';
import { AppModule } from '../../src/app.module';
import { callers } from '../../src/config/callers';
import { WalletServiceEnv } from '../../src/config/env';
import { migrations } from '../../src/migrations';

// Straight on its port, past the gateway: nothing without a valid service token from a listed caller.
describeServiceAuth({
  service: 'wallet-service',
  migrations,
  minRoutes: 18,
  // The metrics-service reads the day report: a service the table does not list at all.
  stranger: 'webhook-dispatcher',
  build: async (env) => (await buildService({ service: 'wallet-service', envClass: WalletServiceEnv, module: (e) => AppModule.register(e), callers }, validateEnv(WalletServiceEnv, { ...process.env, ...env }))).app,
});
