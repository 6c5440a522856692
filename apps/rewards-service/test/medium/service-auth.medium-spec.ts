import { validateEnv } from '@wozamali/config';
import { buildService } from '@wozamali/platform';
import { describeServiceAuth } from '@wozamali/testing';
import { AppModule } from '../../src/app.module';
import { callers } from '../../src/config/callers';
import { RewardsServiceEnv } from '../../src/config/env';
import { migrations } from '../../src/migrations';

// Straight on its port, past the gateway: nothing without a valid service token from a listed caller.
describeServiceAuth({
  service: 'rewards-service',
  migrations,
  minRoutes: 12,
  build: async (env) => (await buildService({ service: 'rewards-service', envClass: RewardsServiceEnv, module: (e) => AppModule.register(e), callers }, validateEnv(RewardsServiceEnv, { ...process.env, ...env }))).app,
});
