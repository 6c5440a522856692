import { describeServiceAuth } from '@wozamali/testing';
import { buildDispatcher } from '../../src/main';
import { migrations } from '../../src/migrations';
import { dispatcherEnv } from '../support/dispatcher';

// Straight on its port, past the gateway: nothing without a valid service token from a listed caller.
describeServiceAuth({
  service: 'webhook-dispatcher',
  migrations,
  minRoutes: 19,
  build: async (env) => (await buildDispatcher(dispatcherEnv(env.DB_PREFIX!, env))).app,
});
