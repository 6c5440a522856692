import { randomUUID } from 'node:crypto';
import { dlqTopic, Topics, uuidv7 } from '@wozamali/contracts';
import { createKafka, readUpToEnd, REPLAY_FOR_HEADER, TEST_POISON_HEADER, topicEnds, type DeadLetter } from '@wozamali/messaging';
import { kafkaBrokers, uniqueName } from '@wozamali/testing';
import { dispatcherEnv, dispatcherPrefix, migrateDispatcher, startDispatcher, type RunningDispatcher } from '../support/dispatcher';
import { api } from '../support/events';

// The operators' dead-letter API against the real broker, as the dispatcher's own Kafka user (its
// ACLs: Read on every .dlq, Write on the topics a replay goes to). Dead letters are planted on the
// .dlq topic as an inbox writes them, marked as a test's poison.
const prefix = dispatcherPrefix('wdlq');
const kafka = createKafka(uniqueName('dlq-api-test'), kafkaBrokers());
const consumer = uniqueName('dlq-api-consumer');
let d: RunningDispatcher;

interface View { id: string; topic: string; consumer: string | null; event_id: string | null; event_type: string | null; error: string | null; dead_lettered_at: string; test_poison: boolean; replayed_from: string | null; actions: string[] }

beforeAll(async () => {
  await migrateDispatcher(prefix);
  d = await startDispatcher(dispatcherEnv(prefix, { KAFKA_CONSUMERS_ENABLED: 'false', HEALTH_PROBES_ENABLED: 'false', DEAD_LETTER_REPLAY: 'true' }));
});
afterAll(async () => { await d?.close(); });

/** A valid envelope (every other consumer of the topic skips its replay: it is for `consumer` alone). */
const event = (id: string) => JSON.stringify({ id, type: 'webhook_delivery_failed', version: 1, source: 'dlq-api-test', occurred_at: new Date().toISOString(), subject: null, correlation_id: null, data: {} });

async function plant(topic: string, id: string, headers: Record<string, string>): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: dlqTopic(topic), messages: [{ key: id, value: event(id), headers: { 'x-original-topic': topic, [TEST_POISON_HEADER]: 'dlq-api', ...headers } }] });
  await producer.disconnect();
}

const mine = async (query = '') => ((await api(d.url, 'GET', `/v1/dead-letters?limit=100${query}`)).json.data as View[]).filter((v) => v.consumer === consumer || v.error?.startsWith(consumer));

it('lists dead letters with their topic, consumer, event, error and time, each with the actions allowed on it; filters by topic and consumer', async () => {
  const a = uuidv7();
  const b = uuidv7();
  await plant(Topics.donations, a, { 'x-consumer': consumer, 'x-error': `${consumer}: invalid donation_create data: amount must be an integer` });
  await plant(Topics.donations, b, { 'x-error': `${consumer}: written by an older inbox that named no consumer` });
  const listed = await mine();
  const withConsumer = listed.find((v) => v.event_id === a)!;
  expect(withConsumer).toMatchObject({ topic: Topics.donations, consumer, event_type: 'webhook_delivery_failed', error: `${consumer}: invalid donation_create data: amount must be an integer`, test_poison: true, replayed_from: null, actions: ['replay'] });
  expect(withConsumer.id).toMatch(/^wozamali\.donations\.events\.dlq-0-\d+$/);
  expect(Date.now() - Date.parse(withConsumer.dead_lettered_at)).toBeLessThan(120_000);
  expect(listed.find((v) => v.event_id === b)).toMatchObject({ consumer: null, actions: [] });
  expect(listed.findIndex((v) => v.event_id === b)).toBeLessThan(listed.findIndex((v) => v.event_id === a)); // newest first
  expect((await mine(`&consumer=${consumer}`)).map((v) => v.event_id)).toEqual([a]);
  expect((await mine(`&topic=${Topics.rewards}`)).filter((v) => v.event_id === a)).toEqual([]);
});

it('replays the one dead letter asked for to its topic, for the consumer that gave up, still marked as a test poison', async () => {
  const one = uuidv7();
  const other = uuidv7();
  await plant(Topics.donations, one, { 'x-consumer': consumer, 'x-error': `${consumer}: boom` });
  await plant(Topics.donations, other, { 'x-consumer': consumer, 'x-error': `${consumer}: boom too` });
  const target = (await mine()).find((v) => v.event_id === one)!;
  const from = await topicEnds(kafka, Topics.donations);
  const res = await api(d.url, 'POST', `/v1/dead-letters/${target.id}/replay`, {}, { 'idempotency-key': randomUUID() });
  expect([res.status, res.json]).toEqual([202, { id: target.id, topic: Topics.donations, consumer, replayed: 1 }]);
  const published: DeadLetter[] = [];
  await readUpToEnd(kafka, Topics.donations, { groupId: uniqueName('dlq-api-read'), from, onMessage: async (m) => { if (m.headers[REPLAY_FOR_HEADER] === consumer) published.push(m); } });
  expect(published.map((m) => JSON.parse(m.value!.toString()).id)).toEqual([one]);
  expect(published[0]!.headers).toMatchObject({ [REPLAY_FOR_HEADER]: consumer, [TEST_POISON_HEADER]: 'dlq-api', 'x-replayed-from': `${dlqTopic(Topics.donations)}[0]@${target.id.split('-').at(-1)}` });
});

it('with replays switched off (the default: no Write on the event topics) lists no replay action and refuses one with 409', async () => {
  const off = await startDispatcher(dispatcherEnv(prefix, { KAFKA_CONSUMERS_ENABLED: 'false', HEALTH_PROBES_ENABLED: 'false' }));
  try {
    const id = uuidv7();
    await plant(Topics.donations, id, { 'x-consumer': consumer, 'x-error': `${consumer}: replays off` });
    const listed = ((await api(off.url, 'GET', '/v1/dead-letters?limit=100')).json.data as View[]).find((v) => v.event_id === id)!;
    expect(listed).toMatchObject({ consumer, actions: [] });
    const from = await topicEnds(kafka, Topics.donations);
    const res = await api(off.url, 'POST', `/v1/dead-letters/${listed.id}/replay`, {}, { 'idempotency-key': randomUUID() });
    expect([res.status, res.json.code]).toEqual([409, 'dead_letter_not_replayable']);
    const published: DeadLetter[] = [];
    await readUpToEnd(kafka, Topics.donations, { groupId: uniqueName('dlq-api-read'), from, onMessage: async (m) => { if (m.headers[REPLAY_FOR_HEADER] === consumer) published.push(m); } });
    expect(published).toEqual([]);
  } finally {
    await off.close();
  }
});

it('answers 404 for a dead letter that does not exist, 409 for one naming no consumer, 400 for bad filters', async () => {
  const none = uuidv7();
  await plant(Topics.donations, none, { 'x-error': `${consumer}: no consumer` });
  const noConsumer = (await mine()).find((v) => v.event_id === none)!;
  const replay = (id: string) => api(d.url, 'POST', `/v1/dead-letters/${id}/replay`, {}, { 'idempotency-key': randomUUID() });
  expect((await replay(noConsumer.id)).json.code).toBe('dead_letter_not_replayable');
  for (const id of ['wozamali.donations.events.dlq-0-999999999', 'wozamali.nope.events.dlq-0-1', 'not-an-id', 'wozamali.donations.events-0-1']) {
    const res = await replay(id);
    expect([id, res.status, res.json.code]).toEqual([id, 404, 'dead_letter_not_found']);
  }
  for (const q of ['topic=nope', 'consumer=%20x', 'limit=0', 'cursor=bm90LW91cnM']) {
    const res = await api(d.url, 'GET', `/v1/dead-letters?${q}`);
    expect([q, res.status, res.json.code]).toEqual([q, 400, 'validation_failed']);
  }
});
