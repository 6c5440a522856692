import type { EventEnvelope, TypedEvent } from '@wozamali/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import type { OutboxNotifier } from './outbox-notifier';
import type { OutboxEvent, OutboxWriter } from './outbox';

/** A known event with its typed data, and the envelope options of {@link OutboxEvent}. */
export type TypedOutboxEvent = TypedEvent & Omit<OutboxEvent, 'type' | 'data'>;

/** What a {@link TransactionRunner.run} callback acts in. */
export interface OutboxTransaction {
  /** The transaction: every write of the state change goes through it. */
  readonly manager: EntityManager;
  /** Writes events to the outbox in this transaction: published if and only if it commits. */
  emit(...events: TypedOutboxEvent[]): Promise<EventEnvelope[]>;
}

/**
 * Runs a callback in a TypeORM transaction and, once it has committed having written to the
 * outbox, wakes the relay (`OutboxNotifier.poke`, sent after commit: a NOTIFY inside the
 * transaction would serialise commits). Without the poke the events wait for the relay's poll.
 */
export class TransactionRunner {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly notifier: Pick<OutboxNotifier, 'poke'>,
  ) {}

  async run<T>(work: (tx: OutboxTransaction) => Promise<T>, isolation?: IsolationLevel): Promise<T> {
    let wrote = false;
    const body = (manager: EntityManager): Promise<T> =>
      work({
        manager,
        emit: async (...events) => {
          const envelopes = await this.outbox.add(manager, ...events);
          if (envelopes.length > 0) wrote = true;
          return envelopes;
        },
      });
    const result = isolation ? await this.dataSource.transaction(isolation, body) : await this.dataSource.transaction(body);
    if (wrote) this.notifier.poke();
    return result;
  }
}
