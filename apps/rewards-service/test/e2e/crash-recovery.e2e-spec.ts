import { randomUUID } from 'node:crypto';
import { uuidv7 } from '@wozamali/contracts';
import { freePort, openTestDataSource, serviceAuthHeaders, spawnService, StubServer, waitFor, type SpawnedService, type StubReply } from '@wozamali/testing';
import type { DataSource } from 'typeorm';

// The rewards-service process is killed (SIGKILL) while its wallet call is in flight and the debit
// has landed; started again, its worker finishes the redemption with the same key: issued once,
// debited once. The wallet answers through a proxy that holds the answer back.
let wallet: SpawnedService;
let rewards: SpawnedService;
let proxy: StubServer;
let db: DataSource;
let walletDb: DataSource;
let holdAnswers = false;
let rewardsPort = 0;

const rewardsEnv = () => ({ WALLET_SERVICE_URL: proxy.url, KAFKA_CONSUMERS_ENABLED: 'false', PENDING_REDEMPTION_INTERVAL_MS: '200', PENDING_REDEMPTION_GRACE_MS: '500', WALLET_TIMEOUT_MS: '20000',
  // No donations-service here: its donor-lookup job must not take the donor-badge test's lookups (same database).
  DONOR_LOOKUP_INTERVAL_MS: '3600000' });

beforeAll(async () => {
  wallet = await spawnService('wallet-service', await freePort(), { KAFKA_CONSUMERS_ENABLED: 'false' });
  proxy = (await StubServer.start()).otherwise(async (req): Promise<StubReply> => {
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'content-type', 'idempotency-key', 'x-service-id', 'x-request-id', 'accept']) {
      const v = req.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    const res = await fetch(`${wallet.url}${req.url}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : req.text });
    const body = await res.text();
    // The wallet has answered (and committed); the answer never reaches the rewards-service.
    if (holdAnswers) return { hang: true };
    return { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' }, body };
  });
  rewardsPort = await freePort();
  rewards = await spawnService('rewards-service', rewardsPort, rewardsEnv());
  db = await openTestDataSource('rewards-service', 2);
  walletDb = await openTestDataSource('wallet-service', 2);
}, 120_000);

afterAll(async () => {
  await rewards?.stop();
  await wallet?.stop();
  await proxy?.close();
  await db?.destroy();
  await walletDb?.destroy();
});

const post = async (base: string, audience: string, path: string, body: unknown) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { ...(await serviceAuthHeaders(audience)), 'content-type': 'application/json', 'idempotency-key': randomUUID() }, body: JSON.stringify(body) });

it('SIGKILL while the wallet call is in flight (the debit landed), restart → the worker issues it once, debited once', async () => {
  const user = uuidv7();
  expect((await post(wallet.url, 'wallet-service', `/v1/users/${user}/points/earn`, { points: 500, amount: 0, reason: 'crash test' })).status).toBe(201);
  const reward = await (await post(rewards.url, 'rewards-service', '/v1/rewards', { code: `CRASH_${uuidv7().replace(/-/g, '').slice(-10).toUpperCase()}`, name: 'Crash', type: 'service', points_cost: 200, stock: 5, stock_reason: 'crash test' })).json() as { id: string };
  holdAnswers = true;
  const inFlight = post(rewards.url, 'rewards-service', `/v1/users/${user}/rewards`, { reward_id: reward.id }).catch(() => null);
  const debits = async () => Number((await walletDb.query(`select count(*)::int as n from transfers where kind = 'redeem' and user_id = $1`, [user]))[0].n);
  await waitFor(async () => (await debits()) === 1, 'the debit to land', 30_000);
  expect(await rewards.stop('SIGKILL')).toBe('SIGKILL');
  await inFlight;
  const [pending] = await db.query('select id, status from redemptions where user_id = $1', [user]);
  expect(pending.status).toBe('pending');
  holdAnswers = false;
  rewards = await spawnService('rewards-service', rewardsPort, rewardsEnv());
  await waitFor(async () => (await db.query('select status from redemptions where id = $1', [pending.id]))[0].status === 'issued', 'the worker to issue it', 60_000, 200);
  expect(await debits()).toBe(1);
  expect((await db.query('select count(*)::int as n from user_rewards where redemption_id = $1', [pending.id]))[0].n).toBe(1);
  expect((await db.query('select stock_used from rewards where id = $1', [reward.id]))[0].stock_used).toBe(1);
}, 180_000);
