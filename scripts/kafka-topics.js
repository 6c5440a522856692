#!/usr/bin/env node
// Creates every platform topic (and its .dlq) with its partition count, and grants each service's
// Kafka user its ACLs (libs/messaging SERVICE_KAFKA_ACCESS); idempotent. Runs as the admin user
// (KAFKA_ADMIN_USERNAME/PASSWORD, exported by scripts/prepare.sh). Consumer groups are granted for
// DB_PREFIX (and each prefix in KAFKA_ACL_GROUP_PREFIXES), or any group with KAFKA_ACL_ANY_GROUP=1
// (test runs). KAFKA_ACLS=false skips the ACLs (a broker without an authorizer).
'use strict';
const { allTopics } = require('../libs/contracts/dist');
const { createKafka, ensureServiceAcls, ensureTopics } = require('../libs/messaging/dist');

(async () => {
  const brokers = process.env.KAFKA_BROKERS || `127.0.0.1:${process.env.KAFKA_PORT || 9092}`;
  const kafka = createKafka('wozamali-topics', brokers);
  await ensureTopics(kafka, allTopics());
  console.log(`[topics] ${allTopics().length} topics present on ${brokers}`);
  if (process.env.KAFKA_ACLS === 'false') return;
  const groupPrefixes = [process.env.DB_PREFIX || 'wozamali', ...(process.env.KAFKA_ACL_GROUP_PREFIXES || '').split(',')].map((p) => p.trim()).filter(Boolean);
  const anyGroup = ['1', 'true'].includes(process.env.KAFKA_ACL_ANY_GROUP || '');
  // The dispatcher's dead-letter replays need Write on every event topic: granted only when switched on.
  const replays = ['1', 'true'].includes(process.env.DEAD_LETTER_REPLAY || '');
  const n = await ensureServiceAcls(kafka, { groupPrefixes: [...new Set(groupPrefixes)], anyGroup, replays });
  console.log(`[topics] ${n} ACLs granted (groups: ${anyGroup ? 'any' : groupPrefixes.join(', ')}; dead-letter replays ${replays ? 'on' : 'off'})`);
})().catch((err) => {
  console.error('[topics] failed:', err.message);
  process.exit(1);
});
