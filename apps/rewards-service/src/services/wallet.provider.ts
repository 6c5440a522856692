import type { Provider } from '@nestjs/common';
import { ServiceTokenSigner } from '@wozamali/auth';
import { WalletClient } from '@wozamali/wallet-client';
import { RewardsServiceEnv } from '../config/env';

/** The one wallet client (breaker, timeout, signed service tokens) of this process. */
export const walletClientProvider: Provider = {
  provide: WalletClient,
  useFactory: (env: RewardsServiceEnv, signer: ServiceTokenSigner) =>
    new WalletClient({
      baseUrl: env.WALLET_SERVICE_URL,
      serviceId: 'rewards-service',
      timeoutMs: env.WALLET_TIMEOUT_MS,
      breaker: { resetTimeoutMs: env.WALLET_BREAKER_RESET_MS },
      authHeaders: async (audience) => ({ authorization: `Bearer ${await signer.token(audience)}` }),
    }),
  inject: [RewardsServiceEnv, ServiceTokenSigner],
};
