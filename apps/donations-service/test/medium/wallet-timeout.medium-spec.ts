import { uuidv7 } from '@wozamali/contracts';
import { openTestDataSource, StubServer, waitFor } from '@wozamali/testing';
import type { DataSource } from 'typeorm';
import { ADMIN, useDonations } from '../support/donations-app';

jest.setTimeout(120_000);

// The one outcome the real wallet cannot be made to give on demand: an answer that comes too late.
// A stub in front of the real wallet forwards every call and holds back the answer of the first
// donation transfer past the client's timeout: the transfer landed, the service does not know.
// (The client's timeout is generous so that, on a loaded machine, the stub has read and forwarded
// the first request before the client gives up: that is the case under test.)
describe('a wallet timeout is "unknown", never "failed"', () => {
  let stub: StubServer;
  let walletDb: DataSource;
  let delayed = 0;
  beforeAll(async () => {
    stub = await StubServer.start();
    walletDb = await openTestDataSource('wallet-service', 2);
  });
  const t = useDonations(() => ({ WALLET_SERVICE_URL: stub.url, WALLET_TIMEOUT_MS: '8000' }));
  beforeAll(() => {
    stub.otherwise(async (req) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
      const upstream = await fetch(`http://127.0.0.1:${t.walletPort}${req.url}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : req.text });
      const body = await upstream.text();
      const late = req.method === 'POST' && req.path === '/internal/v1/transfers' && (req.json as { kind?: string }).kind === 'donate' && delayed++ === 0;
      const replayed = upstream.headers.get('idempotent-replayed');
      return { status: upstream.status, headers: { 'content-type': upstream.headers.get('content-type') ?? 'application/json', ...(replayed ? { 'idempotent-replayed': replayed } : {}) }, body, delayMs: late ? 12_000 : 0 };
    });
  });
  afterAll(async () => {
    await stub?.close();
    await walletDb?.destroy();
  });

  it('the transfer that landed while the client gave up is not applied twice: 202, then the worker gets the original with the same key', async () => {
    const c = (await t.post('/v1/donations/campaigns', ADMIN, { name: `C ${uuidv7()}`, beneficiary: 'B', status: 'active' })).body;
    const user = uuidv7();
    await t.fund(user, 10_000, 10);
    const res = await t.post(`/v1/users/${user}/donations`, { user }, { campaign_id: c.id, amount: 2_500 });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('pending');
    const done = await waitFor(async () => {
      const d = (await t.get(`/v1/users/${user}/donations/${res.body.id}`, { user })).body;
      return d.status === 'accepted' ? d : null;
    }, 'the worker to finish the donation', 60_000, 250);
    const transfers = await walletDb.query(`select id from transfers where user_id = $1 and kind = 'donate'`, [user]);
    expect(transfers).toEqual([{ id: done.transfer_id }]);
    expect((await t.walletCall('GET', `/v1/wallets/${user}`)).body.balance).toBe(7_500);
    // The stub records a request when it has answered it: the late first one lands after the resend.
    const sent = await waitFor(() => {
      const seen = stub.requests.filter((r) => r.path === '/internal/v1/transfers' && r.text.includes(res.body.id));
      return seen.length >= 2 ? seen : null;
    }, 'the late first request and the resend, both recorded', 30_000, 100);
    expect(new Set(sent.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    expect(sent.map((r) => r.json)).toEqual(sent.map(() => sent[0]!.json)); // the stored body, resent unchanged (the wallet hashes it canonically)
  });
});
