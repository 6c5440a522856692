#!/usr/bin/env node
// A dead letter is an alarm, never a quiet place for events to go (DESIGN.md §3). scripts/test.sh
// runs `--mark` before jest (where each dead-letter topic ends now) and `--check` after it: any
// message dead-lettered during the run that no test poisoned on purpose (header x-test-poison)
// fails the run, with the consumer and the error that put it there.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { allTopics } = require('../libs/contracts/dist');
const { createKafka, readUpToEnd, topicEnds, TEST_POISON_HEADER, DLQ_CONSUMER_HEADER } = require('../libs/messaging/dist');

const marks = path.join(__dirname, '..', '.run', 'dlq-marks.json');
const brokers = process.env.KAFKA_BROKERS || `127.0.0.1:${process.env.KAFKA_PORT || 9092}`;
const prefix = process.env.DB_PREFIX || 'wozamali';
const dlqTopics = allTopics().map((t) => t.topic).filter((t) => t.endsWith('.dlq'));

async function mark(kafka) {
  const out = {};
  for (const topic of dlqTopics) out[topic] = Object.fromEntries([...(await topicEnds(kafka, topic))].map(([p, o]) => [p, o.toString()]));
  fs.mkdirSync(path.dirname(marks), { recursive: true });
  fs.writeFileSync(marks, JSON.stringify(out));
  console.log(`[dead-letters] marked the ends of ${dlqTopics.length} dead-letter topics`);
}

async function check(kafka) {
  const from = fs.existsSync(marks) ? JSON.parse(fs.readFileSync(marks, 'utf8')) : {};
  let expected = 0;
  const unexpected = [];
  for (const topic of dlqTopics) {
    const start = new Map(Object.entries(from[topic] || {}).map(([p, o]) => [Number(p), BigInt(o)]));
    await readUpToEnd(kafka, topic, {
      groupId: `wozamali.dead-letter-check.${process.pid}.${Date.now()}`,
      from: start,
      onMessage: async (m) => {
        if (m.headers[TEST_POISON_HEADER]) { expected += 1; return; }
        // Another deployment's services on a shared development broker (groups are `<DB_PREFIX>.<service>`).
        const group = m.headers['x-consumer-group'] || '';
        // (`<DB_PREFIX>_start` and the like, made by this run's own tests, count as this run's.)
        if (/^wozamali_[a-z0-9_]+\./.test(group) && !group.startsWith(prefix)) return;
        unexpected.push(`${topic}[${m.partition}]@${m.offset} consumer=${m.headers[DLQ_CONSUMER_HEADER]} error=${m.headers['x-error']} value=${String(m.value).slice(0, 300)}`);
      },
    });
  }
  console.log(`[dead-letters] ${expected} dead letters poisoned on purpose by tests, ${unexpected.length} unexpected`);
  if (unexpected.length > 0) {
    console.error('[dead-letters] events dead-lettered that no test poisoned on purpose:');
    for (const line of unexpected.slice(0, 50)) console.error(`  ${line}`);
    process.exitCode = 1;
  }
}

(async () => {
  const kafka = createKafka('wozamali-dead-letter-check', brokers);
  if (process.argv.includes('--mark')) await mark(kafka);
  else await check(kafka);
})().catch((err) => {
  console.error('[dead-letters] failed:', err.message);
  process.exit(1);
});
