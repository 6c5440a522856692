import type { WalletCreateHoldRequest } from '@wozamali/contracts';
import { freePort, StubServer } from '@wozamali/testing';
import { WalletClient, type WalletClientOptions } from '../../src';

const USER = '0190a6d4-0000-7000-8000-000000000001';
const HOLD_ID = '0190a6d4-0000-7000-8000-0000000000aa';
const HOLD: WalletCreateHoldRequest = { user_id: USER, amount: 6_000, description: 'withdrawal', reference: 'wd-1' };
const holdAnswer = { hold_id: HOLD_ID, transfer_id: '0190a6d4-0000-7000-8000-0000000000bb', status: 'pending', amount: 6_000, user_id: USER, wallet: { user_id: USER, held: 6_000 } };
const problem = (status: number, code: string, detail: string, extra: Record<string, unknown> = {}) => ({
  status, headers: { 'content-type': 'application/problem+json' }, body: { type: `https://docs.wozamali.co.za/problems/${code}`, title: code, status, code, detail, correlation_id: null, ...extra },
});

describe('WalletClient: every answer is applied, refused or unavailable', () => {
  let stub: StubServer;
  const clients: WalletClient[] = [];
  const client = (opts: Partial<WalletClientOptions> = {}) => {
    const c = new WalletClient({ baseUrl: stub.url, serviceId: 'withdrawals-service', timeoutMs: 500, ...opts });
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    stub = await StubServer.start();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await stub.close();
  });

  it('201 is applied, not replayed, and the request carries the key, the service, the correlation id and the auth headers', async () => {
    stub.on('POST', '/internal/v1/holds', () => ({ status: 201, body: holdAnswer }));
    const audiences: string[] = [];
    const c = client({ authHeaders: async (audience) => { audiences.push(audience); return { authorization: 'Bearer signed-token' }; } });
    const out = await c.createHold(HOLD, { idempotencyKey: 'op-1:hold', requestId: 'req-123' });
    expect(out).toEqual({ kind: 'applied', body: holdAnswer, replayed: false });
    const [sent] = stub.received('POST', '/internal/v1/holds');
    expect(sent!.json).toEqual(HOLD);
    expect(sent!.headers).toMatchObject({
      'idempotency-key': 'op-1:hold', 'x-service-id': 'withdrawals-service', 'x-request-id': 'req-123',
      'content-type': 'application/json', authorization: 'Bearer signed-token',
    });
    expect(audiences).toEqual(['wallet-service']);
  });

  it('200 with Idempotent-Replayed: true is applied and replayed', async () => {
    stub.on('POST', '/internal/v1/holds', () => ({ status: 200, headers: { 'idempotent-replayed': 'true' }, body: holdAnswer }));
    expect(await client().createHold(HOLD, { idempotencyKey: 'op-1:hold' })).toEqual({ kind: 'applied', body: holdAnswer, replayed: true });
  });

  it('409 idempotency_key_reused is refused with the wallet code, status and detail', async () => {
    stub.on('POST', '/internal/v1/holds', () => problem(409, 'idempotency_key_reused', 'this key was used with another body'));
    const out = await client().createHold(HOLD, { idempotencyKey: 'op-1:hold' });
    expect(out).toMatchObject({ kind: 'refused', code: 'idempotency_key_reused', status: 409, detail: 'this key was used with another body' });
  });

  it('422 insufficient_funds is refused, and the whole problem (its extensions) comes with it', async () => {
    stub.on('POST', '/internal/v1/transfers', () => problem(422, 'insufficient_funds', 'not enough ZAR', { asset: 'ZAR' }));
    const out = await client().transfer(
      { kind: 'donate', description: 'donation', legs: [{ from: { type: 'user', id: USER }, to: { type: 'campaign', id: HOLD_ID }, asset: 'ZAR', amount: 100 }] },
      { idempotencyKey: 'don-1:transfer' },
    );
    expect(out).toMatchObject({ kind: 'refused', code: 'insufficient_funds', status: 422, detail: 'not enough ZAR' });
    expect(out.kind === 'refused' && out.problem?.asset).toBe('ZAR');
  });

  it('400 validation_failed is refused', async () => {
    stub.on('POST', '/internal/v1/holds/:id/post', () => problem(400, 'validation_failed', 'description must be shorter'));
    expect(await client().postHold(HOLD_ID, { description: 'x' }, { idempotencyKey: 'op-1:post' })).toMatchObject({ kind: 'refused', code: 'validation_failed', status: 400 });
  });

  it('a code this client does not know is refused under its status\'s generic code, the raw one kept in problem', async () => {
    stub.on('POST', '/internal/v1/holds/:id/void', () => problem(422, 'some_future_rule', 'newer wallet'));
    const out = await client().voidHold(HOLD_ID, {}, { idempotencyKey: 'op-1:void' });
    expect(out).toMatchObject({ kind: 'refused', code: 'validation_failed', status: 422, problem: { code: 'some_future_rule' } });
  });

  it('5xx is unavailable (unknown outcome), whatever its body', async () => {
    stub.on('POST', '/internal/v1/holds', () => problem(500, 'internal_error', 'boom'));
    stub.on('POST', '/internal/v1/holds/:id/post', () => problem(503, 'ledger_busy', 'try again'));
    stub.on('POST', '/internal/v1/holds/:id/void', () => ({ status: 502, body: '<html>bad gateway</html>' }));
    const c = client();
    expect(await c.createHold(HOLD, { idempotencyKey: 'a' })).toEqual({ kind: 'unavailable', reason: expect.stringContaining('500') });
    expect(await c.postHold(HOLD_ID, {}, { idempotencyKey: 'b' })).toEqual({ kind: 'unavailable', reason: expect.stringContaining('503 ledger_busy') });
    expect(await c.voidHold(HOLD_ID, {}, { idempotencyKey: 'c' })).toEqual({ kind: 'unavailable', reason: expect.stringContaining('502') });
  });

  it('an answer after the client\'s timeout is unavailable, and the client does not wait for it', async () => {
    stub.on('POST', '/internal/v1/holds', () => ({ status: 201, body: holdAnswer, delayMs: 1_500 }));
    const started = Date.now();
    const out = await client({ timeoutMs: 200 }).createHold(HOLD, { idempotencyKey: 'op-1:hold' });
    expect(out).toEqual({ kind: 'unavailable', reason: 'no answer within 200 ms' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(stub.received('POST', '/internal/v1/holds')).toHaveLength(1); // it reached the wallet: the outcome is unknown
  });

  it('a server that never answers is unavailable after the timeout', async () => {
    stub.on('GET', '/internal/v1/accounts/:type/:id/balances', () => ({ hang: true }));
    expect(await client({ timeoutMs: 150 }).accountBalances('campaign', HOLD_ID)).toEqual({ kind: 'unavailable', reason: 'no answer within 150 ms' });
  });

  it('a refused connection is unavailable', async () => {
    const c = client({ baseUrl: `http://127.0.0.1:${await freePort()}` });
    expect(await c.createHold(HOLD, { idempotencyKey: 'op-1:hold' })).toEqual({ kind: 'unavailable', reason: expect.stringContaining('ECONNREFUSED') });
  });

  it('a connection reset without an answer is unavailable', async () => {
    stub.on('POST', '/internal/v1/holds', () => ({ destroy: true }));
    const out = await client().createHold(HOLD, { idempotencyKey: 'op-1:hold' });
    expect(out.kind).toBe('unavailable');
    expect(stub.received('POST', '/internal/v1/holds')).toHaveLength(1);
  });

  it('an unparsable answer is unavailable, even on 201 or 4xx', async () => {
    stub.on('POST', '/internal/v1/holds', () => ({ status: 201, body: '{"hold_id": ' }));
    stub.on('POST', '/internal/v1/holds/:id/post', () => ({ status: 404, body: '<html>not here</html>' }));
    const c = client();
    expect(await c.createHold(HOLD, { idempotencyKey: 'a' })).toEqual({ kind: 'unavailable', reason: 'unparsable 201 answer' });
    expect(await c.postHold(HOLD_ID, {}, { idempotencyKey: 'b' })).toEqual({ kind: 'unavailable', reason: 'unparsable 404 answer' });
  });

  it('opens the breaker after failures: calls answer unavailable without reaching the wallet, and it closes again after its reset timeout', async () => {
    let healthy = false;
    stub.on('POST', '/internal/v1/holds', () => (healthy ? { status: 201, body: holdAnswer } : problem(500, 'internal_error', 'down')));
    const c = client({ breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 400 } });
    for (let i = 0; i < 3; i++) expect((await c.createHold(HOLD, { idempotencyKey: `k${i}` })).kind).toBe('unavailable');
    expect(c.state()).toBe('open');
    healthy = true;
    const reached = stub.requests.length;
    expect(await c.createHold(HOLD, { idempotencyKey: 'k3' })).toEqual({ kind: 'unavailable', reason: expect.stringContaining('circuit open') });
    expect(stub.requests).toHaveLength(reached);
    await new Promise((r) => setTimeout(r, 500));
    expect(c.state()).toBe('half_open');
    expect(await c.createHold(HOLD, { idempotencyKey: 'k3' })).toMatchObject({ kind: 'applied', replayed: false });
    expect(c.state()).toBe('closed');
    expect(stub.requests).toHaveLength(reached + 1);
  });

  it('refusals do not open the breaker: the wallet answered', async () => {
    stub.on('POST', '/internal/v1/holds', () => problem(422, 'insufficient_funds', 'short'));
    const c = client({ breaker: { volumeThreshold: 3 } });
    for (let i = 0; i < 6; i++) expect((await c.createHold(HOLD, { idempotencyKey: `k${i}` })).kind).toBe('refused');
    expect(c.state()).toBe('closed');
  });

  it('reads return the same outcomes: balances applied, with the path encoded and the correlation id sent', async () => {
    const answer = { owner_type: 'reward_sink', owner_id: 'rewards', balances: [{ asset: 'POINTS', balance: 70, credited: 100, debited: 30 }] };
    stub.on('GET', '/internal/v1/accounts/:type/:id/balances', (req) => (req.params.id === 'rewards' ? { status: 200, body: answer } : problem(400, 'invalid_id', 'no')));
    const c = client();
    expect(await c.accountBalances('reward_sink', 'rewards', { requestId: 'r-1' })).toEqual({ kind: 'applied', body: answer, replayed: false });
    expect(stub.requests[0]!.headers['x-request-id']).toBe('r-1');
    expect(stub.requests[0]!.headers['idempotency-key']).toBeUndefined();
    expect(await c.accountBalances('campaign', 'a/b')).toMatchObject({ kind: 'refused', code: 'invalid_id' });
    expect(stub.requests[1]!.url).toBe('/internal/v1/accounts/campaign/a%2Fb/balances');
  });

  it('keeps the connection alive between calls', async () => {
    stub.on('POST', '/internal/v1/holds', () => ({ status: 201, body: holdAnswer }));
    const c = client();
    await c.createHold(HOLD, { idempotencyKey: 'a' });
    await c.createHold(HOLD, { idempotencyKey: 'b' });
    const [first, second] = stub.requests;
    expect(second!.remotePort).toBe(first!.remotePort);
  });

  it('a key the wallet would refuse is refused without a request; a failing auth hook is unavailable without a request', async () => {
    stub.on('POST', '/internal/v1/holds', () => ({ status: 201, body: holdAnswer }));
    expect(await client().createHold(HOLD, { idempotencyKey: 'bad key\n' })).toMatchObject({ kind: 'refused', code: 'idempotency_key_required', status: 400 });
    const out = await client({ authHeaders: () => Promise.reject(new Error('signer down')) }).createHold(HOLD, { idempotencyKey: 'ok' });
    expect(out).toEqual({ kind: 'unavailable', reason: 'auth headers failed: signer down' });
    expect(stub.requests).toHaveLength(0);
  });

  it('a closed client answers unavailable', async () => {
    const c = client();
    c.close();
    expect(await c.createHold(HOLD, { idempotencyKey: 'a' })).toEqual({ kind: 'unavailable', reason: 'the wallet client is closed' });
  });
});
