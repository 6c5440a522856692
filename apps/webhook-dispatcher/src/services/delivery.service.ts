import { Injectable } from '@nestjs/common';
import { isUuid } from '@wozamali/contracts';
import { decodeCursor, DEFAULT_PAGE_SIZE, pageOf } from '@wozamali/platform';
import type { EntityManager } from 'typeorm';
import { dispatcherConsumer, WebhookDispatcherEnv } from '../config/env';
import { WebhookException } from '../errors/webhook.exception';
import { DeliveryRepository, type AttemptRow, type DeliveryRow, type DeliveryStatus } from '../repositories/delivery.repository';
import { EndpointRepository } from '../repositories/endpoint.repository';

function view(row: DeliveryRow) {
  return {
    id: row.id,
    event_id: row.event_id,
    event_type: row.event_type,
    endpoint_id: row.endpoint_id,
    status: row.status,
    priority: row.priority,
    attempt_count: row.attempt_count,
    next_attempt_at: row.next_attempt_at?.toISOString() ?? null,
    last_attempt_at: row.last_attempt_at?.toISOString() ?? null,
    delivered_at: row.delivered_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function attemptView(a: AttemptRow) {
  return {
    id: a.id,
    attempt: a.attempt_no,
    attempted_at: a.attempted_at.toISOString(),
    status_code: a.status_code,
    duration_ms: a.duration_ms,
    response_snippet: a.response_snippet,
    error: a.error,
  };
}

@Injectable()
export class DeliveryService {
  constructor(private readonly deliveries: DeliveryRepository, private readonly endpoints: EndpointRepository, private readonly env: WebhookDispatcherEnv) {}

  async listForEndpoint(endpointId: string, status: DeliveryStatus | undefined, limit = DEFAULT_PAGE_SIZE, cursor?: string) {
    const after = decodeCursor(cursor, 1, ([id]) => isUuid(id));
    if (!(await this.endpoints.getById(endpointId))) throw new WebhookException('endpoint_not_found', `no endpoint ${endpointId}`);
    return pageOf(await this.deliveries.listForEndpoint(endpointId, status, limit + 1, after?.[0]), limit, view, (d) => [d.id]);
  }

  async get(id: string) {
    const row = await this.deliveries.getById(id);
    if (!row) throw new WebhookException('delivery_not_found', `no delivery ${id}`);
    return { ...view(row), attempts: (await this.deliveries.attemptsOf(id)).map(attemptView) };
  }

  /** Sends one delivery again now, whatever its status, with a fresh retry cycle. */
  async retry(m: EntityManager, id: string) {
    const row = await this.deliveries.getById(id, m);
    if (!row) throw new WebhookException('delivery_not_found', `no delivery ${id}`);
    const endpoint = await this.endpoints.getById(row.endpoint_id, m);
    if (!endpoint?.enabled) throw new WebhookException('endpoint_disabled', `endpoint ${row.endpoint_id} is disabled; recover it first`);
    return view((await this.deliveries.requeue(m, id))!);
  }

  /** Sync status of one event: per endpoint, pending, delivered (a 2xx), failed or dead. */
  async eventStatus(eventId: string) {
    const found = await this.deliveries.byEvent(eventId);
    if (!found) {
      // Consumed, but no endpoint was subscribed to its type: nothing to sync (inbox rows are kept 30 days).
      const consumed = await this.deliveries.consumed(dispatcherConsumer(this.env), eventId);
      if (!consumed) throw new WebhookException('event_not_found', `the dispatcher has not consumed event ${eventId}`);
      // Consumed longer ago than retention: its deliveries, if it had any, were deleted with it.
      if (consumed.processed_at.getTime() < Date.now() - this.env.WEBHOOK_RETENTION_DAYS * 24 * 3600_000) {
        throw new WebhookException('event_expired', `event ${eventId} was consumed more than ${this.env.WEBHOOK_RETENTION_DAYS} days ago; its delivery history is past retention`);
      }
      return {
        event_id: eventId, type: consumed.event_type, occurred_at: null, consumed_at: consumed.processed_at.toISOString(),
        status: 'no_endpoints', counts: { pending: 0, delivered: 0, failed: 0, dead: 0 }, deliveries: [],
      };
    }
    const counts = { pending: 0, delivered: 0, failed: 0, dead: 0 };
    for (const d of found.deliveries) counts[d.status] += 1;
    return {
      event_id: eventId,
      type: found.type,
      occurred_at: found.occurred_at.toISOString(),
      // The event as a whole: its worst delivery (no endpoints left: nothing to sync).
      status: found.deliveries.length === 0 ? 'no_endpoints' : counts.dead > 0 ? 'dead' : counts.failed > 0 ? 'failed' : counts.pending > 0 ? 'pending' : 'delivered',
      counts,
      deliveries: found.deliveries.map((d) => ({ delivery_id: d.id, endpoint_id: d.endpoint_id, status: d.status, attempt_count: d.attempt_count, delivered_at: d.delivered_at?.toISOString() ?? null, last_attempt_at: d.last_attempt_at?.toISOString() ?? null, next_attempt_at: d.next_attempt_at?.toISOString() ?? null })),
    };
  }
}
