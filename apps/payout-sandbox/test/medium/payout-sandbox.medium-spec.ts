import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { call, createPayout, johannesburgToday, payoutBody, sandboxWithReceiver, until, waitForPayout } from '../support/sandbox';

type Harness = Awaited<ReturnType<typeof sandboxWithReceiver>>;

describe('payout sandbox over HTTP', () => {
  let h: Harness;
  let url: string;

  beforeAll(async () => {
    h = await sandboxWithReceiver();
    url = h.sandbox.url;
  });
  afterAll(async () => {
    await h.stop();
  });
  afterEach(async () => {
    await call(url, 'DELETE', '/v1/sandbox/faults');
    h.receiver.answer = () => 204;
  });

  describe('idempotency', () => {
    it('the same key and body return the same payout; the replay says so', async () => {
      const body = payoutBody();
      const first = await createPayout(url, body, 'key-1-' + randomUUID());
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ reference: body.reference, amount: 25_000, currency: 'ZAR', method: 'bank_transfer', status: 'pending' });
      expect(first.body.id).toMatch(/^po_/);
      const key = 'key-2-' + randomUUID();
      const a = await createPayout(url, { ...body, reference: randomUUID() }, key);
      // The same body with its keys in another order is the same body.
      const again = await createPayout(url, { destination: body.destination, method: 'bank_transfer', currency: 'ZAR', amount: 25_000, reference: a.body.reference }, key);
      expect(again.status).toBe(200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body.id).toBe(a.body.id);
    });

    it('the same key with another body is 409 idempotency_key_reused, and nothing new is recorded', async () => {
      const body = payoutBody();
      const key = randomUUID();
      const first = await createPayout(url, body, key);
      const other = await createPayout(url, { ...body, amount: 25_001 }, key);
      expect(other.status).toBe(409);
      expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(other.body.code).toBe('idempotency_key_reused');
      const read = await call(url, 'GET', `/v1/payouts/by-reference/${body.reference}`);
      expect(read.body.id).toBe(first.body.id);
      expect(read.body.amount).toBe(25_000);
    });

    it('a reference is paid once: another key for the same reference is 409 duplicate_reference', async () => {
      const body = payoutBody();
      await createPayout(url, body, randomUUID());
      const second = await createPayout(url, body, randomUUID());
      expect(second.status).toBe(409);
      expect(second.body.code).toBe('duplicate_reference');
    });

    it('20 concurrent requests with one key create one payout', async () => {
      const body = payoutBody();
      const key = randomUUID();
      const answers = await Promise.all(Array.from({ length: 20 }, () => createPayout(url, body, key)));
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
      expect(answers.filter((a) => a.status === 200)).toHaveLength(19);
      const list = await call(url, 'GET', `/v1/payouts?reference=${body.reference}`);
      expect(list.body.data).toHaveLength(1);
    });
  });

  describe('status by our reference', () => {
    it('answers by reference (query and path) and by id; an unknown reference is an empty list or 404', async () => {
      const body = payoutBody();
      const created = await createPayout(url, body, randomUUID());
      const byQuery = await call(url, 'GET', `/v1/payouts?reference=${body.reference}`);
      expect(byQuery.status).toBe(200);
      expect(byQuery.body.data.map((p: any) => p.id)).toEqual([created.body.id]);
      const byPath = await call(url, 'GET', `/v1/payouts/by-reference/${body.reference}`);
      expect(byPath.body).toMatchObject({ id: created.body.id, reference: body.reference });
      const byId = await call(url, 'GET', `/v1/payouts/${created.body.id}`);
      expect(byId.body.reference).toBe(body.reference);
      expect((await call(url, 'GET', `/v1/payouts?reference=${randomUUID()}`)).body).toEqual({ data: [] });
      const missing = await call(url, 'GET', `/v1/payouts/by-reference/${randomUUID()}`);
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('payout_not_found');
      // A reference is not an id.
      expect((await call(url, 'GET', `/v1/payouts/${body.reference}`)).status).toBe(404);
    });

    it('the payout never carries its destination', async () => {
      const body = payoutBody();
      const created = await createPayout(url, body, randomUUID());
      expect(JSON.stringify(created.body)).not.toContain('1234566789');
      expect(created.body.destination).toBeUndefined();
    });
  });

  describe('lifecycle and signed callbacks', () => {
    it('moves pending → processing → completed over time, and signs each callback per Standard Webhooks', async () => {
      const body = payoutBody();
      await createPayout(url, body, randomUUID());
      const done = await waitForPayout(url, body.reference as string, (p) => p.status === 'completed');
      expect(done.history.map((x: any) => x.status)).toEqual(['pending', 'processing', 'completed']);
      const got = await until(() => (h.receiver.accepted(body.reference as string).length === 2 ? h.receiver.accepted(body.reference as string) : null), 'two callbacks');
      expect(got.map((c) => c.body!.type)).toEqual(['payout.processing', 'payout.completed']);
      for (const c of got) {
        expect(c.verified).toBe(true);
        expect(c.headers['webhook-id']).toBe(c.body!.id);
        expect(c.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
        expect(Number(c.headers['webhook-timestamp'])).toBeGreaterThan(Date.now() / 1000 - 60);
        expect(c.body!.data).toMatchObject({ reference: body.reference, amount: 25_000 });
      }
      expect(got[1].body!.data.status).toBe('completed');
      expect(new Set(got.map((c) => c.webhookId)).size).toBe(2);
    });

    it('a callback signed with another secret does not verify (the receiver really checks)', async () => {
      await createPayout(url, payoutBody(), randomUUID());
      const c = await until(() => h.receiver.accepted()[0], 'a callback');
      const raw = JSON.stringify(c.body);
      const headers = { 'webhook-id': c.webhookId, 'webhook-timestamp': String(c.headers['webhook-timestamp']), 'webhook-signature': String(c.headers['webhook-signature']) };
      expect(() => new Webhook(`whsec_${Buffer.from('another secret of 32 bytes......').toString('base64')}`).verify(raw, headers)).toThrow();
    });

    it('fails with the reason code it was told', async () => {
      await call(url, 'POST', '/v1/sandbox/faults', { method: 'paypal', outcome: 'failed', reason_code: 'account_closed', times: 1 });
      const body = payoutBody({ method: 'paypal', destination: { email: 'jane@example.com' } });
      await createPayout(url, body, randomUUID());
      const failed = await waitForPayout(url, body.reference as string, (p) => p.status === 'failed');
      expect(failed.reason_code).toBe('account_closed');
      const cb = await until(() => h.receiver.accepted(body.reference as string).find((c) => c.body!.type === 'payout.failed'), 'the failed callback');
      expect(cb.body!.data).toMatchObject({ status: 'failed', reason_code: 'account_closed' });
      // times: 1 — the next payout of that method completes.
      const next = payoutBody({ method: 'paypal', destination: { email: 'jane@example.com' } });
      await createPayout(url, next, randomUUID());
      await waitForPayout(url, next.reference as string, (p) => p.status === 'completed');
    });

    it('returns a completed payout later, with a reason, and calls back', async () => {
      const body = payoutBody({ metadata: { sandbox: { return_after_ms: 150, return_reason_code: 'account_frozen' } } });
      await createPayout(url, body, randomUUID());
      const returned = await waitForPayout(url, body.reference as string, (p) => p.status === 'returned');
      expect(returned.history.map((x: any) => x.status)).toEqual(['pending', 'processing', 'completed', 'returned']);
      expect(returned.reason_code).toBe('account_frozen');
      await until(() => h.receiver.accepted(body.reference as string).some((c) => c.body!.type === 'payout.returned'), 'the returned callback');
    });

    it('stays where it is when manual, and moves on command along its graph only', async () => {
      const body = payoutBody({ metadata: { sandbox: { manual: true } } });
      const created = await createPayout(url, body, randomUUID());
      await new Promise((r) => setTimeout(r, 300));
      expect((await call(url, 'GET', `/v1/payouts/${created.body.id}`)).body.status).toBe('pending');
      const bad = await call(url, 'POST', `/v1/sandbox/payouts/${created.body.id}/transition`, { status: 'returned' });
      expect(bad.status).toBe(409);
      expect(bad.body.code).toBe('invalid_transition');
      expect((await call(url, 'POST', `/v1/sandbox/payouts/${created.body.id}/transition`, { status: 'processing' })).body.status).toBe('processing');
      // Commands accept our reference too.
      expect((await call(url, 'POST', `/v1/sandbox/payouts/${body.reference}/transition`, { status: 'completed' })).body.status).toBe('completed');
      const ret = await call(url, 'POST', `/v1/sandbox/payouts/${created.body.id}/transition`, { status: 'returned', reason_code: 'beneficiary_deceased' });
      expect(ret.body).toMatchObject({ status: 'returned', reason_code: 'beneficiary_deceased' });
      expect((await call(url, 'POST', `/v1/sandbox/payouts/${created.body.id}/transition`, { status: 'completed' })).status).toBe(409);
      const types = await until(() => {
        const t = h.receiver.accepted(body.reference as string).map((c) => c.body!.type);
        return t.length === 3 ? t : null;
      }, 'three callbacks');
      expect(types).toEqual(['payout.processing', 'payout.completed', 'payout.returned']);
      expect((await call(url, 'POST', `/v1/sandbox/payouts/${randomUUID()}/transition`, { status: 'completed' })).status).toBe(404);
    });

    it('sends duplicate callbacks with the same webhook-id when told', async () => {
      const body = payoutBody({ metadata: { sandbox: { duplicate_callbacks: true } } });
      await createPayout(url, body, randomUUID());
      const got = await until(() => (h.receiver.accepted(body.reference as string).length === 4 ? h.receiver.accepted(body.reference as string) : null), 'four callbacks');
      expect(got.map((c) => c.body!.type)).toEqual(['payout.processing', 'payout.processing', 'payout.completed', 'payout.completed']);
      expect(got[0].webhookId).toBe(got[1].webhookId);
      expect(got[2].webhookId).toBe(got[3].webhookId);
      expect(got.every((c) => c.verified)).toBe(true);
    });

    it('sends duplicates under new webhook-ids when told (a provider that re-emits)', async () => {
      const body = payoutBody({ metadata: { sandbox: { duplicate_callbacks: 'new_id' } } });
      await createPayout(url, body, randomUUID());
      const got = await until(() => (h.receiver.accepted(body.reference as string).length === 4 ? h.receiver.accepted(body.reference as string) : null), 'four callbacks');
      expect(new Set(got.map((c) => c.webhookId)).size).toBe(4);
      expect(got.filter((c) => c.body!.type === 'payout.completed')).toHaveLength(2);
    });

    it('sends callbacks out of order when told: processing after completed', async () => {
      await call(url, 'POST', '/v1/sandbox/faults', { method: 'crypto', out_of_order_callbacks: true });
      const body = payoutBody({ method: 'crypto', destination: { network: 'bitcoin', address: 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh' } });
      await createPayout(url, body, randomUUID());
      const got = await until(() => (h.receiver.accepted(body.reference as string).length === 2 ? h.receiver.accepted(body.reference as string) : null), 'two callbacks');
      expect(got.map((c) => [c.body!.type, c.body!.data.status])).toEqual([
        ['payout.completed', 'completed'],
        ['payout.processing', 'processing'],
      ]);
      expect((await call(url, 'GET', `/v1/payouts/by-reference/${body.reference}`)).body.status).toBe('completed');
    });

    it('retries a callback not answered 2xx, with the same webhook-id, until it is', async () => {
      const body = payoutBody({ metadata: { sandbox: { manual: true } } });
      await createPayout(url, body, randomUUID());
      h.receiver.answer = ({ attempt }) => (attempt <= 2 ? 503 : 204);
      await call(url, 'POST', `/v1/sandbox/payouts/${body.reference}/transition`, { status: 'processing' });
      const ok = await until(() => h.receiver.accepted(body.reference as string)[0], 'the callback accepted');
      const all = h.receiver.received.filter((r) => r.webhookId === ok.webhookId);
      expect(all.map((r) => r.answered)).toEqual([503, 503, 204]);
      const log = await call(url, 'GET', `/v1/sandbox/callbacks?reference=${body.reference}`);
      expect(log.body.data).toHaveLength(1);
      expect(log.body.data[0]).toMatchObject({ webhook_id: ok.webhookId, type: 'payout.processing', delivered: true, given_up: false });
      expect(log.body.data[0].attempts.map((a: any) => a.status)).toEqual([503, 503, 204]);
    });

    it('gives up on a callback after its retries', async () => {
      const body = payoutBody({ metadata: { sandbox: { manual: true } } });
      await createPayout(url, body, randomUUID());
      h.receiver.answer = () => 500;
      await call(url, 'POST', `/v1/sandbox/payouts/${body.reference}/transition`, { status: 'failed', reason_code: 'invalid_account' });
      const given = await untilAsync(async () => {
        const log = await call(url, 'GET', `/v1/sandbox/callbacks?reference=${body.reference}`);
        return log.body.data[0]?.given_up ? log.body.data[0] : null;
      });
      expect(given.attempts).toHaveLength(4);
      expect(given.delivered).toBe(false);
    });
  });

  describe('faults on the request', () => {
    it('delays the answer when told', async () => {
      await call(url, 'POST', '/v1/sandbox/faults', { delay_ms: 400, times: 1 });
      const slow = await createPayout(url, payoutBody(), randomUUID());
      expect(slow.status).toBe(201);
      expect(slow.ms).toBeGreaterThanOrEqual(390);
      // times: 1 — used up.
      expect((await call(url, 'GET', '/v1/sandbox/faults')).body.data).toEqual([]);
    });

    it('times out after committing: the client gives up, the payout exists, and asking again with the same key returns it (one payout)', async () => {
      await call(url, 'POST', '/v1/sandbox/faults', { respond: 'timeout', times: 1 });
      const body = payoutBody();
      const key = randomUUID();
      await expect(createPayout(url, body, key, 300)).rejects.toThrow();
      const list = await call(url, 'GET', `/v1/payouts?reference=${body.reference}`);
      expect(list.body.data).toHaveLength(1);
      const again = await createPayout(url, body, key);
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(list.body.data[0].id);
      const report = await call(url, 'GET', `/v1/reports/payouts?date=${johannesburgToday(new Date(again.body.created_at))}`);
      expect(report.body.payouts.filter((p: any) => p.reference === body.reference)).toHaveLength(1);
    });

    it('answers after the client\'s timeout when told (answer_after_ms)', async () => {
      await call(url, 'POST', '/v1/sandbox/faults', { respond: 'timeout', answer_after_ms: 600, times: 1 });
      const body = payoutBody();
      await expect(createPayout(url, body, randomUUID(), 200)).rejects.toThrow();
      // A patient client gets the late answer.
      await call(url, 'POST', '/v1/sandbox/faults', { respond: 'timeout', answer_after_ms: 300, times: 1 });
      const patient = await createPayout(url, payoutBody(), randomUUID(), 5_000);
      expect(patient.status).toBe(201);
      expect(patient.ms).toBeGreaterThanOrEqual(290);
      expect((await call(url, 'GET', `/v1/payouts/by-reference/${body.reference}`)).status).toBe(200);
    });

    it('answers 5xx after committing when told; the retry with the same key gets the payout', async () => {
      await call(url, 'POST', '/v1/sandbox/faults', { respond: 'error', error_status: 503, times: 1 });
      const body = payoutBody();
      const key = randomUUID();
      const failed = await createPayout(url, body, key);
      expect(failed.status).toBe(503);
      expect(failed.body.code).toBe('sandbox_fault');
      const exists = await call(url, 'GET', `/v1/payouts/by-reference/${body.reference}`);
      expect(exists.status).toBe(200);
      const retry = await createPayout(url, body, key);
      expect(retry.status).toBe(200);
      expect(retry.body.id).toBe(exists.body.id);
    });

    it('resets the connection after committing when told', async () => {
      await call(url, 'POST', '/v1/sandbox/faults', { respond: 'reset', times: 1 });
      const body = payoutBody();
      await expect(createPayout(url, body, randomUUID())).rejects.toThrow();
      expect((await call(url, 'GET', `/v1/payouts/by-reference/${body.reference}`)).status).toBe(200);
    });

    it('per-request metadata acts on the creating request only: its replay answers normally', async () => {
      const body = payoutBody({ metadata: { sandbox: { respond: 'error' } } });
      const key = randomUUID();
      expect((await createPayout(url, body, key)).status).toBe(500);
      const replay = await createPayout(url, body, key);
      expect(replay.status).toBe(200);
      expect(replay.body.reference).toBe(body.reference);
    });

    it('refuses a payout outright when told (422 with the reason code, nothing recorded)', async () => {
      await call(url, 'POST', '/v1/sandbox/faults', { respond: 'reject', reason_code: 'invalid_account', times: 1 });
      const body = payoutBody();
      const refused = await createPayout(url, body, randomUUID());
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('invalid_account');
      expect((await call(url, 'GET', `/v1/payouts/by-reference/${body.reference}`)).status).toBe(404);
    });

    it('a fault matches by reference, and counts down its times', async () => {
      const body = payoutBody();
      const rule = await call(url, 'POST', '/v1/sandbox/faults', { reference: body.reference, respond: 'error', times: 2 });
      expect(rule.status).toBe(201);
      expect(rule.body).toMatchObject({ reference: body.reference, remaining: 2, respond: 'error' });
      // Another reference is untouched.
      expect((await createPayout(url, payoutBody(), randomUUID())).status).toBe(201);
      const key = randomUUID();
      expect((await createPayout(url, body, key)).status).toBe(500);
      expect((await call(url, 'GET', '/v1/sandbox/faults')).body.data[0].remaining).toBe(1);
      expect((await createPayout(url, body, key)).status).toBe(500);
      expect((await call(url, 'GET', '/v1/sandbox/faults')).body.data).toEqual([]);
      expect((await createPayout(url, body, key)).status).toBe(200);
    });

    it('status reads can be made to fail too (on: status)', async () => {
      const body = payoutBody();
      await createPayout(url, body, randomUUID());
      await call(url, 'POST', '/v1/sandbox/faults', { on: 'status', reference: body.reference, respond: 'error', error_status: 502, times: 1 });
      expect((await call(url, 'GET', `/v1/payouts/by-reference/${body.reference}`)).status).toBe(502);
      expect((await call(url, 'GET', `/v1/payouts/by-reference/${body.reference}`)).status).toBe(200);
      await call(url, 'POST', '/v1/sandbox/faults', { on: 'status', reference: body.reference, respond: 'timeout', times: 1 });
      await expect(call(url, 'GET', `/v1/payouts?reference=${body.reference}`, undefined, {}, 300)).rejects.toThrow();
      expect((await call(url, 'GET', `/v1/payouts?reference=${body.reference}`)).body.data).toHaveLength(1);
    });

    it('a fault can be removed by id', async () => {
      const rule = await call(url, 'POST', '/v1/sandbox/faults', { respond: 'error' });
      expect((await call(url, 'DELETE', `/v1/sandbox/faults/${rule.body.id}`)).status).toBe(204);
      expect((await call(url, 'DELETE', `/v1/sandbox/faults/${rule.body.id}`)).status).toBe(404);
      expect((await createPayout(url, payoutBody(), randomUUID())).status).toBe(201);
    });
  });

  describe('daily report', () => {
    it('lists the day\'s payouts with reference, amount and status; another day has none of them', async () => {
      const a = payoutBody({ amount: 10_000 });
      const b = payoutBody({ amount: 20_000, metadata: { sandbox: { outcome: 'failed', reason_code: 'insufficient_provider_float' } } });
      const createdA = await createPayout(url, a, randomUUID());
      await createPayout(url, b, randomUUID());
      await waitForPayout(url, b.reference as string, (p) => p.status === 'failed');
      await waitForPayout(url, a.reference as string, (p) => p.status === 'completed');
      // The day the sandbox recorded them on (not "now": a run may cross midnight).
      const today = johannesburgToday(new Date(createdA.body.created_at));
      const report = await call(url, 'GET', `/v1/reports/payouts?date=${today}`);
      expect(report.status).toBe(200);
      expect(report.body).toMatchObject({ date: today, time_zone: 'Africa/Johannesburg' });
      const rows = report.body.payouts.filter((p: any) => p.reference === a.reference || p.reference === b.reference);
      expect(rows).toEqual([
        expect.objectContaining({ reference: a.reference, amount: 10_000, currency: 'ZAR', status: 'completed', reason_code: null }),
        expect.objectContaining({ reference: b.reference, amount: 20_000, status: 'failed', reason_code: 'insufficient_provider_float' }),
      ]);
      expect(report.body.count).toBe(report.body.payouts.length);
      expect(report.body.total_amount).toBe(report.body.payouts.reduce((s: number, p: any) => s + p.amount, 0));
      const yesterday = johannesburgToday(new Date(Date.parse(createdA.body.created_at) - 86_400_000));
      const other = await call(url, 'GET', `/v1/reports/payouts?date=${yesterday}`);
      expect(other.body.payouts.filter((p: any) => p.reference === a.reference)).toEqual([]);
      for (const bad of ['', '2026-13-01', '2026-02-30', '30-11-2026']) {
        const r = await call(url, 'GET', `/v1/reports/payouts?date=${bad}`);
        expect(r.status).toBe(400);
        expect(r.body.code).toBe('validation_failed');
      }
    });
  });

  describe('configuration at run time', () => {
    it('a callback URL and secret can be set after start (the secret is never shown)', async () => {
      const cfg = await call(url, 'GET', '/v1/sandbox/config');
      expect(cfg.body.webhook_secret_set).toBe(true);
      expect(JSON.stringify(cfg.body)).not.toContain(h.secret);
      const put = await call(url, 'PUT', '/v1/sandbox/config', { callback_url: cfg.body.callback_url, settle_after_ms: 100 });
      expect(put.status).toBe(200);
      expect(put.body.callback_url).toBe(cfg.body.callback_url);
      expect((await call(url, 'PUT', '/v1/sandbox/config', { webhook_secret: 'plain' })).status).toBe(400);
      expect((await call(url, 'PUT', '/v1/sandbox/config', { callback_url: 'ftp://x' })).status).toBe(400);
    });
  });
});

async function untilAsync<T>(probe: () => Promise<T | null>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}
