import { buildEnvelope, EventDefinitions, isKnownEventType, type EventEnvelope, type NewEvent } from '@wozamali/contracts';
import type { EntityManager } from 'typeorm';

/** Anything that can run a parameterised query inside the caller's transaction. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export interface OutboxEvent<TType extends string = string, TData = unknown> extends NewEvent<TType, TData> {
  /** Topic override; by default the event definition's topic. */
  topic?: string;
}

export const OUTBOX_INSERT_SQL =
  'insert into outbox (id, topic, key, type, payload) select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])';

/**
 * Writes events into the service's outbox table inside the business transaction: the event is
 * published if and only if the state change commits. Only the relay talks to Kafka.
 */
export class OutboxWriter {
  constructor(private readonly source: string) {}

  /** Builds the envelopes without writing them (for callers that insert in their own SQL). */
  envelopes(events: OutboxEvent[]): { topic: string; envelope: EventEnvelope }[] {
    return events.map((event) => {
      const topic = event.topic ?? (isKnownEventType(event.type) ? EventDefinitions[event.type].topic : undefined);
      if (!topic) throw new Error(`no topic for event type ${event.type}`);
      return { topic, envelope: buildEnvelope(this.source, event) };
    });
  }

  /** `outbox.add(tx, event)`: adds events in the caller's transaction; returns their envelopes. */
  async add(tx: EntityManager | Queryable, ...events: OutboxEvent[]): Promise<EventEnvelope[]> {
    if (events.length === 0) return [];
    const built = this.envelopes(events);
    await tx.query(OUTBOX_INSERT_SQL, [
      built.map((b) => b.envelope.id),
      built.map((b) => b.topic),
      built.map((b) => b.envelope.subject),
      built.map((b) => b.envelope.type),
      built.map((b) => JSON.stringify(b.envelope)),
    ]);
    return built.map((b) => b.envelope);
  }
}
