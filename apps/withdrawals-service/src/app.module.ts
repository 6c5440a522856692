import { Module, type DynamicModule } from '@nestjs/common';
import { ServiceTokenSigner } from '@wozamali/auth';
import { idempotencyProviders, PlatformModule, SecretBox } from '@wozamali/platform';
import { WalletClient } from '@wozamali/wallet-client';
import { WithdrawalsServiceEnv } from './config/env';
import { AnswerStatusHook } from './controllers/answer-status';
import { CallbackHooks } from './controllers/callback-hooks';
import { AdminWithdrawalsController, DisbursementPayoutsController, PayoutCallbackController, ReconciliationsController, UserWithdrawalsController } from './controllers/withdrawals.controller';
import { parseProviderUrls, PayoutProviders } from './payout/payout-providers';
import { PayoutService } from './services/payout.service';
import { DisbursementPayoutService } from './services/disbursement-payout.service';
import { migrations } from './migrations';
import { WithdrawalRepository } from './repositories/withdrawal.repository';
import { DestinationReseal } from './services/destination-reseal';
import { WithdrawalService } from './services/withdrawal.service';
import { WithdrawalsLifecycle } from './withdrawals.lifecycle';
import { WithdrawalWorkers } from './workers/withdrawal-workers';

@Module({})
export class AppModule {
  static register(env: WithdrawalsServiceEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService({ service: 'withdrawals-service', env, migrations })],
      controllers: [UserWithdrawalsController, ReconciliationsController, PayoutCallbackController, AdminWithdrawalsController, DisbursementPayoutsController],
      providers: [
        { provide: WithdrawalsServiceEnv, useValue: env },
        {
          provide: SecretBox,
          useValue: new SecretBox(env.WITHDRAWAL_DESTINATION_KEY, env.WITHDRAWAL_PREVIOUS_DESTINATION_KEYS.split(',').filter((k) => k.length > 0), {
            current: 'WITHDRAWAL_DESTINATION_KEY',
            previous: 'WITHDRAWAL_PREVIOUS_DESTINATION_KEYS',
          }),
        },
        {
          // The one way out to the wallet: its own breaker and timeout, a signed service token per call.
          provide: WalletClient,
          useFactory: (signer: ServiceTokenSigner) =>
            new WalletClient({
              baseUrl: env.WALLET_SERVICE_URL,
              serviceId: 'withdrawals-service',
              timeoutMs: env.WALLET_TIMEOUT_MS,
              authHeaders: async (audience) => ({ authorization: `Bearer ${await signer.token(audience)}` }),
            }),
          inject: [ServiceTokenSigner],
        },
        // The way out to the payment provider of each method: one client, breaker and timeout per provider.
        { provide: PayoutProviders, useValue: new PayoutProviders(env.PAYOUT_PROVIDER_URL, parseProviderUrls(env.PAYOUT_PROVIDER_URLS), env.PAYOUT_TIMEOUT_MS) },
        WithdrawalRepository,
        WithdrawalService,
        PayoutService,
        DisbursementPayoutService,
        CallbackHooks,
        DestinationReseal,
        WithdrawalWorkers,
        WithdrawalsLifecycle,
        AnswerStatusHook,
        // Every POST takes an Idempotency-Key (the platform's one implementation).
        ...idempotencyProviders(),
      ],
    };
  }
}
