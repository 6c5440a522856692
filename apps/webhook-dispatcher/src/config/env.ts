import { IsBoolean, IsInt, IsNumber, Matches, Max, Min } from 'class-validator';
import { CommonEnv, InvalidEnvironmentError } from '@wozamali/config';

/**
 * Development key for secrets at rest (base64 of a 32-byte ASCII marker). A deployment sets its own
 * `WEBHOOK_SECRET_KEY`; the service logs a warning when it runs on this one.
 */
export const DEV_WEBHOOK_SECRET_KEY = 'ZGV2LW9ubHktd296YW1hbGktd2ViaG9vay1rZXktMzI=';

/** webhook-dispatcher's environment, validated once at boot. */
export class WebhookDispatcherEnv extends CommonEnv {
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3006;

  /** AES-256-GCM key (base64 of exactly 32 bytes) that encrypts endpoint secrets at rest. */
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'must be the base64 of exactly 32 bytes' })
  WEBHOOK_SECRET_KEY = DEV_WEBHOOK_SECRET_KEY;

  /**
   * Keys that sealed secrets before `WEBHOOK_SECRET_KEY` (comma-separated, same form): they open
   * secrets, never seal. At boot every secret is re-sealed with the current key; once the log says
   * none is left under them, remove them.
   */
  @Matches(/^(|[A-Za-z0-9+/]{43}=(,[A-Za-z0-9+/]{43}=)*)$/, { message: 'must be a comma-separated list of base64 32-byte keys' })
  WEBHOOK_PREVIOUS_SECRET_KEYS = '';

  /** Waits between attempts after the first (which is immediate): `5s,5m,30m,2h,5h,10h,10h`; units ms|s|m|h. */
  @Matches(/^\s*\d+(ms|s|m|h)(\s*,\s*\d+(ms|s|m|h))*\s*$/, { message: 'must be a comma-separated list like 5s,5m,30m,2h' })
  WEBHOOK_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,10h';

  /** ± fraction applied to each retry wait. */
  @IsNumber()
  @Min(0)
  @Max(0.5)
  WEBHOOK_RETRY_JITTER = 0.2;

  /** Upper bound on a receiver's `Retry-After` (429/503). */
  @IsInt()
  @Min(0)
  WEBHOOK_RETRY_AFTER_MAX_MS = 6 * 3600_000;

  /** Timeout of one POST to a receiver. */
  @IsInt()
  @Min(100)
  @Max(120_000)
  WEBHOOK_TIMEOUT_MS = 15_000;

  /** How long a claimed delivery is reserved for its worker; after a crash it is claimed again. */
  @IsInt()
  @Min(1000)
  WEBHOOK_LEASE_MS = 60_000;

  @IsBoolean()
  WEBHOOK_WORKERS_ENABLED: boolean = true;

  /** Deliveries in flight per process. */
  @IsInt()
  @Min(1)
  @Max(2000)
  WEBHOOK_CONCURRENCY = 256;

  @IsInt()
  @Min(1)
  @Max(1000)
  WEBHOOK_CLAIM_BATCH = 200;

  /** Poll for due retries behind LISTEN/NOTIFY. */
  @IsInt()
  @Min(10)
  WEBHOOK_POLL_INTERVAL_MS = 250;

  /** Outbound keep-alive connections per receiver origin, and the most deliveries in flight per endpoint. */
  @IsInt()
  @Min(1)
  WEBHOOK_MAX_SOCKETS_PER_HOST = 64;

  /** Per-endpoint breaker: how long it stays open before a trial request. */
  @IsInt()
  @Min(100)
  WEBHOOK_BREAKER_RESET_MS = 30_000;

  @IsInt()
  @Min(1)
  WEBHOOK_BREAKER_VOLUME_THRESHOLD = 10;

  /** Grace period during which a rotated-out secret keeps signing. */
  @IsInt()
  @Min(0)
  WEBHOOK_SECRET_GRACE_MS = 24 * 3600_000;

  /** An endpoint failing without a success for this long is disabled. */
  @IsInt()
  @Min(1000)
  WEBHOOK_DISABLE_AFTER_FAILING_MS = 5 * 24 * 3600_000;

  /**
   * Finished deliveries (delivered, or dead and not replayed) are kept this many days with their
   * attempts and message, for the attempt log, sync status and replay; then deleted. Deliveries
   * still pending or failing are never deleted.
   */
  @IsInt()
  @Min(1)
  @Max(3650)
  WEBHOOK_RETENTION_DAYS = 30;

  /** How often the retention job runs (each run deletes in bounded batches). */
  @IsInt()
  @Min(1000)
  WEBHOOK_RETENTION_INTERVAL_MS = 10 * 60_000;

  /**
   * Whether an admin may replay a dead letter through this service (`POST /v1/dead-letters/{id}/replay`).
   * A replay publishes to the topic the dead letter came from, so this service's Kafka user then needs
   * Write on every event topic (scripts/kafka-topics.js grants it only with the same setting), which
   * widens what a compromised dispatcher could publish. Off by default: listing works either way, and
   * operators replay with their own credentials (`npm run dlq:replay`). The test runs switch it on.
   */
  @IsBoolean()
  DEAD_LETTER_REPLAY: boolean = false;

  /** Allow receivers on loopback addresses (tests, local development). */
  @IsBoolean()
  WEBHOOK_ALLOW_LOOPBACK: boolean = false;

  /** Allow receivers on private, link-local and other non-public addresses. */
  @IsBoolean()
  WEBHOOK_ALLOW_PRIVATE: boolean = false;

  /**
   * Kafka consumer group and inbox consumer name; empty means `<DB_PREFIX>.webhook-dispatcher`, like
   * every other service's group, so two deployments sharing a broker never split each other's events.
   */
  @Matches(/^([a-z][a-z0-9._-]{0,99})?$/, { message: 'must be a lower-case group name' })
  WEBHOOK_CONSUMER_GROUP = '';

  /** A new consumer group starts at the oldest retained event (true) or at the newest (false). */
  @IsBoolean()
  WEBHOOK_CONSUMER_FROM_BEGINNING: boolean = true;

  /** Probe of external services that have a `health_url`. */
  @IsInt()
  @Min(1000)
  HEALTH_PROBE_INTERVAL_MS = 60_000;

  @IsBoolean()
  HEALTH_PROBES_ENABLED: boolean = true;
}

/** The inbox consumer name and Kafka group of this deployment's dispatcher. */
export function dispatcherConsumer(env: WebhookDispatcherEnv): string {
  return env.WEBHOOK_CONSUMER_GROUP || `${env.DB_PREFIX}.webhook-dispatcher`;
}

/** Rules across variables, which the per-field decorators cannot say. */
export function checkDispatcherEnv(env: WebhookDispatcherEnv): WebhookDispatcherEnv {
  // A lease shorter than a request would let a second worker send a delivery still in flight.
  if (env.WEBHOOK_LEASE_MS <= env.WEBHOOK_TIMEOUT_MS + 1000) {
    throw new InvalidEnvironmentError([`WEBHOOK_LEASE_MS=${env.WEBHOOK_LEASE_MS}: must exceed WEBHOOK_TIMEOUT_MS (${env.WEBHOOK_TIMEOUT_MS}) by more than 1000 ms`]);
  }
  return env;
}
