/**
 * A wake-up latch for polling loops (the outbox relay, the webhook delivery worker): `wait(ms)`
 * resolves after `ms`, or at once when `notify()` was called since the last wait, so a wake that
 * arrives while the loop is busy is not lost.
 */
export class WakeSignal {
  private pending = false;
  private wakeUp: (() => void) | null = null;

  notify(): void {
    this.pending = true;
    this.wakeUp?.();
  }

  /** Forgets a wake that came in meanwhile (e.g. after a back-off that must not be cut short). */
  clear(): void {
    this.pending = false;
  }

  async wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
    this.wakeUp = null;
    this.pending = false;
  }
}
