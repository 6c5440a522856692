import { envelopeProblems, eventDataProblems, uuidv7, type EventType } from '@wozamali/contracts';
import { waitFor } from '@wozamali/testing';
import { admin, bankDestination, resident, useHarness } from '../support/harness';

// The request path against the real wallet-service (a process) and the real PostgreSQL.
describe('withdrawal requests', () => {
  const h = useHarness();

  const ask = (user: string, body: unknown, key?: string) => h.call('POST', `/v1/users/${user}/withdrawals`, resident(user), body, key);
  const countRows = async (user: string) => Number((await h.db.query('select count(*)::int as n from withdrawals where user_id = $1', [user]))[0].n);
  const outboxOf = async (id: string) =>
    (await h.db.query(`select type, payload from outbox where payload->'data'->>'withdrawal_id' = $1 order by seq`, [id])) as { type: string; payload: any }[];

  it('a request to a known destination holds the money and answers 201 pending, the destination masked and encrypted at rest', async () => {
    const user = uuidv7();
    const dest = bankDestination('620012345678');
    await h.fund(user, 100_000);
    await h.knownDestination(user, 'bank_transfer', dest);
    const res = await ask(user, { amount: 20_000, currency: 'ZAR', method: 'bank_transfer', destination: dest });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ user_id: user, amount: 20_000, currency: 'ZAR', method: 'bank_transfer', status: 'pending', destination: { account_number: '****5678', branch_code: '250655', account_holder: 'T*** N***' } });
    expect(res.body.hold_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(res.body)).not.toContain('620012345678');
    expect(await h.walletOf(user)).toMatchObject({ balance: 100_000, held: 20_000, available: 80_000 });

    const [row] = await h.db.query('select destination_ciphertext, destination_masked::text as masked from withdrawals where id = $1', [res.body.id]);
    expect((row.destination_ciphertext as Buffer).toString('latin1')).not.toContain('620012345678');
    expect(row.masked).not.toContain('620012345678');

    const events = await outboxOf(res.body.id);
    expect(events.map((e) => e.type)).toEqual(['withdrawal_request', 'withdrawal_update']);
    expect(events[0]!.payload.data).toMatchObject({ status: 'pending', hold_id: res.body.hold_id, amount: 20_000 });
    expect(events[1]!.payload.data).toMatchObject({ from: 'requested', to: 'pending', actor: 'system' });
    expect(JSON.stringify(events)).not.toContain('620012345678');
    // Every event carries every field of its contract in libs/contracts.
    expect(events.flatMap((e) => [...envelopeProblems(e.payload), ...eventDataProblems(e.type as EventType, e.payload.data)])).toEqual([]);

    const one = await h.call('GET', `/v1/users/${user}/withdrawals/${res.body.id}`, resident(user));
    expect(one.status).toBe(200);
    expect(one.body.history.map((x: { from: string | null; to: string }) => `${x.from}>${x.to}`)).toEqual(['null>requested', 'requested>pending']);
  });

  it('a new destination goes to in_review (cooling-off), with the money held', async () => {
    const user = uuidv7();
    await h.fund(user, 100_000);
    const res = await ask(user, { amount: 10_000, currency: 'ZAR', method: 'paypal', destination: { email: 'Jane.Doe@Example.com' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'in_review', destination: { email: 'j***@example.com' } });
    expect(await h.walletOf(user)).toMatchObject({ held: 10_000 });
  });

  it('the same Idempotency-Key answers the original and writes nothing twice', async () => {
    const user = uuidv7();
    const dest = bankDestination();
    await h.fund(user, 100_000);
    await h.knownDestination(user, 'bank_transfer', dest);
    const key = uuidv7();
    const body = { amount: 7_000, currency: 'ZAR', method: 'bank_transfer', destination: dest };
    const first = await ask(user, body, key);
    const again = await ask(user, body, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(await countRows(user)).toBe(1);
    expect(await h.walletOf(user)).toMatchObject({ held: 7_000 });
  });

  it('20 concurrent requests by a resident who can afford one: exactly one pending, one hold', async () => {
    const user = uuidv7();
    const dest = bankDestination();
    await h.fund(user, 60_000);
    await h.knownDestination(user, 'bank_transfer', dest);
    const answers = await Promise.all(Array.from({ length: 20 }, () => ask(user, { amount: 50_000, currency: 'ZAR', method: 'bank_transfer', destination: dest })));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 201)) {
      expect(a.status).toBe(409);
      expect(a.body.code).toBe('open_withdrawal_exists');
    }
    expect(await countRows(user)).toBe(1);
    expect(await h.walletOf(user)).toMatchObject({ balance: 60_000, held: 50_000, available: 10_000 });
  });

  it('refusals: below the minimum, above the maximum, more than available — 422 with a code, nothing written', async () => {
    const user = uuidv7();
    const dest = bankDestination();
    await h.fund(user, 300_000);
    await h.knownDestination(user, 'bank_transfer', dest);
    const send = (amount: number) => ask(user, { amount, currency: 'ZAR', method: 'bank_transfer', destination: dest });
    expect((await send(4_999)).body).toMatchObject({ status: 422, code: 'below_minimum' });
    expect((await send(500_001)).body).toMatchObject({ status: 422, code: 'above_maximum' });
    const poor = uuidv7();
    await h.fund(poor, 5_000);
    await h.knownDestination(poor, 'bank_transfer', dest);
    const insufficient = await ask(poor, { amount: 6_000, currency: 'ZAR', method: 'bank_transfer', destination: dest });
    expect(insufficient.status).toBe(422);
    expect(insufficient.body.code).toBe('insufficient_funds');
    expect(await countRows(user)).toBe(0);
    expect(await countRows(poor)).toBe(0);
    expect(await h.walletOf(poor)).toMatchObject({ held: 0, available: 5_000 });
  });

  it('the daily count and amount count in Johannesburg days', async () => {
    const user = uuidv7();
    const dest = bankDestination();
    await h.fund(user, 2_000_000);
    await h.knownDestination(user, 'bank_transfer', dest);
    const send = (amount: number) => ask(user, { amount, currency: 'ZAR', method: 'bank_transfer', destination: dest });
    const cancelLast = async (id: string) => expect((await h.call('POST', `/v1/users/${user}/withdrawals/${id}/cancel`, resident(user))).status).toBe(200);
    const a = await send(500_000);
    expect(a.status).toBe(201);
    await cancelLast(a.body.id);
    // A cancelled request does not use up the daily amount, but counts toward the number of requests.
    const b = await send(500_000);
    expect(b.status).toBe(201);
    await cancelLast(b.body.id);
    const c = await send(500_000);
    expect(c.status).toBe(201);
    await cancelLast(c.body.id);
    const d = await send(5_000);
    expect(d.body).toMatchObject({ status: 422, code: 'daily_limit_exceeded', limit: 'count' });
  });

  it('with the wallet away a request answers 202 requested, and the worker places the hold once with the same key', async () => {
    const user = uuidv7();
    const dest = bankDestination();
    await h.fund(user, 50_000);
    await h.knownDestination(user, 'bank_transfer', dest);
    h.front.mode = 'down';
    let res;
    try {
      res = await ask(user, { amount: 9_000, currency: 'ZAR', method: 'bank_transfer', destination: dest });
    } finally {
      h.front.mode = 'pass';
    }
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'requested', hold_id: null });
    expect(await h.walletOf(user)).toMatchObject({ held: 0 });
    const { WithdrawalService } = await import('../../src/services/withdrawal.service');
    const service = h.app.get(WithdrawalService);
    await h.db.query('update withdrawals set next_attempt_at = now() where id = $1', [res.body.id]);
    await waitFor(async () => (await service.retryRequestedHolds()) >= 0 && (await h.call('GET', `/v1/users/${user}/withdrawals/${res.body.id}`, resident(user))).body.status === 'pending', 'the worker to hold', 30_000, 200);
    await service.retryRequestedHolds();
    expect(await h.walletOf(user)).toMatchObject({ held: 9_000, available: 41_000 });
  });

  it('a requested withdrawal the wallet then refuses is failed by the worker with the wallet\'s code, nothing held', async () => {
    const user = uuidv7();
    const dest = bankDestination();
    await h.fund(user, 5_000);
    await h.knownDestination(user, 'bank_transfer', dest);
    h.front.mode = 'down';
    let res;
    try {
      res = await ask(user, { amount: 6_000, currency: 'ZAR', method: 'bank_transfer', destination: dest });
    } finally {
      h.front.mode = 'pass';
    }
    expect(res.status).toBe(202);
    const { WithdrawalService } = await import('../../src/services/withdrawal.service');
    await h.db.query('update withdrawals set next_attempt_at = now() where id = $1', [res.body.id]);
    await waitFor(async () => (await h.app.get(WithdrawalService).retryRequestedHolds()) > 0, 'the worker to settle the request', 30_000, 200);
    const one = await h.call('GET', `/v1/users/${user}/withdrawals/${res.body.id}`, resident(user));
    expect(one.body).toMatchObject({ status: 'failed', failure_code: 'insufficient_funds' });
    expect(one.body.history.at(-1)).toMatchObject({ from: 'requested', to: 'failed', reason: 'insufficient_funds' });
    expect(await h.walletOf(user)).toMatchObject({ held: 0, available: 5_000 });
    const events = await outboxOf(res.body.id);
    expect(events.map((e) => `${e.type}:${e.payload.data.to ?? e.payload.data.status}`)).toEqual(['withdrawal_request:requested', 'withdrawal_update:failed']);
  });

  it('a wallet timeout whose hold did land is not held twice: the worker replays the same key', async () => {
    const user = uuidv7();
    const dest = bankDestination();
    await h.fund(user, 50_000);
    await h.knownDestination(user, 'bank_transfer', dest);
    h.front.mode = 'commit_then_hang';
    let res;
    try {
      res = await ask(user, { amount: 8_000, currency: 'ZAR', method: 'bank_transfer', destination: dest });
    } finally {
      h.front.mode = 'pass';
    }
    expect(res.status).toBe(202);
    expect(await h.walletOf(user)).toMatchObject({ held: 8_000 });
    const { WithdrawalService } = await import('../../src/services/withdrawal.service');
    await h.db.query('update withdrawals set next_attempt_at = now() where id = $1', [res.body.id]);
    await waitFor(async () => (await h.app.get(WithdrawalService).retryRequestedHolds()) > 0, 'the worker to record the hold', 30_000, 200);
    const one = await h.call('GET', `/v1/users/${user}/withdrawals/${res.body.id}`, resident(user));
    expect(one.body.status).toBe('pending');
    expect(await h.walletOf(user)).toMatchObject({ held: 8_000, available: 42_000 });
  });

  it('a bad destination is 400 invalid_destination naming the field, never echoing the value', async () => {
    const user = uuidv7();
    const res = await ask(user, { amount: 10_000, currency: 'ZAR', method: 'bank_transfer', destination: { ...bankDestination(), account_number: '12ab99887766' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'invalid_destination', field: 'destination.account_number' });
    expect(JSON.stringify(res.body)).not.toContain('12ab99887766');
    expect(await countRows(user)).toBe(0);
  });

  it('lists a resident\'s withdrawals newest first, a page at a time; another resident sees none of them', async () => {
    const user = uuidv7();
    const dest = bankDestination();
    await h.fund(user, 100_000);
    await h.knownDestination(user, 'bank_transfer', dest);
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const r = await ask(user, { amount: 5_000 + i, currency: 'ZAR', method: 'bank_transfer', destination: dest });
      expect(r.status).toBe(201);
      ids.push(r.body.id);
      expect((await h.call('POST', `/v1/users/${user}/withdrawals/${r.body.id}/cancel`, resident(user))).status).toBe(200);
    }
    const first = await h.call('GET', `/v1/users/${user}/withdrawals?limit=2`, resident(user));
    expect(first.body.data.map((w: { id: string }) => w.id)).toEqual([ids[2], ids[1]]);
    const second = await h.call('GET', `/v1/users/${user}/withdrawals?limit=2&cursor=${first.body.next_cursor}`, resident(user));
    expect(second.body).toMatchObject({ data: [{ id: ids[0], status: 'cancelled' }], next_cursor: null });
    const stranger = uuidv7();
    expect((await h.call('GET', `/v1/users/${user}/withdrawals`, resident(stranger))).status).toBe(404);
    expect((await h.call('GET', `/v1/users/${user}/withdrawals`, admin())).body.data).toHaveLength(3);
  });
});
