import { WakeSignal } from './wake-signal';

describe('WakeSignal', () => {
  it('waits the full interval when nobody wakes it', async () => {
    const s = new WakeSignal();
    const t0 = Date.now();
    await s.wait(60);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
  });

  it('returns early on notify during the wait', async () => {
    const s = new WakeSignal();
    const t0 = Date.now();
    setTimeout(() => s.notify(), 10);
    await s.wait(5000);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('does not lose a wake that came while the loop was busy, and forgets a cleared one', async () => {
    const s = new WakeSignal();
    s.notify();
    const t0 = Date.now();
    await s.wait(5000);
    expect(Date.now() - t0).toBeLessThan(100);
    s.notify();
    s.clear();
    const t1 = Date.now();
    await s.wait(60);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(55);
  });
});
