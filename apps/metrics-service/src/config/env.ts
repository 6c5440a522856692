import { IsBoolean, IsInt, IsString, Matches, Max, Min, MinLength, registerDecorator } from 'class-validator';
import { CommonEnv } from '@wozamali/config';

/** An IANA time zone name the runtime knows (e.g. Africa/Johannesburg). */
function IsTimeZone(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isTimeZone',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'must be an IANA time zone name, e.g. Africa/Johannesburg' },
      validator: {
        validate: (v: unknown) => {
          if (typeof v !== 'string' || !/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(v)) return false;
          try {
            new Intl.DateTimeFormat('en', { timeZone: v });
            return true;
          } catch {
            return false;
          }
        },
      },
    });
}

/** metrics-service's environment, validated once at boot. */
export class MetricsServiceEnv extends CommonEnv {
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3005;

  /** The zone whose calendar days, weeks (from Monday) and months the metrics are counted in. */
  @IsTimeZone()
  METRICS_TIME_ZONE = 'Africa/Johannesburg';

  /**
   * Key of the HMAC that turns a user id into a leaderboard handle (a handle can't be turned back
   * into the id without it). Set your own outside development.
   */
  @IsString()
  @MinLength(16)
  METRICS_HANDLE_KEY = 'wozamali-development-handle-key';

  /** Runs the periodic jobs (leaderboard freezing, metrics_update batches, daily reconciliation). */
  @IsBoolean()
  METRICS_JOBS_ENABLED: boolean = true;

  /** How often the boards of closed periods are looked for and frozen. */
  @IsInt()
  @Min(1000)
  METRICS_FREEZE_INTERVAL_MS: number = 60_000;

  /** How often changed days are announced as `metrics_update` events (each user at most once a minute). */
  @IsInt()
  @Min(1000)
  METRICS_UPDATE_INTERVAL_MS: number = 5_000;

  /** The wallet-service, whose ledger the metrics are reconciled with (`GET /internal/v1/reports/user-days`). */
  @Matches(/^https?:\/\/[^\s/]+(:\d+)?\/?$/, { message: 'must be an http(s) base URL' })
  WALLET_SERVICE_URL = 'http://127.0.0.1:3001';


  /** How often the daily reconciliation looks whether yesterday is reconciled (and retries when the ledger was unavailable). */
  @IsInt()
  @Min(1000)
  METRICS_RECONCILE_INTERVAL_MS: number = 600_000;
}
