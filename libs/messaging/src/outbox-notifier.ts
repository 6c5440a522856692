import type { Pool } from 'pg';
import { OUTBOX_CHANNEL } from './schema';

/**
 * Wakes the outbox relay (in whichever instance holds the relay lock) after a commit, with a
 * NOTIFY sent outside the business transaction and coalesced: at most one per `intervalMs`
 * however many writes commit. A lost poke costs only latency: the relay also polls.
 */
export class OutboxNotifier {
  private scheduled = false;

  constructor(private readonly pool: Pick<Pool, 'query'>, private readonly intervalMs = 5, private readonly local?: () => void) {}

  poke(): void {
    this.local?.();
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      this.pool.query(`select pg_notify('${OUTBOX_CHANNEL}', '')`).catch(() => undefined);
    }, this.intervalMs).unref();
  }
}
