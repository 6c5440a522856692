import { CommonEnv } from './common-env';
import { devKafkaCredentials, serviceKafkaCredentials } from './kafka-credentials';
import { InvalidEnvironmentError, validateEnv } from './validate-env';

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    validateEnv(CommonEnv, env);
    return [];
  } catch (err) {
    if (err instanceof InvalidEnvironmentError) return err.problems;
    throw err;
  }
}

describe('the Kafka and database credentials of a service', () => {
  it('are required in production: a service refuses to start without its Kafka user and database role', () => {
    const found = problems({ NODE_ENV: 'production' });
    expect(found.map((p) => p.split('=')[0]).sort()).toEqual(['DB_USER', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_USERNAME']);
  });

  it('refuses the superuser as a service role, and a Kafka user without its password', () => {
    expect(problems({ NODE_ENV: 'production', DB_USER: 'postgres', KAFKA_SASL_USERNAME: 'wallet-service', KAFKA_SASL_PASSWORD: 's3cret' }).map((p) => p.split('=')[0])).toEqual(['DB_USER']);
    expect(problems({ KAFKA_SASL_USERNAME: 'wallet-service' }).map((p) => p.split('=')[0])).toEqual(['KAFKA_SASL_PASSWORD']);
  });

  it('accepts production credentials from the environment and uses them as given', () => {
    const env = validateEnv(CommonEnv, { NODE_ENV: 'production', DB_USER: 'wallet', DB_PASSWORD: 'pw', KAFKA_SASL_USERNAME: 'wallet-service', KAFKA_SASL_PASSWORD: 's3cret', KAFKA_SASL_MECHANISM: 'scram-sha-256' });
    expect(serviceKafkaCredentials(env, 'wallet-service')).toEqual({ mechanism: 'scram-sha-256', username: 'wallet-service', password: 's3cret' });
  });

  it('outside production, defaults to the development user named after the service, or none when the file is missing', () => {
    const env = validateEnv(CommonEnv, { KAFKA_CREDENTIALS_FILE: '/nonexistent/kafka-credentials.json' });
    expect(problems({})).toEqual([]);
    expect(serviceKafkaCredentials(env, 'wallet-service')).toBeNull();
    expect(devKafkaCredentials('wallet-service', '/nonexistent/kafka-credentials.json')).toBeNull();
  });
});
