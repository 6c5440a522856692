#!/usr/bin/env node
// Creates every platform topic (and its .dlq) with its partition count; idempotent.
'use strict';
const { allTopics } = require('../libs/contracts/dist');
const { createKafka, ensureTopics } = require('../libs/messaging/dist');

(async () => {
  const brokers = process.env.KAFKA_BROKERS || `127.0.0.1:${process.env.KAFKA_PORT || 9092}`;
  const kafka = createKafka('wozamali-topics', brokers);
  await ensureTopics(kafka, allTopics());
  console.log(`[topics] ${allTopics().length} topics present on ${brokers}`);
})().catch((err) => {
  console.error('[topics] failed:', err.message);
  process.exit(1);
});
