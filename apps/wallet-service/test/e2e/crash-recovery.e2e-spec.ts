import { Topics, uuidv7 } from '@wozamali/contracts';
import { databaseName, databaseUrl, migrateDatabase } from '@wozamali/database';
import { createKafka } from '@wozamali/messaging';
import { freePort, kafkaBrokers, serviceAuthHeaders, serverUrl, spawnService, uniqueName, waitFor, type SpawnedService } from '@wozamali/testing';
import { Client } from 'pg';
import { migrations } from '../../src/migrations';

// The wallet-service as a real process (dist/main.js), killed with SIGKILL while earns are in
// flight. Clients then retry every request with its Idempotency-Key, as they must when an answer
// never came. Each earn is credited exactly once, no balance disagrees with its postings, and every
// committed transfer's wallet_update reaches Kafka, including those the killed process had not
// yet published. It runs on a database of its own, so its relay publishes only its own events.
const prefix = `${process.env.DB_PREFIX || 'wozamali_test'}_wcrash`;
const database = databaseName(prefix, 'wallet-service');
let service: SpawnedService | null = null;
let db: Client;

interface Earn {
  user: string;
  key: string;
  points: number;
  amount: number;
}

type Outcome = { status: number; transferId: string | null; replayed: boolean } | { error: string };

async function send(url: string, e: Earn): Promise<Outcome> {
  try {
    const res = await fetch(`${url}/v1/users/${e.user}/points/earn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': e.key, ...(await serviceAuthHeaders('wallet-service')) },
      body: JSON.stringify({ points: e.points, amount: e.amount, reason: 'crash test' }),
    });
    const body = (await res.json()) as { transfer_id?: string };
    return { status: res.status, transferId: body.transfer_id ?? null, replayed: res.headers.get('idempotent-replayed') === 'true' };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

beforeAll(async () => {
  await migrateDatabase({ serverUrl: serverUrl(), database, migrations });
  db = new Client({ connectionString: databaseUrl(serverUrl(), database) });
  await db.connect();
});

afterAll(async () => {
  await service?.stop('SIGKILL');
  await db?.end();
});

it('a wallet-service killed mid-stream loses nothing and, when clients retry with their keys, credits each earn once', async () => {
  const users = Array.from({ length: 8 }, () => uuidv7());
  const earns: Earn[] = Array.from({ length: 240 }, (_, i) => ({ user: users[i % users.length]!, key: uuidv7(), points: 1 + (i % 7), amount: 10 + i }));
  const port = await freePort();
  const env = { DB_PREFIX: prefix, KAFKA_CONSUMERS_ENABLED: 'false' };
  service = await spawnService('wallet-service', port, env);

  // 16 clients at a time; the process is killed once 80 answers have come back.
  const first = new Map<string, Outcome>();
  let next = 0;
  let killed: Promise<unknown> | null = null;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < earns.length) {
      const e = earns[next++]!;
      first.set(e.key, await send(service!.url, e));
      if (!killed && [...first.values()].filter((o) => 'status' in o).length >= 80) killed = service!.stop('SIGKILL');
    }
  }));
  expect(await killed).toBe('SIGKILL');
  const answered = [...first.values()].filter((o): o is Extract<Outcome, { status: number }> => 'status' in o && o.status === 201);
  const lost = earns.length - answered.length;
  expect(answered.length).toBeGreaterThanOrEqual(80);
  expect(lost).toBeGreaterThan(0); // some requests never got an answer: the test did kill it mid-stream

  // A new process; every client retries every request with the same key and body.
  service = await spawnService('wallet-service', port, env);
  const transferOf = new Map<string, string>();
  for (const e of earns) {
    const retry = await send(service.url, e);
    if (!('status' in retry)) throw new Error(`retry failed: ${retry.error}`);
    expect([200, 201]).toContain(retry.status);
    const before = first.get(e.key);
    if (before && 'status' in before && before.status === 201) {
      // Answered before the crash: the retry is the same transfer, replayed, with no second effect.
      expect(retry).toEqual({ status: 200, transferId: before.transferId, replayed: true });
    }
    transferOf.set(e.key, retry.transferId!);
  }
  expect(new Set(transferOf.values()).size).toBe(earns.length);

  // Each user's balance and points are exactly the sum of their earns: none lost, none twice.
  for (const user of users) {
    const mine = earns.filter((e) => e.user === user);
    const wallet = (await (await fetch(`${service.url}/v1/wallets/${user}`, { headers: await serviceAuthHeaders('wallet-service') })).json()) as { balance: number; points: number; lifetime_points: number };
    expect({ balance: wallet.balance, points: wallet.points }).toEqual({
      balance: mine.reduce((s, e) => s + e.amount, 0),
      points: mine.reduce((s, e) => s + e.points, 0),
    });
  }
  const { rows } = await db.query(`select count(*)::int as n from transfers where kind = 'earn' and user_id = any($1::uuid[])`, [users]);
  expect(rows).toEqual([{ n: earns.length }]);
  const verify = (await (await fetch(`${service.url}/v1/admin/ledger/verify`, { headers: await serviceAuthHeaders('wallet-service') })).json()) as { ok: boolean; mismatches: unknown[] };
  expect(verify).toMatchObject({ ok: true, mismatches: [] });

  // The new process's relay publishes what the killed one had committed but not published.
  await waitFor(async () => (await db.query('select count(*)::int as n from outbox where published_at is null')).rows[0].n === 0, 'the outbox drained', 30_000);
  const kafka = createKafka(uniqueName('crash-reader'), kafkaBrokers());
  const consumer = kafka.consumer({ groupId: uniqueName('crash-reader') });
  const seen = new Set<string>();
  const wanted = new Set(transferOf.values());
  await consumer.connect();
  await consumer.subscribe({ topics: [Topics.wallet], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const event = JSON.parse(message.value?.toString() ?? '{}') as { type?: string; data?: { transfer_id?: string } };
      const id = event.data?.transfer_id;
      if (event.type === 'wallet_update' && id && wanted.has(id)) seen.add(id);
    },
  });
  try {
    await waitFor(() => seen.size === wanted.size, `a wallet_update on Kafka for every transfer (${seen.size} of ${wanted.size})`, 60_000, 200);
  } finally {
    await consumer.disconnect();
  }
}, 180_000);
