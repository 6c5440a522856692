import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { CommonEnv } from '@wozamali/config';

/** One base URL, or several instances' base URLs separated by commas (requests go round-robin). */
const HTTP_URLS = /^https?:\/\/[^\s/,]+(:\d+)?\/?(,https?:\/\/[^\s/,]+(:\d+)?\/?)*$/;

/**
 * Development defaults, printed by `npm start` and refused when NODE_ENV=production. The admin key
 * is the only way in on a fresh platform (issue 5: "no other way in").
 */
export const DEV_ADMIN_API_KEY = 'wm_live_devadmin_DevOnlyAdminKeyNeverUseInProduction0';
export const DEV_JWT_SECRET = 'dev-only-jwt-secret-never-use-in-production';

/** api-gateway's environment, validated once at boot. */
export class ApiGatewayEnv extends CommonEnv {
  /** The public port (start.sh also passes it as PORT; the gateway reads GATEWAY_PORT). */
  @IsInt()
  @Min(1)
  @Max(65535)
  GATEWAY_PORT = 8080;

  /** The bootstrap admin key, `wm_live_<public id>_<secret>`; ensured to exist (and be the only bootstrap key) at boot. */
  @Matches(/^wm_live_[a-z0-9]{8,32}_[A-Za-z0-9]{32,128}$/, { message: 'must be wm_live_<public id>_<secret of at least 32 letters or digits>' })
  ADMIN_API_KEY = DEV_ADMIN_API_KEY;

  /** The X-Service-ID that goes with the admin key. */
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)
  ADMIN_SERVICE_ID = 'admin';

  /** HS256 secret of end-user tokens (at least 32 bytes). Empty disables HS256 (then JWT_JWKS_URL is needed). */
  @IsString()
  JWT_SECRET = DEV_JWT_SECRET;

  /** RS256 key set of the identity provider; empty disables RS256. */
  @Matches(/^(https?:\/\/\S+)?$/)
  JWT_JWKS_URL = '';

  @IsString()
  JWT_ISSUER = '';

  @IsString()
  JWT_AUDIENCE = '';

  @Matches(HTTP_URLS) WALLET_SERVICE_URL = 'http://127.0.0.1:3001';
  @Matches(HTTP_URLS) REWARDS_SERVICE_URL = 'http://127.0.0.1:3002';
  @Matches(HTTP_URLS) DONATIONS_SERVICE_URL = 'http://127.0.0.1:3003';
  @Matches(HTTP_URLS) WITHDRAWALS_SERVICE_URL = 'http://127.0.0.1:3004';
  @Matches(HTTP_URLS) METRICS_SERVICE_URL = 'http://127.0.0.1:3005';
  @Matches(HTTP_URLS) WEBHOOKS_SERVICE_URL = 'http://127.0.0.1:3006';

  /** A backend call that takes longer is answered 504 `upstream_timeout`. */
  @IsInt() @Min(50) @Max(120_000)
  BACKEND_TIMEOUT_MS = 5000;

  /** How long an open circuit stays open before one trial call. */
  @IsInt() @Min(100) @Max(600_000)
  BREAKER_RESET_MS = 5000;

  @Matches(/^rediss?:\/\/\S+$/)
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Prefix of the gateway's Redis keys; default `<DB_PREFIX>:gateway`, so environments sharing a Redis count apart. */
  @Matches(/^[A-Za-z0-9:_-]{0,64}$/)
  REDIS_KEY_PREFIX = '';

  @IsInt() @Min(1) @Max(3600)
  RATE_LIMIT_WINDOW_SECONDS = 60;

  /** Per API key per window, unless the key has its own limit. */
  @IsInt() @Min(1)
  RATE_LIMIT_KEY_PER_WINDOW = 6000;

  /** Per end user (JWT sub) per window. */
  @IsInt() @Min(1)
  RATE_LIMIT_USER_PER_WINDOW = 600;

  /** Per client IP per window, for requests that do not authenticate. */
  @IsInt() @Min(1)
  RATE_LIMIT_IP_PER_WINDOW = 60;

  /** How long a verified key is trusted from memory before it is read again (revocation reaches other instances within this). */
  @IsInt() @Min(0) @Max(60_000)
  API_KEY_CACHE_TTL_MS = 2000;

  /**
   * How long a balance read (`GET /v1/wallets/{user_id}`) may be answered from the gateway's memory;
   * evicted sooner by the wallet's events and by writes through this gateway. 0 turns it off.
   */
  @IsInt() @Min(0) @Max(60_000)
  GATEWAY_WALLET_CACHE_TTL_MS = 2000;

  @IsInt() @Min(1) @Max(10_000_000)
  GATEWAY_WALLET_CACHE_MAX_ENTRIES = 200_000;

  /** Last use is written in batches this often, not on every request. */
  @IsInt() @Min(50) @Max(600_000)
  API_KEY_LAST_USED_FLUSH_MS = 5000;

  /**
   * Browser origins allowed to call the API (CORS), comma-separated, each exactly
   * `scheme://host[:port]`; empty (the default) answers no cross-origin request.
   */
  @Matches(/^(https?:\/\/[^\s/,]+(,https?:\/\/[^\s/,]+)*)?$/, { message: 'must be comma-separated origins like https://console.example.org' })
  CORS_ALLOWED_ORIGINS = '';

  /**
   * The gateway's /metrics is not on its public port: it is served on this one (on METRICS_HOST),
   * for the scraper only. 0 turns it off.
   */
  @IsInt() @Min(0) @Max(65535)
  GATEWAY_METRICS_PORT = 9480;

  @IsString()
  METRICS_HOST = '127.0.0.1';
}

/** Refuses development secrets in production (and JWT config that cannot verify anything). */
export function assertProductionSafe(env: ApiGatewayEnv): void {
  if (!env.JWT_SECRET && !env.JWT_JWKS_URL) throw new Error('JWT_SECRET or JWT_JWKS_URL must be set');
  if (env.JWT_SECRET && Buffer.byteLength(env.JWT_SECRET) < 32) throw new Error('JWT_SECRET must be at least 32 bytes');
  if (env.NODE_ENV !== 'production') return;
  if (env.ADMIN_API_KEY === DEV_ADMIN_API_KEY) throw new Error('ADMIN_API_KEY must be set in production (the development key is public)');
  if (env.JWT_SECRET === DEV_JWT_SECRET) throw new Error('JWT_SECRET must be set in production (the development secret is public), or empty with JWT_JWKS_URL');
}
