import { validateEnv } from '@wozamali/config';
import { buildService } from '@wozamali/platform';
import { describeServiceAuth } from '@wozamali/testing';
import { AppModule } from '../../src/app.module';
import { callers } from '../../src/config/callers';
import { DonationsServiceEnv } from '../../src/config/env';
import { migrations } from '../../src/migrations';

// Straight on its port, past the gateway: nothing without a valid service token from a listed caller.
describeServiceAuth({
  service: 'donations-service',
  migrations,
  minRoutes: 20,
  build: async (env) => (await buildService({ service: 'donations-service', envClass: DonationsServiceEnv, module: (e) => AppModule.register(e), callers }, validateEnv(DonationsServiceEnv, { ...process.env, ...env }))).app,
});
