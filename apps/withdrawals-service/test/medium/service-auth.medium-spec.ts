import { validateEnv } from '@wozamali/config';
import { buildService } from '@wozamali/platform';
import { describeServiceAuth } from '@wozamali/testing';
import { AppModule } from '../../src/app.module';
import { callers } from '../../src/config/callers';
import { WithdrawalsServiceEnv } from '../../src/config/env';
import { migrations } from '../../src/migrations';

// Straight on its port, past the gateway: nothing without a valid service token from a listed caller.
describeServiceAuth({
  service: 'withdrawals-service',
  migrations,
  minRoutes: 0,
  build: async (env) => (await buildService({ service: 'withdrawals-service', envClass: WithdrawalsServiceEnv, module: (e) => AppModule.register(e), callers }, validateEnv(WithdrawalsServiceEnv, { ...process.env, ...env }))).app,
});
