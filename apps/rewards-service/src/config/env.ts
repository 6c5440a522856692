import { IsBoolean, IsInt, Matches, Max, Min } from 'class-validator';
import { CommonEnv } from '@wozamali/config';

/** rewards-service's environment, validated once at boot. */
export class RewardsServiceEnv extends CommonEnv {
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3002;

  /** The wallet-service's internal API (transfers for redemptions, reversals for refunds). */
  @Matches(/^https?:\/\/[^\s/]+(\/\S*)?$/, { message: 'must be an http(s) URL' })
  WALLET_SERVICE_URL = 'http://127.0.0.1:3001';

  /** A wallet call without a complete answer in this time is "unknown": the redemption stays pending. */
  @IsInt()
  @Min(100)
  @Max(60_000)
  WALLET_TIMEOUT_MS = 5_000;

  /** How long the wallet breaker stays open before a trial call. */
  @IsInt()
  @Min(100)
  WALLET_BREAKER_RESET_MS = 10_000;

  /** Runs the pending-redemption worker and the expiry job in this process. */
  @IsBoolean()
  REWARDS_WORKERS_ENABLED: boolean = true;

  /** How often the worker looks for pending redemptions to finish. */
  @IsInt()
  @Min(50)
  PENDING_REDEMPTION_INTERVAL_MS = 2_000;

  /** A new pending redemption is left to its request this long before the worker takes it. */
  @IsInt()
  @Min(0)
  PENDING_REDEMPTION_GRACE_MS = 10_000;

  /** How often the expiry job marks expired rewards and sends reminders. */
  @IsInt()
  @Min(100)
  EXPIRY_INTERVAL_MS = 60_000;

  /** The donations-service's internal API (who made an anonymous donation: the donor badge). */
  @Matches(/^https?:\/\/[^\s/]+(\/\S*)?$/, { message: 'must be an http(s) URL' })
  DONATIONS_SERVICE_URL = 'http://127.0.0.1:3003';

  /** A donor lookup without an answer in this time is "unknown": asked again later. */
  @IsInt()
  @Min(100)
  @Max(60_000)
  DONATIONS_TIMEOUT_MS = 5_000;

  /** How often the donor-lookup job asks the donations-service who made anonymous donations. */
  @IsInt()
  @Min(50)
  DONOR_LOOKUP_INTERVAL_MS = 5_000;
}
