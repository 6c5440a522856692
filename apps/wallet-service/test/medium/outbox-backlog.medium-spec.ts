import { uuidv7 } from '@wozamali/contracts';
import { databaseName, migrateDatabase } from '@wozamali/database';
import { freePort, serverUrl } from '@wozamali/testing';
import { migrations } from '../../src/migrations';
import { startWalletApp, type WalletTestApp } from '../support/wallet-app';

// Kafka unreachable: the wallet still takes earns (the outbox holds their events), says Kafka is not
// ready, and shows the backlog on /metrics (DESIGN.md §8, outbox lag). A database of its own, so no
// other wallet's relay publishes these rows.
const prefix = `${process.env.DB_PREFIX || 'wozamali_test'}_wbacklog`;
let w: WalletTestApp;

function gauge(metrics: string, name: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}{`));
  if (!line) throw new Error(`no ${name} on /metrics`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

beforeAll(async () => {
  await migrateDatabase({ serverUrl: serverUrl(), database: databaseName(prefix, 'wallet-service'), migrations });
  w = await startWalletApp({ DB_PREFIX: prefix, KAFKA_BROKERS: `127.0.0.1:${await freePort()}` });
});

afterAll(async () => {
  await w?.close();
});

it('with Kafka down, earns still commit; their events wait in the outbox, counted and aged on /metrics', async () => {
  const before = gauge(await (await fetch(`${w.url}/metrics`)).text(), 'outbox_unpublished');
  const user = uuidv7();
  for (let i = 1; i <= 3; i += 1) expect((await w.post(`/v1/users/${user}/points/earn`, { points: 10 * i, amount: 5 * i, reason: 'while Kafka is down' })).status).toBe(201);
  expect((await w.get(`/v1/wallets/${user}`)).body).toMatchObject({ balance: 30, points: 60 });

  const ready = await fetch(`${w.url}/health/ready`);
  expect(ready.status).toBe(503);
  await new Promise((r) => setTimeout(r, 1100));
  const metrics = await (await fetch(`${w.url}/metrics`)).text();
  // Each earn writes a wallet_update and a points_update: six more events wait.
  expect(gauge(metrics, 'outbox_unpublished')).toBe(before + 6);
  expect(gauge(metrics, 'outbox_oldest_unpublished_seconds')).toBeGreaterThanOrEqual(1);
  expect(gauge(metrics, 'outbox_published_total')).toBe(0);
});
