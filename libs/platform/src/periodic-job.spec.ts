import { PeriodicJob } from './periodic-job';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function quietLogger(): { warn: jest.Mock; lines: string[] } {
  const lines: string[] = [];
  return { warn: jest.fn((msg: string) => lines.push(msg)), lines };
}

describe('PeriodicJob', () => {
  it('runs on its interval once started, and no more once stopped', async () => {
    let runs = 0;
    const job = new PeriodicJob({ name: 'count', intervalMs: 20, logger: quietLogger() }, async () => {
      runs += 1;
    });
    job.start();
    job.start(); // a second start adds no second timer
    // Waits for three runs (a loaded machine may delay a timer well past its interval), then checks
    // that they came no faster than the interval allows.
    const started = Date.now();
    while (runs < 3 && Date.now() - started < 10_000) await sleep(5);
    const elapsed = Date.now() - started;
    await job.stop();
    const atStop = runs;
    expect(atStop).toBeGreaterThanOrEqual(3);
    expect(atStop).toBeLessThanOrEqual(Math.floor(elapsed / 20) + 2);
    await sleep(60);
    expect(runs).toBe(atStop);
    expect(job.running).toBe(false);
  });

  it('never runs twice at a time: ticks during a slow run are skipped, runOnce joins the run in progress', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const job = new PeriodicJob({ name: 'slow', intervalMs: 10, logger: quietLogger() }, async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      runs += 1;
      await sleep(80);
      active -= 1;
      return runs;
    });
    job.start();
    await sleep(15);
    const joined = job.runOnce();
    await sleep(60);
    await job.stop();
    expect(maxActive).toBe(1);
    expect(await joined).toBe(1);
    expect(job.stats.skipped).toBeGreaterThan(0);
  });

  it('logs a failed run instead of throwing, and keeps running', async () => {
    const logger = quietLogger();
    let calls = 0;
    const job = new PeriodicJob({ name: 'flaky', intervalMs: 15, logger }, async () => {
      calls += 1;
      if (calls === 1) throw new Error('database down');
    });
    job.start();
    // Until a run after the failure (a loaded machine may delay the 15 ms timer well past 80 ms).
    for (const deadline = Date.now() + 5000; calls < 2 && Date.now() < deadline; ) await sleep(10);
    await job.stop();
    expect(logger.lines[0]).toBe('flaky run failed, will retry: database down');
    expect(calls).toBeGreaterThan(1);
    expect(job.stats.failures).toBe(1);
    expect(job.stats.runs).toBe(calls);
  });

  it('runOnce gives the caller the result, or the error, of one run', async () => {
    let n = 0;
    const job = new PeriodicJob({ name: 'once', intervalMs: 60_000, logger: quietLogger() }, async () => {
      n += 1;
      if (n === 2) throw new Error('second fails');
      return n * 10;
    });
    await expect(job.runOnce()).resolves.toBe(10);
    await expect(job.runOnce()).rejects.toThrow('second fails');
    await expect(job.runOnce()).resolves.toBe(30);
  });

  it('stop waits for the run in progress', async () => {
    let finished = false;
    const job = new PeriodicJob({ name: 'wait', intervalMs: 60_000, runOnStart: true, logger: quietLogger() }, async () => {
      await sleep(50);
      finished = true;
    });
    job.start();
    await job.stop();
    expect(finished).toBe(true);
  });

  it('its timer does not keep the process alive', () => {
    const job = new PeriodicJob({ name: 'unref', intervalMs: 1000, logger: quietLogger() }, async () => undefined);
    job.start();
    const timer = (job as unknown as { timer: NodeJS.Timeout }).timer;
    expect(timer.hasRef()).toBe(false);
    void job.stop();
  });
});
