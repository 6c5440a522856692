import { validateEnv } from '@wozamali/config';
import { buildService } from '@wozamali/platform';
import { describeServiceAuth } from '@wozamali/testing';
import { AppModule } from '../../src/app.module';
import { callers } from '../../src/config/callers';
import { MetricsServiceEnv } from '../../src/config/env';
import { migrations } from '../../src/migrations';

// Straight on its port, past the gateway: nothing without a valid service token from a listed caller.
describeServiceAuth({
  service: 'metrics-service',
  migrations,
  minRoutes: 2,
  build: async (env) => (await buildService({ service: 'metrics-service', envClass: MetricsServiceEnv, module: (e) => AppModule.register(e), callers }, validateEnv(MetricsServiceEnv, { ...process.env, ...env, METRICS_JOBS_ENABLED: 'false' }))).app,
});
