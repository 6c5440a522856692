import { uuidv7 } from '@wozamali/contracts';
import fc from 'fast-check';
import { breakage, broken, hostile, serviceAuthHeaders } from '@wozamali/testing';
import { admin, bankDestination, resident, useHarness } from '../support/harness';

// Random bad input against every write of the withdrawals-service (fast-check): a valid body broken
// one way at a time. The answer is never a 5xx; a refusal is problem+json with a stable code and
// writes nothing (no withdrawal, history row, destination or event for that user; limits unchanged).
const h = useHarness();
const RUNS = Number(process.env.FUZZ_RUNS || 40);

async function footprint(user: string): Promise<string> {
  const [row] = await h.db.query(
    `select (select count(*) from withdrawals where user_id = $1)::int as w,
            (select count(*) from withdrawal_history x join withdrawals w on w.id = x.withdrawal_id where w.user_id = $1)::int as hist,
            (select count(*) from withdrawal_destinations where user_id = $1)::int as d,
            (select count(*) from outbox where payload->'data'->>'user_id' = $1::text)::int as o,
            (select coalesce(string_agg(status || ':' || array_to_string(approvals, ','), ';' order by id), '') from withdrawals where user_id = $1) as s`,
    [user],
  );
  return JSON.stringify(row);
}

/** Any text as one path segment, byte by byte (lone surrogates included, as their UTF-8 replacement). */
function pathSegment(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

function expectProblem(res: { status: number; body: any; headers: Headers }, context: unknown): void {
  if (res.status >= 500) throw new Error(`5xx for ${JSON.stringify(context)}: ${JSON.stringify(res.body)}`);
  if (res.status >= 400) {
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(typeof res.body.code).toBe('string');
  }
}

describe('bad input at random on every write', () => {
  it('POST /v1/users/{user_id}/withdrawals', async () => {
    const user = uuidv7();
    const dest = bankDestination();
    await h.fund(user, 50_000);
    await h.knownDestination(user, 'bank_transfer', dest);
    const valid = { amount: 6_000, currency: 'ZAR', method: 'bank_transfer', destination: dest };
    await fc.assert(
      fc.asyncProperty(breakage, async (b) => {
        const body = broken(valid, b);
        const before = await footprint(user);
        const res = await h.call('POST', `/v1/users/${user}/withdrawals`, resident(user), body);
        expectProblem(res, body);
        if (res.status >= 400) expect(await footprint(user)).toBe(before);
        if (res.status === 201) expect((await h.call('POST', `/v1/users/${user}/withdrawals/${res.body.id}/cancel`, resident(user))).status).toBe(200);
      }),
      { numRuns: RUNS },
    );
  });

  it('POST approve and reject (the note), and cancel (the path)', async () => {
    const user = uuidv7();
    const dest = bankDestination();
    await h.fund(user, 50_000);
    await h.knownDestination(user, 'bank_transfer', dest);
    const made = await h.call('POST', `/v1/users/${user}/withdrawals`, resident(user), { amount: 6_000, currency: 'ZAR', method: 'bank_transfer', destination: dest });
    expect(made.status).toBe(201);
    const id = made.body.id as string;
    await fc.assert(
      fc.asyncProperty(breakage, fc.constantFrom('approve', 'reject'), async (b, action) => {
        const body = broken({ note: 'checked' }, b);
        const before = await footprint(user);
        const res = await h.call('POST', `/v1/withdrawals/${id}/${action}`, admin(), body);
        expectProblem(res, body);
        if (res.status >= 400) expect(await footprint(user)).toBe(before);
      }),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(hostile, async (v) => {
        const before = await footprint(user);
        const res = await h.call('POST', `/v1/users/${user}/withdrawals/${pathSegment(String(v))}/cancel`, resident(user));
        expectProblem(res, v);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(await footprint(user)).toBe(before);
      }),
      { numRuns: RUNS },
    );
  });

  it('PUT /v1/withdrawals/limits (bodies that cannot be valid: a field removed, an unknown field, tainted text, another shape)', async () => {
    const valid = (await h.call('GET', '/v1/withdrawals/limits', admin())).body;
    await fc.assert(
      fc.asyncProperty(breakage.filter((b) => b.kind !== 'replace'), async (b) => {
        const body = broken(valid, b);
        const res = await h.call('PUT', '/v1/withdrawals/limits', admin(), body);
        expectProblem(res, body);
        expect(res.status).toBe(400);
        expect((await h.call('GET', '/v1/withdrawals/limits', admin())).body).toEqual(valid);
      }),
      { numRuns: RUNS },
    );
  });

  it('POST /v1/withdrawals/payout-callbacks: anything unsigned is 401 and records nothing', async () => {
    const count = async () => Number((await h.db.query('select count(*)::int as n from provider_callbacks'))[0].n);
    await fc.assert(
      fc.asyncProperty(breakage, fc.string({ maxLength: 20 }), async (b, sig) => {
        const body = broken({ id: 'msg_1', type: 'payout.completed', timestamp: new Date().toISOString(), data: { reference: uuidv7(), status: 'completed', amount: 1 } }, b);
        const before = await count();
        const res = await h.call('POST', '/v1/withdrawals/payout-callbacks', null, body, null);
        expectProblem(res, body);
        expect(res.status).toBeGreaterThanOrEqual(400);
        const signed = await fetch(`${h.url}/v1/withdrawals/payout-callbacks`, {
          method: 'POST',
          headers: { ...(await serviceAuthHeaders('withdrawals-service')), 'content-type': 'application/json', 'webhook-id': `msg_${uuidv7()}`, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': `v1,${sig}` },
          body: JSON.stringify(body),
        });
        expect(signed.status).toBeLessThan(500);
        expect([400, 401]).toContain(signed.status);
        expect(await count()).toBe(before);
      }),
      { numRuns: RUNS },
    );
  });
});
