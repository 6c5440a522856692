// The benchmark's outbox relay in a process of its own, as a service's relay runs beside the
// service and not inside its clients: publishes the producer database's outbox to Kafka until told
// to stop. Forked by run.js with the producer database's URL and the brokers.
'use strict';
const { OutboxRelay, createKafka } = require('../../libs/messaging/dist');

const [connectionString, brokers] = process.argv.slice(2);
const relay = new OutboxRelay({ service: `bench-producer-${process.pid}`, connectionString, kafka: createKafka('bench-producer', brokers), pollIntervalMs: 50 });
relay.start();
process.send({ kind: 'ready' });
process.on('message', async (m) => {
  if (m !== 'stop') return;
  await relay.stop().catch(() => undefined);
  process.exit(0);
});
