import { Controller, Injectable } from '@nestjs/common';
import { EventDefinitions, type EventEnvelope, type EventType } from '@wozamali/contracts';
import { InboxHandler, type InboxMessage } from '@wozamali/messaging';
import { DeliveryWorker } from '../delivery/delivery-worker';
import { deliveryPriority } from '../delivery/priority';
import { webhookBody } from '../delivery/signature';
import { DeliveryRepository, type FanOutEvent } from '../repositories/delivery.repository';

/** Every known event type: the dispatcher forwards all of them to the endpoints subscribed. */
export const WEBHOOK_EVENT_TYPES = Object.keys(EventDefinitions) as EventType[];

function toFanOut(envelope: EventEnvelope): FanOutEvent {
  return {
    id: envelope.id,
    type: envelope.type,
    occurredAt: envelope.occurred_at,
    body: webhookBody(envelope),
    priority: deliveryPriority(envelope.type as EventType),
  };
}

/**
 * Fans each event out into one delivery per subscribed endpoint, inside the inbox transaction:
 * the event is recorded as consumed if and only if its deliveries exist.
 */
@Controller()
@Injectable()
export class EventFanoutConsumer {
  constructor(private readonly deliveries: DeliveryRepository, private readonly worker: DeliveryWorker) {}

  // Reads no data field: it forwards what was published, so no data field is a reason to refuse an event.
  @InboxHandler(WEBHOOK_EVENT_TYPES)
  async fanOut({ envelope, manager }: InboxMessage): Promise<void> {
    await this.deliveries.fanOut(manager, [toFanOut(envelope)]);
  }

  /**
   * A whole Kafka batch in one statement (the inbox calls this): its inbox rows and deliveries. The
   * new deliveries this process has room for are claimed in that statement and sent as soon as it
   * has committed, without a wake-up and a claim query.
   */
  async applyBatch(envelopes: EventEnvelope[], consumer: string): Promise<{ handled: number; afterCommit?: () => void }> {
    const claim = this.worker.directClaim(envelopes.length);
    if (!claim) return { handled: (await this.deliveries.applyBatch(consumer, envelopes.map(toFanOut))).handled };
    try {
      const { handled, created, claimed } = await this.deliveries.applyBatch(consumer, envelopes.map(toFanOut), claim);
      return { handled, afterCommit: () => this.worker.endDirectClaim(claim, claimed, { events: handled, deliveries: created }) };
    } catch (err) {
      this.worker.endDirectClaim(claim); // nothing was claimed: the statement rolled back
      throw err;
    }
  }
}
