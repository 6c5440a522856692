import { GroupCommit } from './group-commit';

/** A statement that answers when the test says so, recording the items of each call. */
function gate() {
  const calls: { items: number[]; release: (fail?: unknown) => void }[] = [];
  const run = (items: number[]) =>
    new Promise<number[]>((resolve, reject) => {
      calls.push({ items, release: (fail) => (fail ? reject(fail) : resolve(items.map((x) => x * 10))) });
    });
  return { calls, run };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('GroupCommit', () => {
  it('runs an item at once, alone, when nothing is in flight', async () => {
    const g = gate();
    const gc = new GroupCommit(g.run, { maxInFlight: 1 });
    const a = gc.submit(1);
    await tick();
    expect(g.calls.map((c) => c.items)).toEqual([[1]]);
    g.calls[0]!.release();
    await expect(a).resolves.toBe(10);
  });

  it('gathers what arrives while statements run into the next statement, at most maxBatch, each with its own answer', async () => {
    const g = gate();
    const gc = new GroupCommit(g.run, { maxInFlight: 1, maxBatch: 3 });
    const answers = [1, 2, 3, 4, 5, 6].map((x) => gc.submit(x));
    await tick();
    expect(g.calls.map((c) => c.items)).toEqual([[1]]);
    g.calls[0]!.release();
    await tick();
    expect(g.calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]]);
    g.calls[1]!.release();
    await tick();
    expect(g.calls.map((c) => c.items)).toEqual([[1], [2, 3, 4], [5, 6]]);
    g.calls[2]!.release();
    await expect(Promise.all(answers)).resolves.toEqual([10, 20, 30, 40, 50, 60]);
    expect(gc.stats).toEqual({ statements: 3, items: 6, fallbacks: 0 });
  });

  it('keeps maxInFlight statements running at once', async () => {
    const g = gate();
    const gc = new GroupCommit(g.run, { maxInFlight: 2 });
    const answers = [1, 2, 3].map((x) => gc.submit(x));
    await tick();
    expect(g.calls.map((c) => c.items)).toEqual([[1], [2]]);
    g.calls[1]!.release();
    await tick();
    expect(g.calls.map((c) => c.items)).toEqual([[1], [2], [3]]);
    g.calls[0]!.release();
    g.calls[2]!.release();
    await expect(Promise.all(answers)).resolves.toEqual([10, 20, 30]);
  });

  it('never puts together two items the caller says may not share a statement (they wait for the next)', async () => {
    const g = gate();
    const gc = new GroupCommit(g.run, { maxInFlight: 1 }, (item, taken) => !taken.includes(item));
    const answers = [1, 2, 2, 3, 2].map((x) => gc.submit(x));
    await tick();
    g.calls[0]!.release();
    await tick();
    expect(g.calls[1]!.items).toEqual([2, 3]);
    g.calls[1]!.release();
    await tick();
    expect(g.calls[2]!.items).toEqual([2]);
    g.calls[2]!.release();
    await tick();
    expect(g.calls[3]!.items).toEqual([2]);
    g.calls[3]!.release();
    await expect(Promise.all(answers)).resolves.toEqual([10, 20, 20, 30, 20]);
  });

  it('runs each item of a failed statement again alone, so only the failing item fails', async () => {
    const seen: number[][] = [];
    const gc = new GroupCommit(async (items: number[]) => {
      seen.push(items);
      if (items.includes(13)) throw new Error('unlucky');
      return items.map((x) => -x);
    }, { maxInFlight: 1 });
    const first = gc.submit(0); // in flight while the others queue
    const rest = [11, 12, 13, 14].map((x) => gc.submit(x).then((v) => ({ v }), (e: Error) => ({ e: e.message })));
    await first;
    expect(await Promise.all(rest)).toEqual([{ v: -11 }, { v: -12 }, { e: 'unlucky' }, { v: -14 }]);
    expect(seen).toEqual([[0], [11, 12, 13, 14], [11], [12], [13], [14]]);
    expect(gc.stats.fallbacks).toBe(1);
  });

  it('fails a statement that answers a different number of rows than items, and redoes its items alone', async () => {
    let calls = 0;
    const gc = new GroupCommit(async (items: number[]) => {
      calls += 1;
      return items.length > 1 ? [1] : [items[0]! + 100];
    }, { maxInFlight: 1 });
    const first = gc.submit(0);
    const rest = [1, 2].map((x) => gc.submit(x));
    await first;
    await expect(Promise.all(rest)).resolves.toEqual([101, 102]);
    expect(calls).toBe(4);
  });
});
