import { IsBoolean, IsInt, Matches, Max, Min } from 'class-validator';
import { CommonEnv } from '@wozamali/config';
import { PROVIDER_URLS_PATTERN } from '../payout/payout-providers';

/**
 * Development key for destinations at rest (base64 of a 32-byte ASCII marker). A deployment sets its
 * own `WITHDRAWAL_DESTINATION_KEY`; the service logs a warning when it runs on this one.
 */
export const DEV_DESTINATION_KEY = 'ZGV2LW9ubHktd296YW1hbGktcGF5b3V0LWRlc3QtazE=';

/** Development key of the destination fingerprint (HMAC). */
export const DEV_FINGERPRINT_KEY = 'ZGV2LW9ubHktd296YW1hbGktZmluZ2VycHJpbnQtazE=';

/** Development secret of the provider's callbacks (the payout sandbox's `npm start` makes its own). */
export const DEV_PAYOUT_WEBHOOK_SECRET = 'whsec_ZGV2LW9ubHktd296YW1hbGktcGF5b3V0LXNhbmRib3g=';

const BASE64_KEY = /^[A-Za-z0-9+/]{43}=$/;
const HTTP_URL = /^https?:\/\/[^\s]+$/;

/** withdrawals-service's environment, validated once at boot. */
export class WithdrawalsServiceEnv extends CommonEnv {
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3004;

  /** The wallet-service's base URL (its internal API: holds, transfers). */
  @Matches(HTTP_URL, { message: 'must be an http(s) URL' })
  WALLET_SERVICE_URL = 'http://127.0.0.1:3001';

  /** No complete answer from the wallet within this many ms → unknown (202, the worker retries with the same key). */
  @IsInt()
  @Min(100)
  @Max(120_000)
  WALLET_TIMEOUT_MS = 5_000;

  /** AES-256-GCM key (base64 of exactly 32 bytes) that encrypts payout destinations at rest. */
  @Matches(BASE64_KEY, { message: 'must be the base64 of exactly 32 bytes' })
  WITHDRAWAL_DESTINATION_KEY = DEV_DESTINATION_KEY;

  /**
   * Keys that sealed destinations before `WITHDRAWAL_DESTINATION_KEY` (comma-separated, same form):
   * they open, never seal. At boot every stored destination is re-sealed with the current key.
   */
  @Matches(/^(|[A-Za-z0-9+/]{43}=(,[A-Za-z0-9+/]{43}=)*)$/, { message: 'must be a comma-separated list of base64 32-byte keys' })
  WITHDRAWAL_PREVIOUS_DESTINATION_KEYS = '';

  /** HMAC key (base64, 32 bytes) of the destination fingerprint: tells a new or changed destination without decrypting. Never rotate casually: a new key makes every destination look new (cooling-off). */
  @Matches(BASE64_KEY, { message: 'must be the base64 of exactly 32 bytes' })
  WITHDRAWAL_FINGERPRINT_KEY = DEV_FINGERPRINT_KEY;

  /** Run the periodic workers (requested holds, expiry). Tests turn them off to drive them by hand. */
  @IsBoolean()
  WITHDRAWAL_WORKERS_ENABLED: boolean = true;

  /**
   * With the workers on, run only the payouts of campaign disbursements (not the withdrawals' holds,
   * expiry, payouts or reconciliation): an instance dedicated to them, or a test sharing a database.
   */
  @IsBoolean()
  WITHDRAWAL_WORKER_ONLY_DISBURSEMENTS: boolean = false;

  /** How often the workers run. */
  @IsInt()
  @Min(100)
  WITHDRAWAL_WORKER_INTERVAL_MS = 5_000;

  /** Rows a worker run claims at most. */
  @IsInt()
  @Min(1)
  @Max(1000)
  WITHDRAWAL_WORKER_BATCH = 50;

  /** The payment provider's base URL (every method goes to it; the payout sandbox in development). */
  @Matches(HTTP_URL, { message: 'must be an http(s) URL' })
  PAYOUT_PROVIDER_URL = 'http://127.0.0.1:3007';

  /** A provider of its own for some methods: `paypal=https://…,crypto=https://…` (the others use `PAYOUT_PROVIDER_URL`). */
  @Matches(PROVIDER_URLS_PATTERN, { message: 'must be comma-separated method=http(s) URL pairs' })
  PAYOUT_PROVIDER_URLS = '';

  /** The Standard Webhooks secret the provider signs its callbacks with (`whsec_<base64>`). */
  @Matches(/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/, { message: 'must be whsec_<base64>' })
  PAYOUT_WEBHOOK_SECRET = DEV_PAYOUT_WEBHOOK_SECRET;

  /** No complete answer from the provider within this many ms → doubt (ask by reference, resend with the same key). */
  @IsInt()
  @Min(100)
  @Max(120_000)
  PAYOUT_TIMEOUT_MS = 10_000;

  /** Ask the provider every `PAYOUT_POLL_FAST_MS` for `PAYOUT_POLL_FAST_FOR_MS` after sending, then every `PAYOUT_POLL_SLOW_MS`. */
  @IsInt()
  @Min(10)
  PAYOUT_POLL_FAST_MS = 60_000;

  @IsInt()
  @Min(0)
  PAYOUT_POLL_FAST_FOR_MS = 15 * 60_000;

  @IsInt()
  @Min(10)
  PAYOUT_POLL_SLOW_MS = 15 * 60_000;

  /** How long a worker reserves a payout it is asking about (after a crash another worker takes it after this). */
  @IsInt()
  @Min(100)
  PAYOUT_LEASE_MS = 60_000;

  /** A payout in doubt this long goes to `needs_review` for a person (the hold stays). */
  @IsInt()
  @Min(1000)
  PAYOUT_DOUBT_REVIEW_MS = 24 * 3_600_000;

  /** When the daily reconciliation runs: once a day, for the previous local day, after this hour (0–23, in the limits' time zone). */
  @IsInt()
  @Min(0)
  @Max(23)
  RECONCILIATION_HOUR = 2;
}
