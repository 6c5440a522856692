import { Logger } from '@nestjs/common';

export interface PeriodicJobOptions {
  /** Name in the logs, e.g. `WebhookRetention`. */
  name: string;
  /** Time between the start of one tick and the next. */
  intervalMs: number;
  /** Also run once right after `start()` (default: first run after one interval). */
  runOnStart?: boolean;
  /** Logger for failed runs (default: a Nest logger named after the job). */
  logger?: Pick<Logger, 'warn'>;
}

/**
 * Runs `work` every `intervalMs`, never two runs at a time (a tick that finds a run in progress is
 * skipped), with errors logged, never thrown. Its timer is unref'd: it never keeps a process alive.
 * `stop()` waits for the run in progress.
 */
export class PeriodicJob<T = void> {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<T> | null = null;
  private readonly logger: Pick<Logger, 'warn'>;
  /** Counters for tests and /metrics. */
  readonly stats = { runs: 0, failures: 0, skipped: 0 };

  constructor(private readonly opts: PeriodicJobOptions, private readonly work: () => Promise<T>) {
    this.logger = opts.logger ?? new Logger(opts.name);
  }

  get running(): boolean {
    return this.timer !== null;
  }

  /** Starts ticking; a second call does nothing. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.opts.intervalMs);
    this.timer.unref();
    if (this.opts.runOnStart) this.tick();
  }

  /** Stops ticking and waits for the run in progress, if any. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.current?.catch(() => undefined);
  }

  /**
   * One run now, or the one in progress: never two at a time. Unlike a tick, its error is thrown to
   * the caller (a test, an admin command) as well as counted.
   */
  runOnce(): Promise<T> {
    if (this.current) return this.current;
    const run = (async () => this.work())()
      .then(
        (value) => {
          this.stats.runs += 1;
          return value;
        },
        (err: unknown) => {
          this.stats.runs += 1;
          this.stats.failures += 1;
          throw err;
        },
      )
      .finally(() => {
        if (this.current === run) this.current = null;
      });
    this.current = run;
    return run;
  }

  private tick(): void {
    if (this.current) {
      this.stats.skipped += 1;
      return;
    }
    this.runOnce().catch((err: unknown) => this.logger.warn(`${this.opts.name} run failed, will retry: ${err instanceof Error ? err.message : String(err)}`));
  }
}
