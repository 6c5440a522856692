import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsString, Matches, Max, Min } from 'class-validator';

/** Variables every service reads. A service's env class extends this one. */
export class CommonEnv {
  /** Base URL of the PostgreSQL server; the service's database name replaces its path. */
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

  /** Prefix of every service database name: `<prefix>_<service>`. */
  @Matches(/^[a-z][a-z0-9_]{0,40}$/, { message: 'must be a lower-case identifier' })
  DB_PREFIX = 'wozamali';

  @IsInt()
  @Min(1)
  @Max(200)
  DB_POOL_SIZE = 16;

  /** Comma-separated host:port list of Kafka brokers. */
  @IsString()
  @IsNotEmpty()
  KAFKA_BROKERS = '127.0.0.1:9092';

  @IsIn(['debug', 'info', 'warn', 'error'])
  LOG_LEVEL: 'debug' | 'info' | 'warn' | 'error' = 'info';

  /** Start the outbox relay in this process (one active instance per service is elected anyway). */
  @IsBoolean()
  OUTBOX_RELAY_ENABLED: boolean = true;

  /** Start the Kafka consumers in this process. */
  @IsBoolean()
  KAFKA_CONSUMERS_ENABLED: boolean = true;

  @IsString()
  HOST = '127.0.0.1';
}
