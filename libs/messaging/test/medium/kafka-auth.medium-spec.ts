import { devKafkaCredentials, type KafkaSaslCredentials } from '@wozamali/config';
import { Topics } from '@wozamali/contracts';
import { kafkaBrokers, uniqueName } from '@wozamali/testing';
import { KafkaJSConnectionError, KafkaJSProtocolError, KafkaJSSASLAuthenticationError, type Kafka } from 'kafkajs';
import { createKafka, TEST_POISON_HEADER } from '../../src';

// Issue 18: the broker is no open door. Only a user whose ACLs allow it may publish to the wallet's
// topic (the dispatcher signs and delivers every wallet_update to partners). The services' users
// and passwords are the development ones scripts/infra.sh made for this checkout.

function userOf(service: string): KafkaSaslCredentials {
  const creds = devKafkaCredentials(service, process.env.KAFKA_CREDENTIALS_FILE);
  if (!creds) throw new Error(`no Kafka credentials for ${service}: the test broker must be the one scripts/infra.sh starts`);
  return creds;
}

function client(sasl: KafkaSaslCredentials | undefined): Kafka {
  return createKafka(uniqueName('kafka-auth'), kafkaBrokers(), { sasl, retry: { retries: 0 }, connectionTimeout: 3000 });
}

/** Publishes one event-shaped message to the wallet topic; resolves with the error it failed with, or null. */
async function publishToWallet(kafka: Kafka): Promise<unknown> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  try {
    await producer.connect();
    await producer.send({ topic: Topics.wallet, acks: -1, messages: [{ key: 'forged', value: JSON.stringify({ type: 'wallet_update', subject: 'forged' }), headers: { [TEST_POISON_HEADER]: 'kafka-auth' } }] }); // not an event: consumers dead-letter it, as this test expects
    return null;
  } catch (err) {
    return err;
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/** The error and its causes, outermost first (kafkajs wraps what the broker said). */
function chain(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = err as { originalError?: unknown; cause?: unknown } | undefined; e && out.length < 6; e = (e.originalError ?? e.cause) as typeof e) out.push(e);
  return out;
}

it('refuses a producer without credentials: the broker closes the connection of a client that does not authenticate', async () => {
  const err = await publishToWallet(client(undefined));
  expect(err).not.toBeNull();
  expect(chain(err).some((e) => e instanceof KafkaJSConnectionError)).toBe(true);
});

it('refuses a wrong password for a real user', async () => {
  const err = await publishToWallet(client({ ...userOf('wallet-service'), password: 'not-the-password' }));
  expect(chain(err).some((e) => e instanceof KafkaJSSASLAuthenticationError)).toBe(true);
});

it("refuses the rewards-service's user on the wallet's topic (TOPIC_AUTHORIZATION_FAILED), and lets the wallet-service's user publish there", async () => {
  const refused = await publishToWallet(client(userOf('rewards-service')));
  const protocol = chain(refused).find((e): e is KafkaJSProtocolError => e instanceof KafkaJSProtocolError);
  expect(protocol?.type).toBe('TOPIC_AUTHORIZATION_FAILED');

  expect(await publishToWallet(client(userOf('wallet-service')))).toBeNull();
});

it("does not let the metrics-service's user publish to the wallet's topic, though it may read it", async () => {
  const refused = await publishToWallet(client(userOf('metrics-service')));
  expect(chain(refused).find((e): e is KafkaJSProtocolError => e instanceof KafkaJSProtocolError)?.type).toBe('TOPIC_AUTHORIZATION_FAILED');
  const admin = client(userOf('metrics-service')).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(Topics.wallet);
    expect(offsets.length).toBeGreaterThan(0);
  } finally {
    await admin.disconnect();
  }
});
