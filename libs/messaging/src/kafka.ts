import { dlqTopic, Topics } from '@wozamali/contracts';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes, type AclEntry, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import { Logger } from '@nestjs/common';

const kafkaLogger = new Logger('kafkajs');

function toNestLogger() {
  return ({ level, log }: LogEntry) => {
    const { message, ...rest } = log;
    const line = `${message} ${JSON.stringify(rest)}`;
    if (level === logLevel.ERROR) kafkaLogger.error(line);
    else if (level === logLevel.WARN) kafkaLogger.warn(line);
    else kafkaLogger.debug?.(line);
  };
}

/**
 * The admin user of the environment (KAFKA_ADMIN_USERNAME, KAFKA_ADMIN_PASSWORD and optionally
 * KAFKA_ADMIN_MECHANISM: scram-sha-512 (default), scram-sha-256 or plain): what scripts/prepare.sh exports for the project's
 * scripts and tests. A service never has it; it passes its own user to {@link createKafka}.
 */
export function adminKafkaSasl(env: NodeJS.ProcessEnv = process.env): SASLOptions | undefined {
  if (!env.KAFKA_ADMIN_USERNAME) return undefined;
  const username = env.KAFKA_ADMIN_USERNAME;
  const password = env.KAFKA_ADMIN_PASSWORD ?? '';
  // `plain`: a broker whose admin is a static PLAIN user (docker-compose.yml), so that it exists before any SCRAM user.
  if (env.KAFKA_ADMIN_MECHANISM === 'plain') return { mechanism: 'plain', username, password };
  if (env.KAFKA_ADMIN_MECHANISM === 'scram-sha-256') return { mechanism: 'scram-sha-256', username, password };
  return { mechanism: 'scram-sha-512', username, password };
}

/**
 * A kafkajs client for a comma-separated broker list, logging through the service logger. It logs
 * in with `extra.sasl` when the key is given (a service's own SCRAM user; `undefined`: no
 * authentication), else as the environment's admin ({@link adminKafkaSasl}) if there is one.
 */
export function createKafka(clientId: string, brokers: string, extra: Partial<KafkaConfig> = {}): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  const sasl = 'sasl' in extra ? extra.sasl : adminKafkaSasl();
  return new Kafka({
    clientId,
    brokers: brokers.split(',').map((b) => b.trim()).filter(Boolean),
    logLevel: logLevel.WARN,
    logCreator: () => toNestLogger(),
    retry: { initialRetryTime: 200, retries: 8 },
    connectionTimeout: 3000,
    ...extra,
    ...(sasl ? { sasl } : {}),
  });
}

/** Creates topics that do not exist yet (idempotent). */
export async function ensureTopics(kafka: Kafka, topics: { topic: string; numPartitions: number }[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing.map((t) => ({ ...t, replicationFactor: 1 })), waitForLeaders: true });
    }
  } finally {
    await admin.disconnect();
  }
}

/** What a service may do on the broker: the topics it publishes to and the topics it reads. */
export interface ServiceKafkaAccess {
  /** Its own topic(s): Write, with idempotent producers. */
  produces: string[];
  /** Topics it reads in its `<DB_PREFIX>.<service>` consumer groups. */
  consumes: string[];
  /** Whether it dead-letters what it consumes (inbox consumers): Write on each `<topic>.dlq`. */
  deadLetters: boolean;
  /**
   * The operators' dead-letter API (lists dead letters, replays the one an admin picks): Read on
   * every `<topic>.dlq`, and, only with `replays` (DEAD_LETTER_REPLAY=true), Write on these topics,
   * where a replay is published again. (A grant stays on the broker until it is removed.)
   */
  replaysTo?: string[];
}

/**
 * Least privilege on the broker, one SCRAM user per service (named after it): a service publishes
 * only to its own topic and to the dead-letter topics of what it consumes, and reads only what it
 * consumes. The api-gateway reads the wallet topic for its cache feed and publishes nothing.
 */
export const SERVICE_KAFKA_ACCESS: Readonly<Record<string, ServiceKafkaAccess>> = {
  'wallet-service': { produces: [Topics.wallet], consumes: [], deadLetters: true },
  'rewards-service': { produces: [Topics.rewards], consumes: [Topics.wallet, Topics.donations], deadLetters: true }, // tier_update and donation_create → badges
  'donations-service': { produces: [Topics.donations], consumes: [], deadLetters: true },
  'withdrawals-service': { produces: [Topics.withdrawals], consumes: [], deadLetters: true },
  'metrics-service': { produces: [Topics.metrics], consumes: [Topics.wallet, Topics.rewards, Topics.donations, Topics.withdrawals], deadLetters: true },
  // It also serves the dead-letter API: it reads every .dlq, and publishes a replay to the topic a
  // dead letter came from only where replays are switched on (DEAD_LETTER_REPLAY; off by default).
  'webhook-dispatcher': { produces: [Topics.webhooks], consumes: Object.values(Topics), deadLetters: true, replaysTo: Object.values(Topics) },
  'api-gateway': { produces: [], consumes: [Topics.wallet], deadLetters: false },
};

/**
 * The ACLs of a service's user. Consumer groups: those named `<prefix>.<service>…` for each of
 * `groupPrefixes` (the DB_PREFIX of each deployment on the broker), or any group with `anyGroup`
 * (test runs, whose files name groups of their own; topics stay as strict).
 */
export function serviceAcls(service: string, opts: { groupPrefixes: string[]; anyGroup?: boolean; replays?: boolean }): AclEntry[] {
  const access = SERVICE_KAFKA_ACCESS[service];
  if (!access) throw new Error(`no Kafka access defined for ${service}`);
  const principal = `User:${service}`;
  const allow = (resourceType: AclResourceTypes, resourceName: string, operation: AclOperationTypes, resourcePatternType = ResourcePatternTypes.LITERAL): AclEntry => ({
    resourceType, resourceName, resourcePatternType, principal, host: '*', operation, permissionType: AclPermissionTypes.ALLOW,
  });
  const writes = [...new Set([...access.produces, ...(access.deadLetters ? access.consumes.map(dlqTopic) : []), ...(opts.replays ? access.replaysTo ?? [] : [])])];
  const reads = [...access.consumes, ...(access.replaysTo ?? []).map(dlqTopic)];
  const acls: AclEntry[] = [];
  for (const topic of writes) acls.push(allow(AclResourceTypes.TOPIC, topic, AclOperationTypes.WRITE), allow(AclResourceTypes.TOPIC, topic, AclOperationTypes.DESCRIBE));
  if (writes.length > 0) acls.push(allow(AclResourceTypes.CLUSTER, 'kafka-cluster', AclOperationTypes.IDEMPOTENT_WRITE));
  for (const topic of reads) acls.push(allow(AclResourceTypes.TOPIC, topic, AclOperationTypes.READ), allow(AclResourceTypes.TOPIC, topic, AclOperationTypes.DESCRIBE));
  if (reads.length > 0) {
    if (opts.anyGroup) acls.push(allow(AclResourceTypes.GROUP, '*', AclOperationTypes.READ));
    for (const prefix of opts.groupPrefixes) acls.push(allow(AclResourceTypes.GROUP, `${prefix}.${service}`, AclOperationTypes.READ, ResourcePatternTypes.PREFIXED));
  }
  return acls;
}

/** Grants every service's ACLs (idempotent: the broker ignores an ACL it already has). Needs the admin user. */
export async function ensureServiceAcls(kafka: Kafka, opts: { groupPrefixes: string[]; anyGroup?: boolean; replays?: boolean }): Promise<number> {
  const acl = Object.keys(SERVICE_KAFKA_ACCESS).flatMap((service) => serviceAcls(service, opts));
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createAcls({ acl });
    return acl.length;
  } finally {
    await admin.disconnect();
  }
}
