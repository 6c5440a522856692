import { uuidv7, type EventEnvelope } from '@wozamali/contracts';
import { webhookBody } from '../../src/delivery/signature';
import { DeliveryWorker } from '../../src/delivery/delivery-worker';
import { DeliveryRepository, type FanOutEvent } from '../../src/repositories/delivery.repository';
import { dispatcherEnv, dispatcherPrefix, migrateDispatcher, startDispatcher, type RunningDispatcher } from '../support/dispatcher';
import { metricsUpdateData } from '@wozamali/testing';
import { api, walletUpdate } from '../support/events';

// A Kafka batch applied in one statement: inbox rows, deliveries, and the deliveries this process
// claims for itself in that statement. The workers are stopped so nothing else claims meanwhile.
const prefix = dispatcherPrefix('wfanout');
let dispatcher: RunningDispatcher;
let repo: DeliveryRepository;

function event(type: 'wallet_update' | 'metrics_update' = 'wallet_update'): FanOutEvent {
  const user = uuidv7();
  const envelope = {
    id: uuidv7(), type, version: 1, source: 'wallet-service', occurred_at: new Date().toISOString(), subject: user, correlation_id: null,
    data: type === 'wallet_update' ? walletUpdate(user, 500) : metricsUpdateData('2026-11-25'),
  } as EventEnvelope;
  return { id: envelope.id, type, occurredAt: envelope.occurred_at, body: webhookBody(envelope), priority: 0 };
}

async function endpoint(events = ['wallet_update']): Promise<string> {
  // Nothing listens there: the workers are stopped and no test here sends anything.
  const created = await api(dispatcher.url, 'POST', '/v1/webhooks/endpoints', { url: 'http://127.0.0.1:9/hooks', events });
  expect(created.status).toBe(201);
  return created.json.id as string;
}

async function deliveriesOf(endpointId: string) {
  return (await dispatcher.db.query(
    `select event_id, status, claim_id, (extract(epoch from (next_attempt_at - now())) * 1000)::float8 as due_in_ms
     from webhook_deliveries where endpoint_id = $1 order by event_id`, [endpointId],
  )) as { event_id: string; status: string; claim_id: string | null; due_in_ms: number | null }[];
}

beforeAll(async () => {
  await migrateDispatcher(prefix);
  dispatcher = await startDispatcher(dispatcherEnv(prefix, { KAFKA_CONSUMERS_ENABLED: 'false' }));
  await dispatcher.app.get(DeliveryWorker).stop();
  repo = dispatcher.app.get(DeliveryRepository);
});

afterEach(async () => {
  await dispatcher.db.query('delete from webhook_endpoints');
});

afterAll(async () => {
  await dispatcher?.close();
});

describe('a batch applied in one statement', () => {
  it('records the inbox, creates one delivery per event, claims up to the limit for the caller and leaves the rest pending; a redelivered batch changes nothing', async () => {
    const ep = await endpoint();
    const consumer = `c-${uuidv7()}`;
    const [a, b] = [event(), event()];
    const lease = 30_000;

    const first = await repo.applyBatch(consumer, [a, b, a], { limit: 1, leaseMs: lease, skipEndpoints: [] });
    expect([first.handled, first.created]).toEqual([2, 2]); // a twice in one batch is one event
    expect(first.claimed).toHaveLength(1);
    const [claimed] = first.claimed;
    expect(claimed).toMatchObject({ endpoint_id: ep, status: 'pending', attempt_count: 0, url: 'http://127.0.0.1:9/hooks', event_type: 'wallet_update' });
    expect(claimed!.body).toBe([a, b].find((e) => e.id === claimed!.event_id)!.body);
    expect(claimed!.claim_id).toMatch(/^[0-9a-f-]{36}$/);

    const rows = await deliveriesOf(ep);
    expect(rows).toHaveLength(2);
    const held = rows.find((r) => r.event_id === claimed!.event_id)!;
    const waiting = rows.find((r) => r.event_id !== claimed!.event_id)!;
    expect(held.claim_id).toBe(claimed!.claim_id);
    expect(held.due_in_ms).toBeGreaterThan(lease - 5000); // leased: no worker claims it before the lease ends
    expect(waiting).toMatchObject({ status: 'pending', claim_id: null });
    expect(waiting.due_in_ms).toBeLessThanOrEqual(0); // due now, for any worker

    const again = await repo.applyBatch(consumer, [b, a], { limit: 10, leaseMs: lease, skipEndpoints: [] });
    expect(again).toEqual({ handled: 0, created: 0, claimed: [] });
    expect(await deliveriesOf(ep)).toEqual(rows.map((r) => ({ ...r, due_in_ms: expect.any(Number) })));
    expect(await dispatcher.db.query('select count(*)::int as n from inbox where consumer = $1', [consumer])).toEqual([{ n: 2 }]);
  });

  it('never claims for an endpoint the caller skips or one that is disabled; events nobody subscribes to are still recorded', async () => {
    const skipped = await endpoint();
    const open = await endpoint();
    const disabled = await endpoint();
    expect((await api(dispatcher.url, 'PATCH', `/v1/webhooks/endpoints/${disabled}`, { enabled: false })).status).toBe(200);
    const consumer = `c-${uuidv7()}`;
    const e = event();
    const unsubscribed = event('metrics_update');

    const result = await repo.applyBatch(consumer, [e, unsubscribed], { limit: 10, leaseMs: 30_000, skipEndpoints: [skipped] });
    expect([result.handled, result.created]).toEqual([2, 3]);
    expect(result.claimed.map((c) => c.endpoint_id)).toEqual([open]);
    expect(await deliveriesOf(skipped)).toEqual([expect.objectContaining({ status: 'pending', claim_id: null })]);
    expect(await deliveriesOf(disabled)).toEqual([expect.objectContaining({ status: 'failed', claim_id: null, due_in_ms: null })]);
    expect(await dispatcher.db.query('select count(*)::int as n from webhook_deliveries where event_id = $1', [unsubscribed.id])).toEqual([{ n: 0 }]);
    expect(await dispatcher.db.query('select count(*)::int as n from inbox where consumer = $1', [consumer])).toEqual([{ n: 2 }]);
  });

  it('without a claim (a stopped worker, a full one) every delivery is left pending', async () => {
    const ep = await endpoint();
    expect(dispatcher.app.get(DeliveryWorker).directClaim(2)).toBeNull(); // stopped
    const result = await repo.applyBatch(`c-${uuidv7()}`, [event(), event()]);
    expect(result).toEqual({ handled: 2, created: 2, claimed: [] });
    expect((await deliveriesOf(ep)).map((r) => [r.status, r.claim_id])).toEqual([['pending', null], ['pending', null]]);
  });

  it('fan-outs side by side cannot together claim more than the worker\'s free slots, each claims about what its events make, and a failed one gives its reservation back', async () => {
    const small = await startDispatcher(dispatcherEnv(prefix, { KAFKA_CONSUMERS_ENABLED: 'false', WEBHOOK_CONCURRENCY: '10', WEBHOOK_CLAIM_BATCH: '6' }));
    try {
      const worker = small.app.get(DeliveryWorker);
      // One delivery per event until it learns otherwise, with room to spare (x1.5), within the batch size.
      expect(worker.directClaim(2)?.limit).toBe(3);
      const first = worker.directClaim(100);
      const second = worker.directClaim(100);
      expect([first?.limit, second?.limit, worker.directClaim(1)]).toEqual([6, 1, null]);
      worker.endDirectClaim(second!); // its statement failed: nothing was claimed
      expect(worker.directClaim(100)?.limit).toBe(1);
      // A fan-out whose event made 6 deliveries: the average moves from 1 to 2, so one event now asks for 3.
      worker.endDirectClaim(first!, [], { events: 1, deliveries: 6 });
      expect(worker.directClaim(1)?.limit).toBe(3);
    } finally {
      await small.close();
    }
  });
});
