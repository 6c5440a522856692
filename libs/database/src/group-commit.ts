/**
 * Group commit for one kind of statement: requests that arrive while `maxInFlight` batches are
 * already running wait and then go together, as ONE statement (one round trip, one transaction,
 * one WAL flush) of at most `maxBatch` items. Nothing waits on a timer: under light load every
 * item runs at once, alone; under load the batches grow by themselves. Each item keeps its own
 * answer. When a batch of several fails (a deadlock, a unique violation, anything), every item is
 * run again alone, so one item's failure is its own and never another's: the statement must
 * therefore be all-or-nothing (one statement is) and its items independent of each other's
 * success. A statement whose answer was lost (the connection dropped after COMMIT) is run again
 * the same way, so it must also be safe to run twice (keyed or conditional).
 */
export interface GroupCommitOptions {
  /** Most items in one statement. Default 32. */
  maxBatch?: number;
  /** Most statements running at once (each holds one pooled connection). Default 2. */
  maxInFlight?: number;
}

interface Waiting<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

export class GroupCommit<I, O> {
  private readonly queue: Waiting<I, O>[] = [];
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  /** Statements run and items carried, for tests and metrics. */
  readonly stats = { statements: 0, items: 0, fallbacks: 0 };

  /**
   * `run`: one statement for all `items`, answering one output per item in their order. `canJoin`:
   * whether `item` may share a statement with those already taken (e.g. never two of the same row);
   * one that may not waits for the next statement.
   */
  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    opts: GroupCommitOptions = {},
    private readonly canJoin: (item: I, taken: readonly I[]) => boolean = () => true,
  ) {
    this.maxBatch = Math.max(1, opts.maxBatch ?? 32);
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 2);
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.take();
      this.inFlight += 1;
      void this.execute(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  /** The next statement's items, in arrival order; an item that may not join stays queued. */
  private take(): Waiting<I, O>[] {
    const batch: Waiting<I, O>[] = [];
    const items: I[] = [];
    for (let i = 0; i < this.queue.length && batch.length < this.maxBatch; ) {
      const w = this.queue[i]!;
      if (batch.length === 0 || this.canJoin(w.item, items)) {
        batch.push(w);
        items.push(w.item);
        this.queue.splice(i, 1);
      } else {
        i += 1;
      }
    }
    return batch;
  }

  private async execute(batch: Waiting<I, O>[]): Promise<void> {
    this.stats.statements += 1;
    this.stats.items += batch.length;
    let outs: O[];
    try {
      outs = await this.run(batch.map((w) => w.item));
      if (outs.length !== batch.length) throw new Error(`group commit: ${outs.length} answers for ${batch.length} items`);
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // Nothing of the statement was kept: each item again, alone, so each answer is its own.
      this.stats.fallbacks += 1;
      await Promise.all(batch.map(async (w) => {
        this.stats.statements += 1;
        try {
          const [o] = await this.run([w.item]);
          w.resolve(o as O);
        } catch (e) {
          w.reject(e);
        }
      }));
      return;
    }
    batch.forEach((w, i) => w.resolve(outs[i]!));
  }
}
