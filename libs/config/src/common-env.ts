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

  /** `production` refuses development keys and secrets (a service without its keys does not start). */
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  /**
   * This service's Ed25519 private key as a JWK (`{"kty":"OKP","crv":"Ed25519","x":…,"d":…,"kid":"<service>:<key id>"}`):
   * it signs the service tokens of the calls this service makes. Required when NODE_ENV=production.
   */
  @IsString()
  SERVICE_PRIVATE_KEY = '';

  /**
   * The public keys of the services allowed to call this one, as a JWKS (`{"keys":[…]}`, each `kid`
   * `<caller>:<key id>`, at most two per caller during a rotation). Required when NODE_ENV=production.
   */
  @IsString()
  SERVICE_PUBLIC_KEYS = '';

  /** Outside production, where the per-checkout development keys are kept (and made when missing). */
  @IsString()
  @IsNotEmpty()
  SERVICE_KEYS_DIR = '.run/service-keys';
}
