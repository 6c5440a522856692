import { IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';

/** The payout sandbox's environment, validated once at boot (it keeps no database and uses no Kafka). */
export class PayoutSandboxEnv {
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3007;

  @IsString()
  HOST = '127.0.0.1';

  @IsIn(['debug', 'info', 'warn', 'error'])
  LOG_LEVEL: 'debug' | 'info' | 'warn' | 'error' = 'info';

  /** Where callbacks go (the withdrawals service's callback route); empty: no callbacks until set by `PUT /v1/sandbox/config`. */
  @Matches(/^(https?:\/\/\S+)?$/, { message: 'must be an http(s) URL or empty' })
  PAYOUT_SANDBOX_CALLBACK_URL = '';

  /** The Standard Webhooks secret callbacks are signed with (`whsec_<base64>`); required once a callback URL is set. */
  @Matches(/^(whsec_[A-Za-z0-9+/]{16,}={0,2})?$/, { message: 'must be whsec_<base64> or empty' })
  PAYOUT_SANDBOX_WEBHOOK_SECRET = '';

  /** How long a new payout stays pending before processing, and processing before it settles (ms). */
  @IsInt()
  @Min(0)
  PAYOUT_SANDBOX_PROCESSING_AFTER_MS = 1_000;

  @IsInt()
  @Min(0)
  PAYOUT_SANDBOX_SETTLE_AFTER_MS = 3_000;

  /** Waits before each retry of a callback that was not answered 2xx (ms, comma-separated). */
  @Matches(/^\d+(,\d+)*$/, { message: 'must be comma-separated milliseconds' })
  PAYOUT_SANDBOX_CALLBACK_RETRY_MS = '1000,5000,30000';

  /** A journal file that keeps the payouts across a restart (read back at start); empty: in memory only. */
  @IsString()
  PAYOUT_SANDBOX_STATE_FILE = '';

  /** The zone whose calendar days the daily report covers. */
  @IsString()
  PAYOUT_SANDBOX_REPORT_TIME_ZONE = 'Africa/Johannesburg';
}
