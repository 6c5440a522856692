import { randomUUID } from 'node:crypto';
import { parseServicePublicKeys, ServiceTokenVerifier } from '@wozamali/auth';
import { testServiceKeys, uniqueName } from '@wozamali/testing';
import { ROUTES } from '../../src/routing/route-table';
import { call, startGateway, StubBackend, userToken, type RunningGateway } from './gateway-harness';

// `auth: 'none'` is one explicit flag on one route (the payment provider's signed callbacks); everything else stays deny-by-default.
describe('the one route the gateway passes without authentication', () => {
  let gw: RunningGateway;
  let withdrawals: StubBackend;

  beforeAll(async () => {
    withdrawals = await new StubBackend().start();
    gw = await startGateway({ WITHDRAWALS_SERVICE_URL: withdrawals.url, REDIS_KEY_PREFIX: uniqueName('gwnoauth') });
  });
  afterAll(async () => {
    await gw.close();
    await withdrawals.stop();
  });
  beforeEach(() => {
    withdrawals.received.length = 0;
    withdrawals.respond = () => ({ status: 200, body: { received: true } });
  });

  it('only POST /v1/withdrawals/payout-callbacks is marked auth: none in the route table', () => {
    expect(ROUTES.filter((r) => r.auth === 'none').map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v1/withdrawals/payout-callbacks']);
  });

  it('a callback without credentials reaches the service with its exact bytes and Standard Webhooks headers, under a principal with no permissions', async () => {
    const body = '{"id":"msg_1","type":"payout.completed",  "data":{"reference":"r"}}';
    const res = await call(gw.url, 'POST', '/v1/withdrawals/payout-callbacks', {
      'content-type': 'application/json', 'webhook-id': 'msg_1', 'webhook-timestamp': '1700000000', 'webhook-signature': 'v1,abc',
    }, body);
    expect(res.status).toBe(200);
    const got = withdrawals.received[0]!;
    expect([got.method, got.url, got.body]).toEqual(['POST', '/v1/withdrawals/payout-callbacks', body]);
    expect(got.headers).toMatchObject({ 'webhook-id': 'msg_1', 'webhook-timestamp': '1700000000', 'webhook-signature': 'v1,abc' });
    const verifier = new ServiceTokenVerifier({ audience: 'withdrawals-service', keys: parseServicePublicKeys(testServiceKeys().publicKeys) });
    const caller = await verifier.verify(String(got.headers.authorization).replace(/^Bearer /, ''));
    expect(caller).toEqual({ service: 'api-gateway', principal: { type: 'service', serviceId: 'unauthenticated', keyId: 'unauthenticated', permissions: {} } });
  });

  it('every other withdrawals route still needs credentials (401 before the service is asked), the external form of the callback too', async () => {
    const id = randomUUID();
    for (const [method, path] of [
      ['POST', `/v1/withdrawals/${id}/approve`], ['POST', `/v1/withdrawals/${id}/reject`], ['GET', '/v1/withdrawals'], ['GET', `/v1/withdrawals/${id}`],
      ['GET', '/v1/withdrawals/reconciliations'], ['POST', `/v1/users/${id}/withdrawals`], ['GET', '/v1/withdrawals/payout-callbacks'],
      ['POST', '/v1/external/provider/withdrawals/payout-callbacks'],
    ]) {
      const res = await call(gw.url, method, path, { 'webhook-id': 'msg_x', 'webhook-signature': 'v1,abc' }, method === 'POST' ? {} : undefined);
      expect([method, path, res.status]).toEqual([method, path, 401]);
    }
    expect(withdrawals.received).toEqual([]);
  });

  it('the Standard Webhooks headers are forwarded on that route only', async () => {
    const admin = userToken('admin');
    await call(gw.url, 'POST', `/v1/withdrawals/${randomUUID()}/approve`, { ...admin.headers, 'idempotency-key': randomUUID(), 'webhook-id': 'msg_y', 'webhook-signature': 'v1,abc' }, { note: 'ok' });
    expect(withdrawals.received).toHaveLength(1);
    expect(withdrawals.received[0]!.headers['webhook-id']).toBeUndefined();
    expect(withdrawals.received[0]!.headers['webhook-signature']).toBeUndefined();
  });
});
