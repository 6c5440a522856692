import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { CommonEnv } from './common-env';

/** SASL/SCRAM credentials of a Kafka client (kafkajs `sasl`). */
export type KafkaSaslCredentials =
  | { mechanism: 'scram-sha-256'; username: string; password: string }
  | { mechanism: 'scram-sha-512'; username: string; password: string };

/** The development credentials file scripts/infra.sh makes once per checkout. */
export function devKafkaCredentialsFile(file = ''): string {
  return file || path.resolve(__dirname, '../../..', '.run', 'kafka-credentials.json');
}

/**
 * A user's password from the development credentials file, or null when the file or the user is
 * missing (a broker started without SASL).
 */
export function devKafkaCredentials(user: string, file = ''): KafkaSaslCredentials | null {
  const at = devKafkaCredentialsFile(file);
  if (!existsSync(at)) return null;
  const creds = JSON.parse(readFileSync(at, 'utf8')) as { mechanism?: KafkaSaslCredentials['mechanism']; users?: Record<string, string> };
  const password = creds.users?.[user];
  return password ? ({ mechanism: creds.mechanism ?? 'scram-sha-512', username: user, password } as KafkaSaslCredentials) : null;
}

/**
 * The Kafka user a service connects as: KAFKA_SASL_USERNAME/PASSWORD when set (always in
 * production, where validateEnv requires them), else, outside production, the development user
 * named after the service; null when neither exists (a development broker without SASL).
 */
export function serviceKafkaCredentials(env: CommonEnv, service: string): KafkaSaslCredentials | null {
  if (env.KAFKA_SASL_USERNAME) return { mechanism: env.KAFKA_SASL_MECHANISM, username: env.KAFKA_SASL_USERNAME, password: env.KAFKA_SASL_PASSWORD } as KafkaSaslCredentials;
  if (env.NODE_ENV === 'production') throw new Error('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required in production');
  return devKafkaCredentials(service, env.KAFKA_CREDENTIALS_FILE);
}
