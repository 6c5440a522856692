import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { breakage, broken } from '@wozamali/testing';
import { call, createPayout, johannesburgToday, payoutBody, sandboxWithReceiver } from '../support/sandbox';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);

describe('payout sandbox: bad input', () => {
  let h: Awaited<ReturnType<typeof sandboxWithReceiver>>;
  let url: string;

  beforeAll(async () => {
    h = await sandboxWithReceiver();
    url = h.sandbox.url;
  });
  afterAll(async () => {
    await h.stop();
  });

  /** Every payout the sandbox holds: the reports of yesterday, today and tomorrow (so a run across midnight counts right). */
  async function payoutCount(): Promise<number> {
    let total = 0;
    for (const shift of [-1, 0, 1]) total += (await call(url, 'GET', `/v1/reports/payouts?date=${johannesburgToday(new Date(Date.now() + shift * 86_400_000))}`)).body.count;
    return total;
  }

  it('a create body broken at random is a 4xx problem+json with a code, and records nothing', async () => {
    const before = await payoutCount();
    let created = 0;
    await fc.assert(
      fc.asyncProperty(breakage, async (b) => {
        const valid = payoutBody();
        const body = broken(valid, b);
        fc.pre(JSON.stringify(body) !== JSON.stringify(valid));
        // A broken body that is still a valid payout (e.g. an unknown key inside destination) may be created; count those.
        const r = await createPayout(url, body === undefined ? 'null' : body, randomUUID());
        expect(r.status).toBeLessThan(500);
        if (r.status >= 400) {
          expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          expect(typeof r.body.code).toBe('string');
        } else {
          created += 1;
        }
      }),
      { numRuns: RUNS },
    );
    expect(await payoutCount()).toBe(before + created);
  });

  it('NUL and lone surrogates anywhere are 400 and record nothing', async () => {
    const before = await payoutCount();
    for (const bad of ['ref\u0000x', 'ref\uD800x', '\uDC00']) {
      for (const body of [payoutBody({ reference: bad }), payoutBody({ destination: { bank_name: bad, account_number: '123456' } }), payoutBody({ metadata: { note: bad } })]) {
        const r = await createPayout(url, body, randomUUID());
        expect(r.status).toBe(400);
        expect(r.body.code).toBe('validation_failed');
      }
    }
    expect((await call(url, 'GET', '/v1/payouts/by-reference/a%00b')).status).toBe(400);
    expect((await call(url, 'GET', '/v1/payouts/by-reference/%ED%A0%80')).status).toBeLessThan(500);
    expect((await call(url, 'GET', '/v1/payouts/by-reference/%E0%A4%A')).status).toBe(400);
    expect(await payoutCount()).toBe(before);
  });

  it('a missing or malformed Idempotency-Key, bad JSON or a wrong content type is a 4xx', async () => {
    const noKey = await call(url, 'POST', '/v1/payouts', payoutBody());
    expect(noKey.status).toBe(400);
    expect(noKey.body.code).toBe('idempotency_key_required');
    expect((await createPayout(url, payoutBody(), 'with space')).body.code).toBe('invalid_idempotency_key');
    expect((await createPayout(url, payoutBody(), 'x'.repeat(256))).status).toBe(400);
    expect((await createPayout(url, '{"reference":', randomUUID())).body.code).toBe('malformed_json');
    const text = await call(url, 'POST', '/v1/payouts', 'reference=1', { 'idempotency-key': randomUUID(), 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    const big = await createPayout(url, payoutBody({ metadata: { pad: 'x'.repeat(70_000) } }), randomUUID());
    expect(big.status).toBe(413);
  });

  it('amounts must be positive whole cents; methods are the four', async () => {
    for (const amount of [0, -1, 1.5, '100', 2 ** 53, null]) {
      const r = await createPayout(url, payoutBody({ amount }), randomUUID());
      expect(r.status).toBe(400);
      expect(r.body.errors.map((e: any) => e.field)).toContain('amount');
    }
    expect((await createPayout(url, payoutBody({ method: 'cash' }), randomUUID())).body.errors[0].field).toBe('method');
  });

  it('a fault rule or per-request fault of the wrong shape is 400, and changes nothing', async () => {
    const cases = [
      { respond: 'explode' },
      { delay_ms: -1 },
      { delay_ms: 1.5 },
      { error_status: 404, respond: 'error' },
      { reason_code: 'Has Spaces' },
      { times: 0 },
      { on: 'status', outcome: 'failed' },
      { unknown: true },
      [],
      '"x"',
    ];
    for (const c of cases) {
      const r = await call(url, 'POST', '/v1/sandbox/faults', c);
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('validation_failed');
    }
    expect((await call(url, 'GET', '/v1/sandbox/faults')).body.data).toEqual([]);
    const meta = await createPayout(url, payoutBody({ metadata: { sandbox: { respond: 'explode' } } }), randomUUID());
    expect(meta.status).toBe(400);
    expect(meta.body.errors[0].field).toBe('metadata.sandbox.respond');
  });

  it('random fault rules never cause a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('on', 'respond', 'delay_ms', 'times', 'outcome', 'reason_code', 'duplicate_callbacks', 'return_after_ms', 'reference', 'x'), fc.anything({ maxDepth: 1 }), { maxKeys: 4 }), async (rule) => {
        const r = await call(url, 'POST', '/v1/sandbox/faults', rule);
        expect(r.status).toBeLessThan(500);
      }),
      { numRuns: RUNS },
    );
    await call(url, 'DELETE', '/v1/sandbox/faults');
  });

  it('an unknown route is 404 problem+json', async () => {
    const r = await call(url, 'GET', '/v1/nothing');
    expect(r.status).toBe(404);
    expect(r.body.code).toBe('not_found');
  });
});
