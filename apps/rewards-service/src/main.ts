import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Topics } from '@wozamali/contracts';
import type { KafkaInboxServer } from '@wozamali/messaging';
import { buildService, runService, type RunServiceOptions } from '@wozamali/platform';
import { AppModule } from './app.module';
import { callers } from './config/callers';
import { RewardsServiceEnv } from './config/env';

/** The rewards-service consumes the wallet's `tier_update` and the donations' `donation_create` (badges). */
export const REWARDS_SERVICE: RunServiceOptions<RewardsServiceEnv> = {
  service: 'rewards-service',
  envClass: RewardsServiceEnv,
  module: (env) => AppModule.register(env),
  callers,
  consumes: [Topics.wallet, Topics.donations],
};

/** The app and its inbox transport (not started), as `main` builds them. */
export function buildRewards(env: RewardsServiceEnv): Promise<{ app: NestFastifyApplication; inbox: KafkaInboxServer | null }> {
  return buildService(REWARDS_SERVICE, env);
}

if (require.main === module) void runService(REWARDS_SERVICE);
