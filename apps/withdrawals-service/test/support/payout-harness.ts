import { randomBytes } from 'node:crypto';
import { uuidv7 } from '@wozamali/contracts';
import { freePort, serviceAuthHeaders, spawnService, StubServer, waitFor, type SpawnedService } from '@wozamali/testing';
import { CALLBACK_ROUTE } from '../../src/controllers/callback-hooks';
import { PayoutService } from '../../src/services/payout.service';
import { admin, bankDestination, resident, useHarness, type Answer, type Harness } from './harness';

export interface PayoutHarness extends Harness {
  sandbox: SpawnedService;
  /** Stands in for the gateway on the callback route: adds the gateway's service token, passes the body and webhook headers untouched. */
  relay: StubServer;
  secret: string;
  payouts(): PayoutService;
  sandboxCall(method: string, path: string, body?: unknown): Promise<Answer>;
  /** A withdrawal approved by an admin, not yet sent. */
  approved(amount: number, dest?: Record<string, string>): Promise<{ user: string; id: string }>;
  /** Sends (when approved) and asks the provider until `done(status)`, as the worker does, for this withdrawal only. */
  drive(id: string, done: (status: string) => boolean, what: string): Promise<string>;
  status(id: string): Promise<string>;
}

export function usePayoutHarness(): PayoutHarness {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const p = {} as PayoutHarness;
  let relay: StubServer;
  let sandbox: SpawnedService;
  let serviceUrl = '';
  beforeAll(async () => {
    relay = await StubServer.start();
    relay.otherwise(async (req) => {
      const headers: Record<string, string> = { ...(await serviceAuthHeaders('withdrawals-service', 'api-gateway', null)) };
      for (const name of ['content-type', 'webhook-id', 'webhook-timestamp', 'webhook-signature']) {
        const v = req.headers[name];
        if (typeof v === 'string') headers[name] = v;
      }
      const res = await fetch(`${serviceUrl}${CALLBACK_ROUTE}`, { method: 'POST', headers, body: req.text });
      return { status: res.status, body: await res.text(), headers: { 'content-type': 'application/json' } };
    });
    sandbox = await spawnService('payout-sandbox', await freePort(), {
      PAYOUT_SANDBOX_CALLBACK_URL: relay.url,
      PAYOUT_SANDBOX_WEBHOOK_SECRET: secret,
      PAYOUT_SANDBOX_PROCESSING_AFTER_MS: '50',
      PAYOUT_SANDBOX_SETTLE_AFTER_MS: '200',
      PAYOUT_SANDBOX_CALLBACK_RETRY_MS: '100,300,1000,3000,5000,10000',
      LOG_LEVEL: 'warn',
    });
  }, 120_000);
  const h = useHarness(() => ({
    PAYOUT_PROVIDER_URL: sandbox.url,
    PAYOUT_WEBHOOK_SECRET: secret,
    PAYOUT_TIMEOUT_MS: '1500',
    PAYOUT_POLL_FAST_MS: '50',
    PAYOUT_LEASE_MS: '500',
  }));
  beforeAll(() => {
    serviceUrl = h.url;
    Object.assign(p, h);
    p.sandbox = sandbox;
    p.relay = relay;
    p.secret = secret;
  });
  afterAll(async () => {
    await sandbox?.stop('SIGKILL');
    await relay?.close();
  });
  // Harness fields are read through `h` (filled in its own beforeAll).
  p.payouts = () => h.app.get(PayoutService);
  p.sandboxCall = async (method, path, body) => {
    const res = await fetch(`${sandbox.url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };
  p.status = async (id) => (await h.call('GET', `/v1/withdrawals/${id}`, admin())).body.status;
  p.approved = async (amount, dest = bankDestination()) => {
    const user = uuidv7();
    await h.fund(user, amount + 10_000);
    await h.knownDestination(user, 'bank_transfer', dest);
    const res = await h.call('POST', `/v1/users/${user}/withdrawals`, resident(user), { amount, currency: 'ZAR', method: 'bank_transfer', destination: dest });
    if (res.status !== 201) throw new Error(`request failed: ${res.status} ${JSON.stringify(res.body)}`);
    const ok = await h.call('POST', `/v1/withdrawals/${res.body.id}/approve`, admin(), { note: 'ok' });
    if (ok.body.status !== 'approved') throw new Error(`approval failed: ${JSON.stringify(ok.body)}`);
    return { user, id: res.body.id };
  };
  p.drive = async (id, done, what) =>
    waitFor(async () => {
      const service = h.app.get(PayoutService);
      await service.dispatchApproved(10, [id]);
      await h.db.query(`update withdrawals set next_poll_at = now() where id = $1 and status = 'processing'`, [id]);
      await service.advance(id).catch(() => undefined);
      const s = await p.status(id);
      return done(s) ? s : null;
    }, what, 45_000, 150);
  return p;
}
