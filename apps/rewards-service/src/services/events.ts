import { Injectable } from '@nestjs/common';
import { OutboxNotifier, OutboxWriter, type TypedOutboxEvent } from '@wozamali/messaging';
import { afterCommit, requestContext } from '@wozamali/platform';
import type { EntityManager } from 'typeorm';

/** Writes events into any transaction's outbox (an idempotent POST's, an inbox handler's) and wakes the relay after commit. */
@Injectable()
export class RewardEvents {
  constructor(private readonly outbox: OutboxWriter, private readonly notifier: OutboxNotifier) {}

  async emitIn(m: EntityManager, ...events: TypedOutboxEvent[]): Promise<void> {
    await this.outbox.add(m, ...events.map((e) => ({ ...e, correlation_id: e.correlation_id ?? requestContext.requestId() })));
    afterCommit(m, () => this.notifier.poke());
  }
}
