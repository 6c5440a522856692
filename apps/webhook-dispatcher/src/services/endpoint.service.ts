import { Injectable } from '@nestjs/common';
import { decodeCursor, DEFAULT_PAGE_SIZE, pageOf, type Page } from '@wozamali/platform';
import { EventDefinitions, exampleData, isUuid, uuidv7, type EventType } from '@wozamali/contracts';
import { deliveryPriority } from '../delivery/priority';
import { webhookBody } from '../delivery/signature';
import { DataSource, type EntityManager } from 'typeorm';
import { WebhookDispatcherEnv } from '../config/env';
import { SecretBox } from '@wozamali/platform';
import { generateEndpointSecret } from '../crypto/secret-box';
import { UrlGuard } from '../delivery/url-guard';
import type { CreateEndpointDto, ListEndpointsQuery, UpdateEndpointDto } from '../dtos/endpoint.dto';
import { WebhookException } from '../errors/webhook.exception';
import { DeliveryRepository } from '../repositories/delivery.repository';
import { EndpointRepository, type EndpointRow } from '../repositories/endpoint.repository';
import { ExternalServiceRepository } from '../repositories/external-service.repository';

export interface EndpointView {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  service_id: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at: string | null;
  failing_since: string | null;
  created_at: string;
  updated_at: string;
}

function view(row: EndpointRow): EndpointView {
  return {
    id: row.id,
    url: row.url,
    events: row.event_types,
    description: row.description,
    service_id: row.service_id,
    enabled: row.enabled,
    disabled_reason: row.disabled_reason,
    disabled_at: row.disabled_at?.toISOString() ?? null,
    failing_since: row.failing_since?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

@Injectable()
export class EndpointService {
  constructor(
    private readonly db: DataSource,
    private readonly endpoints: EndpointRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly services: ExternalServiceRepository,
    private readonly box: SecretBox,
    private readonly guard: UrlGuard,
    private readonly env: WebhookDispatcherEnv,
  ) {}

  /** Registers an endpoint; its secret is returned here (and by `secret`), stored encrypted. */
  async create(m: EntityManager, dto: CreateEndpointDto): Promise<EndpointView & { secret: string }> {
    this.checkUrl(dto.url);
    if (dto.service_id && !(await this.services.getById(dto.service_id, m))) {
      throw new WebhookException('service_not_found', `no external service ${dto.service_id}`);
    }
    const id = uuidv7();
    const secret = generateEndpointSecret();
    const row = await this.endpoints.create(
      m,
      { id, url: dto.url, eventTypes: dto.events, description: dto.description ?? null, serviceId: dto.service_id ?? null },
      this.box.seal(secret, id),
    );
    return { ...view(row), secret };
  }

  async get(id: string): Promise<EndpointView> {
    return view(await this.require(id));
  }

  /**
   * Sends an example event of `eventType` (default: the endpoint's first subscribed type) to this
   * endpoint only, signed and retried like any delivery; `data` is an example valid against the
   * type's contract (its ids are the fixed example UUID, so a receiver can tell). 202 with the ids to follow it by.
   */
  async sendTest(m: EntityManager, id: string, eventType?: string): Promise<{ event_id: string; delivery_id: string; event_type: string }> {
    const endpoint = await this.require(id);
    if (!endpoint.enabled) throw new WebhookException('endpoint_disabled', `endpoint ${id} is disabled (${endpoint.disabled_reason ?? 'no reason'}); enable it first`);
    const type = eventType ?? endpoint.event_types[0]!;
    if (!endpoint.event_types.includes(type)) throw new WebhookException('event_type_not_subscribed', `endpoint ${id} does not subscribe to ${type}: it subscribes to ${endpoint.event_types.join(', ')}`);
    const def = EventDefinitions[type as EventType];
    const event = { id: uuidv7(), type, occurred_at: new Date().toISOString(), data: exampleData(def.fields) };
    const deliveryId = await this.deliveries.insertTest(m, { id: event.id, type, occurredAt: event.occurred_at, body: webhookBody(event), priority: deliveryPriority(type as EventType) }, id);
    return { event_id: event.id, delivery_id: deliveryId, event_type: type };
  }

  /** Endpoints newest first (of one external service with `service_id`), a page at a time. */
  async list(q: ListEndpointsQuery): Promise<Page<EndpointView>> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor(q.cursor, 1, ([id]) => isUuid(id));
    return pageOf(await this.endpoints.list(q.service_id, limit + 1, after?.[0]), limit, view, (e) => [e.id]);
  }

  async update(id: string, dto: UpdateEndpointDto): Promise<EndpointView> {
    if (dto.url !== undefined) this.checkUrl(dto.url);
    const row = await this.db.transaction(async (m) => {
      const current = await this.endpoints.lockForUpdate(m, id);
      if (!current) throw new WebhookException('endpoint_not_found', `no endpoint ${id}`);
      await this.endpoints.update(m, id, { url: dto.url, eventTypes: dto.events, description: dto.description });
      if (dto.enabled === false) await this.endpoints.disable(m, id, 'manual');
      if (dto.enabled === true) await this.endpoints.enable(m, id);
      return this.endpoints.getById(id, m);
    });
    return view(row!);
  }

  async remove(id: string): Promise<void> {
    if (!(await this.endpoints.delete(id))) throw new WebhookException('endpoint_not_found', `no endpoint ${id}`);
  }

  async secret(id: string): Promise<{ secret: string }> {
    await this.require(id);
    const sealed = await this.endpoints.currentSecret(id);
    return { secret: this.box.open(sealed!, id) };
  }

  /** A new secret signs from now on; the old one keeps signing beside it for the grace period. */
  async rotateSecret(m: EntityManager, id: string): Promise<{ id: string; secret: string; previous_secret_expires_at: string }> {
    const secret = generateEndpointSecret();
    if (!(await this.endpoints.lockForUpdate(m, id))) throw new WebhookException('endpoint_not_found', `no endpoint ${id}`);
    const expiresAt = await this.endpoints.rotateSecret(m, id, this.box.seal(secret, id), this.env.WEBHOOK_SECRET_GRACE_MS);
    return { id, secret, previous_secret_expires_at: expiresAt.toISOString() };
  }

  /** Re-enables the endpoint and re-queues its failed and dead deliveries since `since`: one call. */
  async recover(m: EntityManager, id: string, since: Date): Promise<{ id: string; requeued: number }> {
    if (!(await this.endpoints.lockForUpdate(m, id))) throw new WebhookException('endpoint_not_found', `no endpoint ${id}`);
    await this.endpoints.enable(m, id);
    return { id, requeued: await this.deliveries.requeueFailedSince(m, id, since) };
  }

  private async require(id: string): Promise<EndpointRow> {
    const row = await this.endpoints.getById(id);
    if (!row) throw new WebhookException('endpoint_not_found', `no endpoint ${id}`);
    return row;
  }

  private checkUrl(url: string): void {
    const refusal = this.guard.refusal(url);
    if (refusal) throw new WebhookException('url_not_allowed', refusal);
  }
}
