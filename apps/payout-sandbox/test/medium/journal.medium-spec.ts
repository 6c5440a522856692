import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, createPayout, payoutBody, sandboxWithReceiver, waitForPayout } from '../support/sandbox';

// A sandbox with a journal (PAYOUT_SANDBOX_STATE_FILE) keeps its payouts across a restart, as a
// provider's own records would: the chaos suite kills it with payouts in flight.
describe('payout sandbox journal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-journal-'));
  const stateFile = join(dir, 'payouts.jsonl');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a restarted sandbox knows every payout, answers replays with them and finishes the unfinished ones', async () => {
    const first = await sandboxWithReceiver({ stateFile, processingAfterMs: 50, settleAfterMs: 100 });
    const done = payoutBody();
    const doneKey = randomUUID();
    const paid = await createPayout(first.sandbox.url, done, doneKey);
    expect(paid.status).toBe(201);
    await waitForPayout(first.sandbox.url, done.reference as string, (p) => p.status === 'completed');
    // One left pending: the sandbox stops before its timeline moves it (a longer processing delay by a fault rule).
    expect((await call(first.sandbox.url, 'POST', '/v1/sandbox/faults', { processing_after_ms: 1500, times: 1 })).status).toBe(201);
    const slow = payoutBody();
    const pending = await createPayout(first.sandbox.url, slow, randomUUID());
    expect(pending.status).toBe(201);
    await first.stop();
    appendFileSync(stateFile, '{"op":"status","id":"po_cut'); // a line the crash cut short

    const second = await sandboxWithReceiver({ stateFile, processingAfterMs: 50, settleAfterMs: 100 });
    try {
      const read = await call(second.sandbox.url, 'GET', `/v1/payouts/by-reference/${done.reference as string}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id: paid.body.id, status: 'completed', amount: 25_000 });
      expect(read.body.history.map((h: { status: string }) => h.status)).toEqual(['pending', 'processing', 'completed']);
      // The same key is a replay of the same payout; another key for the reference is refused: paid once.
      const replay = await createPayout(second.sandbox.url, done, doneKey);
      expect(replay.status).toBe(200);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body.id).toBe(paid.body.id);
      expect((await createPayout(second.sandbox.url, done, randomUUID())).body.code).toBe('duplicate_reference');
      // The unfinished one resumes its timeline and completes, with a callback.
      const finished = await waitForPayout(second.sandbox.url, slow.reference as string, (p) => p.status === 'completed');
      expect(finished.id).toBe(pending.body.id);
      expect(finished.history.map((h: { status: string }) => h.status)).toEqual(['pending', 'processing', 'completed']);
    } finally {
      await second.stop();
    }
  });
});
