import { execFile } from 'node:child_process';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { mintUserToken } from '@wozamali/auth';
import { Topics, uuidv7 } from '@wozamali/contracts';
import { databaseName, databaseUrl } from '@wozamali/database';
import { createKafka } from '@wozamali/messaging';
import { freePort, kafkaBrokers, ROOT, serverUrl, serviceAuthHeaders, spawnService, uniqueName, waitFor, type SpawnedService } from '@wozamali/testing';

const exec = promisify(execFile);
const JWT_SECRET = 'e2e-withdrawals-jwt-secret-at-least-32-bytes';
// Databases of this file's own: its withdrawals-service runs its workers, which must not pick up the
// rows of the medium tests running beside it.
const prefix = `${process.env.DB_PREFIX || 'wozamali_test'}_wde2e`;

// Through the gateway only (a process), with the real wallet-service, the withdrawals-service and the
// payout sandbox as processes, as `npm start` runs them: a resident asks, two admins approve, the
// sandbox pays and calls back through the gateway's one unauthenticated route; the withdrawals-service
// is SIGKILLed between sending a payout and recording it, and the payout is still made exactly once.
// Then the database dump, every service's log and the Kafka messages are searched for the plain
// account number, phone number and email the run used.
describe('withdrawals end to end, through the gateway', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  let wallet: SpawnedService;
  let sandbox: SpawnedService;
  let withdrawals: SpawnedService;
  let gateway: SpawnedService;
  let wdPort = 0;
  let wdEnv: Record<string, string> = {};
  const logs: string[] = [];

  const account = `40${randomInt(10_000_000, 99_999_999)}`;
  const phone = `+2782${randomInt(1_000_000, 9_999_999)}`;
  const email = `pii.${randomUUID().slice(0, 8)}@example.com`;

  beforeAll(async () => {
    await exec(process.execPath, [path.join(ROOT, 'scripts/migrate.js'), '--reset', 'wallet-service', 'withdrawals-service', 'api-gateway'], {
      env: { ...process.env, DB_PREFIX: prefix, DATABASE_URL: serverUrl() },
    });
    const [gwPort, sbPort] = [await freePort(), await freePort()];
    wdPort = await freePort();
    wallet = await spawnService('wallet-service', await freePort(), { DB_PREFIX: prefix });
    sandbox = await spawnService('payout-sandbox', sbPort, {
      PAYOUT_SANDBOX_CALLBACK_URL: `http://127.0.0.1:${gwPort}/v1/withdrawals/payout-callbacks`,
      PAYOUT_SANDBOX_WEBHOOK_SECRET: secret,
      PAYOUT_SANDBOX_PROCESSING_AFTER_MS: '100',
      PAYOUT_SANDBOX_SETTLE_AFTER_MS: '300',
      PAYOUT_SANDBOX_CALLBACK_RETRY_MS: '200,500,1000,2000,4000,8000',
      LOG_LEVEL: 'info',
    });
    wdEnv = {
      DB_PREFIX: prefix, WALLET_SERVICE_URL: wallet.url, PAYOUT_PROVIDER_URL: sandbox.url, PAYOUT_WEBHOOK_SECRET: secret, WITHDRAWAL_DESTINATION_KEY: randomBytes(32).toString('base64'),
      WITHDRAWAL_WORKER_INTERVAL_MS: '200', PAYOUT_POLL_FAST_MS: '200', PAYOUT_LEASE_MS: '1000', PAYOUT_TIMEOUT_MS: '15000', LOG_LEVEL: 'debug',
    };
    withdrawals = await spawnService('withdrawals-service', wdPort, wdEnv);
    gateway = await spawnService('api-gateway', gwPort, {
      DB_PREFIX: prefix, GATEWAY_PORT: String(gwPort), NODE_ENV: 'test', JWT_SECRET, WALLET_SERVICE_URL: wallet.url, WITHDRAWALS_SERVICE_URL: withdrawals.url, REDIS_KEY_PREFIX: uniqueName('wde2e'),
      OUTBOX_RELAY_ENABLED: 'false', KAFKA_CONSUMERS_ENABLED: 'false', LOG_LEVEL: 'info',
    });
  }, 180_000);

  afterAll(async () => {
    for (const s of [gateway, withdrawals, sandbox, wallet]) await s?.stop('SIGTERM');
  }, 60_000);

  const token = (sub: string, role: 'resident' | 'admin') => ({ authorization: `Bearer ${mintUserToken(JWT_SECRET, { sub, role, expiresInSeconds: 600 })}` });
  async function gw(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(method === 'POST' ? { 'idempotency-key': randomUUID() } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }
  async function fund(user: string, cents: number): Promise<void> {
    const res = await fetch(`${wallet.url}/v1/users/${user}/points/earn`, { method: 'POST', headers: { ...(await serviceAuthHeaders('wallet-service')), 'content-type': 'application/json', 'idempotency-key': randomUUID() }, body: JSON.stringify({ points: 1, amount: cents, reason: 'e2e funding' }) });
    expect(res.status).toBe(201);
  }
  const walletOf = async (user: string) => (await (await fetch(`${wallet.url}/v1/wallets/${user}`, { headers: await serviceAuthHeaders('wallet-service') })).json()) as { balance: number; held: number; available: number };
  const sandboxGet = async (path: string) => (await (await fetch(`${sandbox.url}${path}`)).json()) as any;
  const admin1 = token(uuidv7(), 'admin');
  const admin2 = token(uuidv7(), 'admin');
  const ids: string[] = [];

  it('a resident asks; the requester cannot approve; above the threshold two admins approve; the sandbox pays and calls back through the gateway', async () => {
    const user = uuidv7();
    const me = token(user, 'resident');
    await fund(user, 300_000);
    const asked = await gw('POST', `/v1/users/${user}/withdrawals`, me, { amount: 250_000, currency: 'ZAR', method: 'bank_transfer', destination: { bank_name: 'Capitec', account_holder: 'Thandi Nkosi', account_number: account, branch_code: '470010' } });
    expect(asked.status).toBe(201);
    // A first destination is cooling off: it waits for a person.
    expect(asked.body).toMatchObject({ status: 'in_review', amount: 250_000, destination: { account_number: `****${account.slice(-4)}` } });
    const id = asked.body.id as string;
    ids.push(id);
    expect(await walletOf(user)).toMatchObject({ held: 250_000 });

    expect((await gw('POST', `/v1/withdrawals/${id}/approve`, me, { note: 'me' })).status).toBe(403);
    const first = await gw('POST', `/v1/withdrawals/${id}/approve`, admin1, { note: 'bank letter checked' });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('pending');
    expect((await gw('POST', `/v1/withdrawals/${id}/approve`, admin1, { note: 'again' })).body.code).toBe('already_approved_by_you');
    const second = await gw('POST', `/v1/withdrawals/${id}/approve`, admin2, { note: 'second pair of eyes' });
    expect(second.body.status).toBe('approved');

    await waitFor(async () => (await gw('GET', `/v1/users/${user}/withdrawals/${id}`, me)).body.status === 'completed', 'the payout completed', 60_000, 250);
    expect(await walletOf(user)).toMatchObject({ balance: 50_000, held: 0, available: 50_000 });
    const history = (await gw('GET', `/v1/withdrawals/${id}`, admin1)).body.history.map((h: { to: string }) => h.to);
    expect(history).toEqual(['requested', 'pending', 'in_review', 'pending', 'pending', 'approved', 'processing', 'completed']);
    expect((await sandboxGet(`/v1/payouts?reference=${id}`)).data).toHaveLength(1);
  });

  it('SIGKILL of the withdrawals-service between sending a payout and recording it, restart: paid exactly once', async () => {
    const user = uuidv7();
    await fund(user, 100_000);
    const asked = await gw('POST', `/v1/users/${user}/withdrawals`, token(user, 'resident'), { amount: 30_000, currency: 'ZAR', method: 'mobile_money', destination: { provider: 'MTN', phone_number: phone } });
    expect(asked.status).toBe(201);
    const id = asked.body.id as string;
    ids.push(id);
    // The provider records the payout, then keeps the answer back for 8 s: the service is waiting when it dies.
    const rule = await fetch(`${sandbox.url}/v1/sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ on: 'create', reference: id, respond: 'timeout', answer_after_ms: 8000, times: 1 }) });
    expect(rule.status).toBe(201);
    // Below the threshold one admin clears the cooling-off review and approves.
    expect((await gw('POST', `/v1/withdrawals/${id}/approve`, admin1, { note: 'ok' })).body.status).toBe('approved');
    await waitFor(async () => (await fetch(`${sandbox.url}/v1/payouts/by-reference/${id}`)).status === 200, 'the provider to record the payout', 30_000, 50);
    logs.push(withdrawals.output());
    await withdrawals.stop('SIGKILL');
    withdrawals = await spawnService('withdrawals-service', wdPort, wdEnv);
    await waitFor(async () => (await gw('GET', `/v1/withdrawals/${id}`, admin1)).body.status === 'completed', 'completed after the restart', 60_000, 250);
    expect((await sandboxGet(`/v1/payouts?reference=${id}`)).data).toHaveLength(1);
    expect(await walletOf(user)).toMatchObject({ balance: 70_000, held: 0, available: 70_000 });
    const history = (await gw('GET', `/v1/withdrawals/${id}`, admin1)).body.history;
    expect(history.filter((h: { to: string }) => h.to === 'completed')).toHaveLength(1);
    expect(history.filter((h: { to: string }) => h.to === 'processing')).toHaveLength(1);
  });

  it('a PayPal request, then: the plain account number, phone number and email appear in no database row, log line or Kafka message', async () => {
    const user = uuidv7();
    await fund(user, 20_000);
    const asked = await gw('POST', `/v1/users/${user}/withdrawals`, token(user, 'resident'), { amount: 10_000, currency: 'ZAR', method: 'paypal', destination: { email } });
    expect(asked.status).toBe(201);
    expect(asked.body.destination.email).toBe(`p***@example.com`);
    ids.push(asked.body.id);
    const secrets = [account, phone, phone.slice(1), email];

    const { stdout: dump } = await exec('pg_dump', ['--data-only', '--no-owner', databaseUrl(serverUrl(), databaseName(prefix, 'withdrawals-service'))], { maxBuffer: 512 * 1024 * 1024 });
    for (const id of ids) expect(dump).toContain(id);
    for (const s of secrets) expect(dump).not.toContain(s);

    logs.push(withdrawals.output(), wallet.output(), gateway.output(), sandbox.output());
    const allLogs = logs.join('\n');
    expect(allLogs.length).toBeGreaterThan(0);
    for (const s of secrets) expect(allLogs).not.toContain(s);

    const kafka = createKafka(uniqueName('pii-reader'), kafkaBrokers());
    const consumer = kafka.consumer({ groupId: uniqueName('pii-reader') });
    const messages: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [Topics.withdrawals], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => { messages.push(message.value?.toString() ?? ''); } });
    try {
      const completed = (id: string) => messages.some((m) => m.includes(id) && m.includes('"to":"completed"'));
      await waitFor(() => ids.every((id) => messages.some((m) => m.includes(id))) && completed(ids[0]!) && completed(ids[1]!), "every withdrawal's events on Kafka", 60_000, 200);
    } finally {
      await consumer.disconnect();
    }
    const all = messages.join('\n');
    for (const s of secrets) expect(all).not.toContain(s);

    // And the ledger behind it all balances.
    const verify = (await (await fetch(`${wallet.url}/v1/admin/ledger/verify`, { headers: await serviceAuthHeaders('wallet-service') })).json()) as { ok: boolean };
    expect(verify).toMatchObject({ ok: true });
  }, 120_000);
});
