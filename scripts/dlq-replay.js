#!/usr/bin/env node
// Replays the dead letters of a topic to the consumer that gave up on them, once the cause is fixed
// and deployed:  npm run dlq:replay -- --topic wozamali.wallet.events --consumer metrics-service [--dry-run]
// Each is published again to its topic, marked for that consumer alone (the others skip it); the
// consumer's inbox makes a replay of something it already applied a no-op. Progress is kept in a
// consumer group per (consumer, topic), so running it again replays only newer dead letters.
'use strict';
const { createKafka, replayDeadLetters } = require('../libs/messaging/dist');

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

(async () => {
  const topic = arg('topic');
  const consumer = arg('consumer');
  if (!topic || !consumer) {
    console.error('usage: npm run dlq:replay -- --topic <topic> --consumer <inbox consumer, e.g. metrics-service> [--dry-run] [--brokers host:port]');
    process.exit(2);
  }
  const brokers = arg('brokers') || process.env.KAFKA_BROKERS || `127.0.0.1:${process.env.KAFKA_PORT || 9092}`;
  const dryRun = process.argv.includes('--dry-run');
  const { read, replayed } = await replayDeadLetters(createKafka('wozamali-dlq-replay', brokers), { topic, consumer, dryRun });
  console.log(`[dlq-replay] ${topic}.dlq: read ${read} dead letters, ${dryRun ? 'would replay' : 'replayed'} ${replayed} to ${consumer}`);
})().catch((err) => {
  console.error('[dlq-replay] failed:', err.message);
  process.exit(1);
});
