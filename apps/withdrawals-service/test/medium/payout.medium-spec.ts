import { createHmac } from 'node:crypto';
import { envelopeProblems, eventDataProblems, uuidv7, type EventType } from '@wozamali/contracts';
import { openTestDataSource, waitFor } from '@wozamali/testing';
import { admin } from '../support/harness';
import { usePayoutHarness } from '../support/payout-harness';

// Payouts against the payout sandbox (a real HTTP process), the real wallet-service and PostgreSQL.
describe('payouts, exactly once', () => {
  const p = usePayoutHarness();

  const payoutsAt = async (reference: string) => (await p.sandboxCall('GET', `/v1/payouts?reference=${reference}`)).body.data as { status: string }[];
  const fault = async (body: Record<string, unknown>) => expect((await p.sandboxCall('POST', '/v1/sandbox/faults', body)).status).toBe(201);
  const transfersOf = async (id: string) =>
    (await p.call('GET', `/v1/withdrawals/${id}`, admin())).body.history.filter((x: { transfer_id: string | null }) => x.transfer_id).map((x: { to: string }) => x.to);

  it('an approved withdrawal is sent, completed by the provider, and its hold posted once', async () => {
    const { id, user } = await p.approved(20_000);
    expect(await p.drive(id, (s) => s === 'completed', 'completion')).toBe('completed');
    expect(await p.walletOf(user)).toMatchObject({ balance: 10_000, held: 0, available: 10_000 });
    expect(await payoutsAt(id)).toHaveLength(1);
    expect(await transfersOf(id)).toEqual(['pending', 'completed']);
    const hist = (await p.call('GET', `/v1/withdrawals/${id}`, admin())).body.history.map((x: { to: string }) => x.to);
    expect(hist).toEqual(['requested', 'pending', 'approved', 'processing', 'completed']);
  });

  it('the sandbox commits then times out: doubt keeps the hold; paid once, the hold posted once', async () => {
    const { id, user } = await p.approved(15_000);
    // Recorded, then no answer; the payout stays pending at the provider until told.
    await fault({ on: 'create', reference: id, respond: 'timeout', manual: true, times: 1 });
    const service = p.payouts();
    await service.dispatchApproved(10, [id]);
    await service.advance(id);
    expect(await p.status(id)).toBe('processing');
    expect(await p.walletOf(user)).toMatchObject({ held: 15_000 });
    // Asked again: found by reference, still in flight; nothing is resent under another key.
    await p.db.query('update withdrawals set next_poll_at = now() where id = $1', [id]);
    await service.advance(id);
    expect(await p.status(id)).toBe('processing');
    expect(await payoutsAt(id)).toHaveLength(1);
    expect((await p.sandboxCall('POST', `/v1/sandbox/payouts/${id}/transition`, { status: 'processing' })).status).toBe(200);
    expect((await p.sandboxCall('POST', `/v1/sandbox/payouts/${id}/transition`, { status: 'completed' })).status).toBe(200);
    expect(await p.drive(id, (s) => s === 'completed', 'completion after doubt')).toBe('completed');
    expect(await payoutsAt(id)).toHaveLength(1);
    expect(await p.walletOf(user)).toMatchObject({ balance: 10_000, held: 0 });
    expect((await transfersOf(id)).filter((s: string) => s === 'completed')).toHaveLength(1);
  });

  it('a 5xx after committing is doubt, never failure: paid once', async () => {
    const { id, user } = await p.approved(12_000);
    await fault({ on: 'create', reference: id, respond: 'error', error_status: 503, times: 1 });
    expect(await p.drive(id, (s) => s === 'completed', 'completion after a 503')).toBe('completed');
    expect(await payoutsAt(id)).toHaveLength(1);
    expect(await p.walletOf(user)).toMatchObject({ balance: 10_000, held: 0 });
  });

  it('a connection reset after committing is doubt, never failure: paid once', async () => {
    const { id, user } = await p.approved(12_500);
    await fault({ on: 'create', reference: id, respond: 'reset', times: 1 });
    await p.payouts().dispatchApproved(10, [id]);
    await p.payouts().advance(id);
    expect(['processing', 'completed']).toContain(await p.status(id));
    expect(await p.drive(id, (s) => s === 'completed', 'completion after a reset')).toBe('completed');
    expect(await payoutsAt(id)).toHaveLength(1);
    expect(await p.walletOf(user)).toMatchObject({ balance: 10_000, held: 0 });
  });

  it('the provider fails the payout with a reason: the hold is voided and available restored', async () => {
    const { id, user } = await p.approved(14_000);
    await fault({ on: 'create', reference: id, outcome: 'failed', reason_code: 'account_closed' });
    expect(await p.drive(id, (s) => s === 'failed', 'failure')).toBe('failed');
    const one = (await p.call('GET', `/v1/withdrawals/${id}`, admin())).body;
    expect(one).toMatchObject({ status: 'failed', failure_code: 'account_closed' });
    expect(await p.walletOf(user)).toMatchObject({ balance: 24_000, held: 0, available: 24_000 });
  });

  it('a definitive refusal (422) fails it at once and voids the hold', async () => {
    const { id, user } = await p.approved(11_000);
    await fault({ on: 'create', reference: id, respond: 'reject', reason_code: 'invalid_account' });
    expect(await p.drive(id, (s) => s === 'failed', 'refusal')).toBe('failed');
    expect(await payoutsAt(id)).toHaveLength(0);
    expect(await p.walletOf(user)).toMatchObject({ balance: 21_000, held: 0 });
  });

  it('a return after completion credits the resident back once, though every callback arrives twice', async () => {
    const { id, user } = await p.approved(16_000);
    await fault({ on: 'create', reference: id, return_after_ms: 300, return_reason_code: 'account_closed', duplicate_callbacks: true });
    expect(await p.drive(id, (s) => s === 'returned', 'the return')).toBe('returned');
    await waitFor(async () => {
      const cbs = (await p.sandboxCall('GET', `/v1/sandbox/callbacks?reference=${id}`)).body;
      const list = (Array.isArray(cbs) ? cbs : cbs.data) as { type: string; delivered: boolean }[];
      return list.filter((c) => c.type === 'payout.returned' && c.delivered).length >= 2;
    }, 'both returned callbacks delivered', 30_000, 200);
    expect(await p.walletOf(user)).toMatchObject({ balance: 26_000, held: 0, available: 26_000 });
    expect(await transfersOf(id)).toEqual(['pending', 'completed', 'returned']);
    // The paid-out and returned events are dated by the ledger's transfers (the wallet's clock), so the
    // metrics count them on the day the wallet's day report does.
    const events = (await p.db.query(`select payload from outbox where type = 'withdrawal_update' and payload->'data'->>'withdrawal_id' = $1`, [id])) as { payload: any }[];
    const steps = events.map((e) => e.payload.data).filter((d) => d.to === 'completed' || d.to === 'returned');
    expect(steps.map((d) => d.to).sort()).toEqual(['completed', 'returned']);
    const walletDb = await openTestDataSource('wallet-service', 1);
    try {
      for (const step of steps) {
        const [transfer] = (await walletDb.query('select created_at from transfers where id = $1', [step.transfer_id])) as { created_at: Date }[];
        expect({ to: step.to, changed_at: step.changed_at }).toEqual({ to: step.to, changed_at: transfer!.created_at.toISOString() });
      }
    } finally {
      await walletDb.destroy();
    }
  });

  it('statuses only move forward: a processing callback held back until after completion is ignored', async () => {
    const { id } = await p.approved(13_000);
    await fault({ on: 'create', reference: id, out_of_order_callbacks: true });
    await p.payouts().dispatchApproved(10, [id]);
    await p.payouts().advance(id);
    await waitFor(async () => (await p.status(id)) === 'completed', 'the completed callback', 30_000, 100);
    await waitFor(async () => {
      const cbs = (await p.sandboxCall('GET', `/v1/sandbox/callbacks?reference=${id}`)).body;
      const list = (Array.isArray(cbs) ? cbs : cbs.data) as { type: string; delivered: boolean }[];
      return list.some((c) => c.type === 'payout.processing' && c.delivered);
    }, 'the late processing callback delivered', 30_000, 200);
    expect(await p.status(id)).toBe('completed');
  });

  it('a callback with a bad signature, or signed more than 5 minutes ago, is 401 and changes nothing', async () => {
    const { id } = await p.approved(10_000);
    await p.payouts().dispatchApproved(10, [id]);
    const body = JSON.stringify({ id: `msg_${uuidv7()}`, type: 'payout.completed', timestamp: new Date().toISOString(), data: { id: 'po_x', reference: id, amount: 10_000, status: 'completed', reason_code: null } });
    const sign = (msgId: string, ts: number) => `v1,${createHmac('sha256', Buffer.from(p.secret.slice(6), 'base64')).update(`${msgId}.${ts}.${body}`).digest('base64')}`;
    const send = (headers: Record<string, string>) => fetch(p.relay.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const now = Math.floor(Date.now() / 1000);
    const forged = await send({ 'webhook-id': 'msg_forged', 'webhook-timestamp': String(now), 'webhook-signature': 'v1,AAAA' });
    expect(forged.status).toBe(401);
    const stale = await send({ 'webhook-id': 'msg_stale', 'webhook-timestamp': String(now - 301), 'webhook-signature': sign('msg_stale', now - 301) });
    expect(stale.status).toBe(401);
    expect(await p.status(id)).toBe('processing');
    const good = await send({ 'webhook-id': 'msg_good_' + id, 'webhook-timestamp': String(now), 'webhook-signature': sign('msg_good_' + id, now) });
    expect(good.status).toBe(200);
    expect(await p.status(id)).toBe('completed');
  });

  it('a payout in doubt for 24 h goes to needs_review with its hold in place', async () => {
    const { id, user } = await p.approved(10_500);
    await fault({ on: 'create', reference: id, respond: 'timeout', manual: true, times: 1 });
    await fault({ on: 'status', reference: id, respond: 'error', error_status: 500 });
    const service = p.payouts();
    await service.dispatchApproved(10, [id]);
    await service.advance(id);
    await p.db.query(`update withdrawals set processing_since = now() - interval '25 hours', next_poll_at = now() where id = $1`, [id]);
    await service.advance(id);
    expect(await p.status(id)).toBe('needs_review');
    expect(await p.walletOf(user)).toMatchObject({ held: 10_500 });
    await p.sandboxCall('DELETE', '/v1/sandbox/faults');
    // A person sends it back: asked again by reference (found, so nothing is resent), then paid once.
    const retried = await p.call('POST', `/v1/withdrawals/${id}/retry-payout`, admin(), { note: 'provider says it is on the way' });
    expect(retried.body.status).toBe('processing');
    await service.advance(id);
    expect(await payoutsAt(id)).toHaveLength(1);
    await p.sandboxCall('POST', `/v1/sandbox/payouts/${id}/transition`, { status: 'processing' });
    await p.sandboxCall('POST', `/v1/sandbox/payouts/${id}/transition`, { status: 'completed' });
    expect(await p.drive(id, (s) => s === 'completed', 'completion after review')).toBe('completed');
    expect(await p.walletOf(user)).toMatchObject({ balance: 10_000, held: 0 });
  });

  it('the daily reconciliation compares our payouts with the provider report, by reference, and keeps it', async () => {
    const { id } = await p.approved(17_000);
    expect(await p.drive(id, (s) => s === 'completed', 'completion')).toBe('completed');
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Africa/Johannesburg' }).format(new Date());
    const result = await p.payouts().reconcileDay(day);
    const line = (result.lines as { reference: string; outcome: string }[]).find((l) => l.reference === id);
    expect(line).toMatchObject({ outcome: 'matched' });
    const served = await p.call('GET', `/v1/withdrawals/reconciliations?day=${day}`, admin());
    expect(served.status).toBe(200);
    expect(served.body.data[0]).toMatchObject({ id: result.id, day });
  });

  it('every withdrawal event written (requests, holds, payouts, failures, returns) carries its whole contract and no destination', async () => {
    const rows = (await p.db.query(`select type, payload from outbox where type like 'withdrawal_%'`)) as { type: string; payload: any }[];
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.flatMap((r) => [...envelopeProblems(r.payload), ...eventDataProblems(r.type as EventType, r.payload.data)])).toEqual([]);
    expect(rows.flatMap((r) => Object.keys(r.payload.data)).filter((k) => /destination|account|phone|email|address/.test(k))).toEqual([]);
  });
});
