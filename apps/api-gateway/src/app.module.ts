import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { IDEMPOTENCY_CALLER, PlatformModule, type IdempotencyCaller } from '@wozamali/platform';
import { AuditModule } from './audit/audit.module';
import { Authenticator } from './auth/authenticator.service';
import { FEED_MAX_WAIT_MS, WalletCacheFeed } from './cache/wallet-cache-feed';
import { WalletReadCache } from './cache/wallet-read-cache';
import type { ApiGatewayEnv } from './config/env';
import { ApiKeysController } from './controllers/api-keys.controller';
import { ProxyController } from './controllers/proxy.controller';
import { GatewayGuard, type GatewayRequest } from './guards/gateway.guard';
import { migrations } from './migrations';
import { BackendClient } from './proxy/backend-client';
import { ProxyService } from './proxy/proxy.service';
import { RateLimiter } from './rate-limit/rate-limiter';
import { ApiKeyRepository } from './repositories/api-key.repository';
import { RouteTable } from './routing/route-table';
import { ApiKeyService } from './services/api-key.service';

@Injectable()
class GatewayLifecycle implements OnApplicationShutdown {
  constructor(@Inject(RateLimiter) private readonly limiter: RateLimiter, @Inject(BackendClient) private readonly backends: BackendClient) {}
  async onApplicationShutdown(): Promise<void> {
    this.backends.close();
    await this.limiter.close();
  }
}

const gatewayCaller: IdempotencyCaller = (req) => {
  const p = (req as GatewayRequest).gateway?.principal;
  if (!p) return 'anonymous';
  return p.type === 'service' ? `service:${p.serviceId}` : `user:${p.userId}`;
};

@Module({})
export class AppModule {
  static register(env: ApiGatewayEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'api-gateway', env, migrations }), AuditModule],
      controllers: [ApiKeysController, ProxyController],
      providers: [
        ApiKeyRepository,
        ApiKeyService,
        Authenticator,
        ProxyService,
        { provide: RouteTable, useValue: new RouteTable() },
        { provide: RateLimiter, useFactory: () => new RateLimiter({ redisUrl: env.REDIS_URL, prefix: env.REDIS_KEY_PREFIX || `${env.DB_PREFIX}:gateway`, windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS }) },
        {
          provide: BackendClient,
          useFactory: () => new BackendClient({
            urls: {
              wallet: env.WALLET_SERVICE_URL, rewards: env.REWARDS_SERVICE_URL, donations: env.DONATIONS_SERVICE_URL,
              withdrawals: env.WITHDRAWALS_SERVICE_URL, metrics: env.METRICS_SERVICE_URL, webhooks: env.WEBHOOKS_SERVICE_URL,
            },
            timeoutMs: env.BACKEND_TIMEOUT_MS,
            resetMs: env.BREAKER_RESET_MS,
          }),
        },
        {
          provide: WalletReadCache,
          useFactory: () => new WalletReadCache({
            ttlMs: env.GATEWAY_WALLET_CACHE_TTL_MS, maxEntries: env.GATEWAY_WALLET_CACHE_MAX_ENTRIES,
            maxFeedSilenceMs: 8 * FEED_MAX_WAIT_MS, maxReadMs: env.BACKEND_TIMEOUT_MS,
          }),
        },
        WalletCacheFeed,
        GatewayLifecycle,
        { provide: APP_GUARD, useClass: GatewayGuard },
        // The gateway's own POSTs scope idempotency keys by the authenticated principal, never by a header.
        { provide: IDEMPOTENCY_CALLER, useValue: gatewayCaller },
      ],
    };
  }
}
