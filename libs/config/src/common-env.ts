import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsString, Matches, Max, Min, NotEquals, ValidateIf } from 'class-validator';

const inProduction = (env: CommonEnv): boolean => env.NODE_ENV === 'production';

/** Variables every service reads. A service's env class extends this one. */
export class CommonEnv {
  /**
   * `production` requires the credentials below (Kafka user, database role) instead of development
   * defaults, and refuses development service-token keys (a service without its keys does not start).
   */
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  /**
   * Base URL of the PostgreSQL server; the service's database name replaces its path and the
   * service logs in as DB_USER, not as the URL's user (scripts/migrate.js uses the URL's admin).
   */
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

  /** Prefix of every service database name: `<prefix>_<service>`. */
  @Matches(/^[a-z][a-z0-9_]{0,40}$/, { message: 'must be a lower-case identifier' })
  DB_PREFIX = 'wozamali';

  /**
   * PostgreSQL role the service logs in as, owner of its own database only (scripts/migrate.js
   * makes it). Empty: the role named like the database, `<DB_PREFIX>_<service>` (development and
   * tests only). Required in production, and never `postgres`.
   */
  @ValidateIf((env: CommonEnv) => inProduction(env) || env.DB_USER !== '')
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'must be a lower-case PostgreSQL role name (required in production)' })
  @NotEquals('postgres', { message: 'a service never logs in as the superuser' })
  DB_USER = '';

  /** Password of DB_USER; empty when the server trusts the connection (local development). */
  @IsString()
  DB_PASSWORD = '';

  @IsInt()
  @Min(1)
  @Max(200)
  DB_POOL_SIZE = 16;

  /** Comma-separated host:port list of Kafka brokers. */
  @IsString()
  @IsNotEmpty()
  KAFKA_BROKERS = '127.0.0.1:9092';

  /**
   * SASL/SCRAM user of this service on the broker (one per service; its ACLs let it produce to its
   * own topic only). Empty: in development and tests, the user named after the service with its
   * password from KAFKA_CREDENTIALS_FILE. Required in production.
   */
  @ValidateIf((env: CommonEnv) => inProduction(env) || env.KAFKA_SASL_USERNAME !== '')
  @IsNotEmpty({ message: 'is required in production' })
  KAFKA_SASL_USERNAME = '';

  @ValidateIf((env: CommonEnv) => inProduction(env) || env.KAFKA_SASL_USERNAME !== '')
  @IsNotEmpty({ message: 'is required with KAFKA_SASL_USERNAME (and in production)' })
  KAFKA_SASL_PASSWORD = '';

  @IsIn(['scram-sha-256', 'scram-sha-512'])
  KAFKA_SASL_MECHANISM: 'scram-sha-256' | 'scram-sha-512' = 'scram-sha-512';

  /** Development credentials of the broker scripts/infra.sh starts; empty: `<checkout>/.run/kafka-credentials.json`. */
  @IsString()
  KAFKA_CREDENTIALS_FILE = '';

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
