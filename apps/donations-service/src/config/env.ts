import { IsBoolean, IsInt, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { CommonEnv, InvalidEnvironmentError } from '@wozamali/config';

/** The development default of DONOR_REF_SECRET (a warning at boot, as the dispatcher's development key). */
export const DEV_DONOR_REF_SECRET = 'development-donor-ref-secret-change-me';

/** donations-service's environment, validated once at boot. */
export class DonationsServiceEnv extends CommonEnv {
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3003;

  /** The wallet-service's base URL (its internal API makes every donation, refund and disbursement). */
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s) URL' })
  WALLET_SERVICE_URL = 'http://127.0.0.1:3001';

  /** A wallet call with no complete answer within this many ms is `unavailable` (the donation stays pending). */
  @IsInt()
  @Min(100)
  @Max(120_000)
  WALLET_TIMEOUT_MS = 5_000;

  /**
   * Key of the HMAC that turns a donor's user id into their `donor_ref` (stable, not reversible
   * without the key). Changing it changes every donor's reference.
   */
  @IsString()
  @MinLength(16)
  DONOR_REF_SECRET = DEV_DONOR_REF_SECRET;

  /** The withdrawals-service's base URL: its payout pipeline pays approved disbursements. */
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s) URL' })
  WITHDRAWALS_SERVICE_URL = 'http://127.0.0.1:3004';

  /** A call to the withdrawals-service with no complete answer within this many ms is unknown (asked again later). */
  @IsInt()
  @Min(100)
  @Max(120_000)
  WITHDRAWALS_TIMEOUT_MS = 5_000;

  /** How often the disbursement worker makes pending ledger moves, releases payouts, reads their outcome and credits failed ones back. */
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  DISBURSEMENT_INTERVAL_MS = 5_000;

  /** How long after it was paid a disbursement is still watched for a return by the provider. */
  @IsInt()
  @Min(1)
  @Max(3650)
  DISBURSEMENT_RETURN_WATCH_DAYS = 90;

  /** Runs the pending-donation worker and the end-date job in this process. */
  @IsBoolean()
  DONATION_WORKERS_ENABLED = true;

  /** How often the worker retries donations left pending by an unreachable wallet. */
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  PENDING_DONATION_INTERVAL_MS = 5_000;

  /** How often campaigns whose end date has passed are completed. */
  @IsInt()
  @Min(100)
  @Max(86_400_000)
  CAMPAIGN_END_INTERVAL_MS = 60_000;

  /** Writes running at once (each holds a database connection across its wallet call): keep it below DB_POOL_SIZE. */
  @IsInt()
  @Min(1)
  @Max(200)
  WRITE_CONCURRENCY = 10;

  /** A write waiting longer than this for a slot is refused 503 `service_unavailable` (nothing ran). */
  @IsInt()
  @Min(100)
  @Max(600_000)
  WRITE_QUEUE_TIMEOUT_MS = 60_000;
}

/** Rules across variables: writes must leave pool connections for reads and the workers. */
export function checkDonationsEnv(env: DonationsServiceEnv): DonationsServiceEnv {
  const problems: string[] = [];
  if (env.WRITE_CONCURRENCY >= env.DB_POOL_SIZE) problems.push(`WRITE_CONCURRENCY=${env.WRITE_CONCURRENCY}: must be below DB_POOL_SIZE=${env.DB_POOL_SIZE}`);
  if (problems.length > 0) throw new InvalidEnvironmentError(problems);
  return env;
}
