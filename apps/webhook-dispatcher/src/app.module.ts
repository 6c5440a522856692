import { Module, type DynamicModule } from '@nestjs/common';
import { idempotencyProviders, PlatformModule, SecretBox } from '@wozamali/platform';
import { WebhookDispatcherEnv } from './config/env';
import { EventFanoutConsumer } from './consumers/event-fanout.consumer';
import { DeliveriesController } from './controllers/deliveries.controller';
import { DeadLettersController } from './controllers/dead-letters.controller';
import { DeadLettersService } from './services/dead-letters.service';
import { EventTypesController } from './controllers/event-types.controller';
import { EndpointsController } from './controllers/endpoints.controller';
import { ExternalServicesController } from './controllers/external-services.controller';
import { SecretReseal } from './crypto/secret-reseal';
import { DeliveryWorker } from './delivery/delivery-worker';
import { RetentionJob } from './delivery/retention-job';
import { parseSchedule, RetryPolicy } from './delivery/retry-policy';
import { SigningKeys } from './delivery/signing-keys';
import { UrlGuard } from './delivery/url-guard';
import { migrations } from './migrations';
import { HealthProber } from './registry/health-prober';
import { DeliveryRepository } from './repositories/delivery.repository';
import { EndpointRepository } from './repositories/endpoint.repository';
import { ExternalServiceRepository } from './repositories/external-service.repository';
import { DeliveryService } from './services/delivery.service';
import { EndpointService } from './services/endpoint.service';
import { ExternalServicesService } from './services/external-service.service';
import { WebhookLifecycle } from './webhook.lifecycle';

@Module({})
export class AppModule {
  static register(env: WebhookDispatcherEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'webhook-dispatcher', env, migrations })],
      controllers: [EndpointsController, EventTypesController, DeliveriesController, ExternalServicesController, DeadLettersController, EventFanoutConsumer],
      providers: [
        { provide: WebhookDispatcherEnv, useValue: env },
        {
          provide: SecretBox,
          useValue: new SecretBox(env.WEBHOOK_SECRET_KEY, env.WEBHOOK_PREVIOUS_SECRET_KEYS.split(',').filter((k) => k.length > 0)),
        },
        SecretReseal,
        { provide: UrlGuard, useValue: new UrlGuard({ allowLoopback: env.WEBHOOK_ALLOW_LOOPBACK, allowPrivate: env.WEBHOOK_ALLOW_PRIVATE }) },
        {
          provide: RetryPolicy,
          useValue: new RetryPolicy({ schedule: parseSchedule(env.WEBHOOK_RETRY_SCHEDULE), jitter: env.WEBHOOK_RETRY_JITTER, retryAfterMaxMs: env.WEBHOOK_RETRY_AFTER_MAX_MS }),
        },
        EndpointRepository,
        DeliveryRepository,
        ExternalServiceRepository,
        EndpointService,
        DeliveryService,
        ExternalServicesService,
        SigningKeys,
        DeliveryWorker,
        RetentionJob,
        HealthProber,
        DeadLettersService,
        WebhookLifecycle,
        // Every POST takes an Idempotency-Key (the platform's one implementation).
        ...idempotencyProviders(),
      ],
    };
  }
}
