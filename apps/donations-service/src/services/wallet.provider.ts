import type { Provider } from '@nestjs/common';
import { ServiceTokenSigner } from '@wozamali/auth';
import { WalletClient } from '@wozamali/wallet-client';
import { DonationsServiceEnv } from '../config/env';

/** The wallet client (breaker, timeouts) signing each call with this service's token. */
export const walletClientProvider: Provider = {
  provide: WalletClient,
  useFactory: (env: DonationsServiceEnv, signer: ServiceTokenSigner) => new WalletClient({
    baseUrl: env.WALLET_SERVICE_URL,
    serviceId: 'donations-service',
    timeoutMs: env.WALLET_TIMEOUT_MS,
    // Short enough that the wallet coming back is noticed by the next worker run.
    breaker: { resetTimeoutMs: 2_000 },
    authHeaders: async (audience) => ({ authorization: `Bearer ${await signer.token(audience)}` }),
  }),
  inject: [DonationsServiceEnv, ServiceTokenSigner],
};
