import { uuidv7 } from '@wozamali/contracts';
import { freePort, openTestDataSource, serviceAuthHeaders, spawnService, StubServer, waitFor, type SpawnedService } from '@wozamali/testing';
import type { DataSource } from 'typeorm';

jest.setTimeout(180_000);

// The donations-service as a built process, SIGKILLed while the wallet has made the donation's
// transfer but before the service has recorded it (a stub in front of the real wallet holds the
// answer back). Restarted, the same request with the same Idempotency-Key makes no second transfer:
// the donation id, and so the wallet key, come from the caller and the key.
describe('SIGKILL mid-donation, restart, applied once', () => {
  let wallet: SpawnedService;
  let donations: SpawnedService | null = null;
  let stub: StubServer;
  let walletDb: DataSource;
  let db: DataSource;
  let forwarded = 0;

  beforeAll(async () => {
    wallet = await spawnService('wallet-service', await freePort());
    stub = await StubServer.start();
    stub.otherwise(async (req) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
      const upstream = await fetch(`${wallet.url}${req.url}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : req.text });
      if (req.method === 'POST' && req.path === '/internal/v1/transfers') forwarded += 1;
      return { status: upstream.status, headers: { 'content-type': upstream.headers.get('content-type') ?? 'application/json' }, body: await upstream.text(), delayMs: req.method === 'POST' ? 30_000 : 0 };
    });
    walletDb = await openTestDataSource('wallet-service', 2);
    db = await openTestDataSource('donations-service', 2);
  }, 120_000);

  afterAll(async () => {
    await donations?.stop();
    await wallet?.stop();
    await stub?.close();
    await walletDb?.destroy();
    await db?.destroy();
  });

  const send = async (url: string, path: string, user: string | null, body: unknown, key: string) => {
    const auth = await serviceAuthHeaders('donations-service', 'api-gateway', user ? { type: 'user', userId: user, role: 'resident' } : { type: 'user', userId: uuidv7(), role: 'admin' });
    return fetch(`${url}${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(body) });
  };

  it('the transfer landed, the process died before recording it: the retry records that transfer, no second one', async () => {
    const port = await freePort();
    // Straight to the wallet for the set-up, through the slow stub for the donation.
    donations = await spawnService('donations-service', port, { WALLET_SERVICE_URL: wallet.url, WALLET_TIMEOUT_MS: '60000' });
    const campaign = await (await send(donations.url, '/v1/donations/campaigns', null, { name: `Crash ${uuidv7()}`, beneficiary: 'B', status: 'active' }, uuidv7())).json() as { id: string };
    const user = uuidv7();
    const funded = await fetch(`${wallet.url}/v1/users/${user}/points/earn`, {
      method: 'POST', headers: { ...(await serviceAuthHeaders('wallet-service')), 'content-type': 'application/json', 'idempotency-key': uuidv7() }, body: JSON.stringify({ points: 1, amount: 10_000, reason: 'seed' }),
    });
    expect(funded.status).toBe(201);
    await donations.stop();

    donations = await spawnService('donations-service', port, { WALLET_SERVICE_URL: stub.url, WALLET_TIMEOUT_MS: '60000', DONATION_WORKERS_ENABLED: 'false' });
    const key = uuidv7();
    const body = { campaign_id: campaign.id, amount: 3_000 };
    const inFlight = send(donations.url, `/v1/users/${user}/donations`, user, body, key).catch(() => null);
    await waitFor(() => forwarded >= 1, 'the wallet to be asked', 30_000);
    await waitFor(async () => (await walletDb.query(`select count(*)::int as n from transfers where user_id = $1 and kind = 'donate'`, [user]))[0].n === 1, 'the transfer to land', 30_000);
    expect(await donations.stop('SIGKILL')).toBe('SIGKILL');
    await inFlight;
    expect((await db.query('select count(*)::int as n from donations where user_id = $1', [user]))[0].n).toBe(0);

    donations = await spawnService('donations-service', port, { WALLET_SERVICE_URL: wallet.url });
    const again = await send(donations.url, `/v1/users/${user}/donations`, user, body, key);
    expect(again.status).toBe(201);
    const d = await again.json() as { status: string; transfer_id: string; receipt_number: string };
    expect(d).toMatchObject({ status: 'accepted', receipt_number: expect.stringMatching(/^WM-/) });
    const transfers = await walletDb.query(`select id from transfers where user_id = $1 and kind = 'donate'`, [user]);
    expect(transfers).toEqual([{ id: d.transfer_id }]);
    expect((await db.query('select count(*)::int as n from donations where user_id = $1', [user]))[0].n).toBe(1);
    const balance = await fetch(`${wallet.url}/v1/wallets/${user}`, { headers: await serviceAuthHeaders('wallet-service') }).then((r) => r.json() as Promise<{ balance: number }>);
    expect(balance.balance).toBe(7_000);
  });
});
