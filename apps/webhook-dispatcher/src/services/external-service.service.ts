import { Injectable } from '@nestjs/common';
import { decodeCursor, DEFAULT_PAGE_SIZE, pageOf, type PageQueryDto } from '@wozamali/platform';
import { isUuid, uuidv7 } from '@wozamali/contracts';
import { pgErrorCode } from '@wozamali/database';
import type { EntityManager } from 'typeorm';
import type { CreateExternalServiceDto, UpdateExternalServiceDto } from '../dtos/external-service.dto';
import { WebhookException } from '../errors/webhook.exception';
import { ExternalServiceRepository, type ExternalServiceRow } from '../repositories/external-service.repository';

export type HealthStatus = 'healthy' | 'warning' | 'unhealthy';

const FIVE_MINUTES = 5 * 60_000;
const ONE_HOUR = 60 * 60_000;

/** The seed's rule: healthy within 5 minutes of the last heartbeat, warning within an hour, else unhealthy. */
export function healthStatus(lastHeartbeat: Date | null, now: number = Date.now()): HealthStatus {
  if (!lastHeartbeat) return 'unhealthy';
  const age = now - lastHeartbeat.getTime();
  if (age <= FIVE_MINUTES) return 'healthy';
  if (age <= ONE_HOUR) return 'warning';
  return 'unhealthy';
}

function view(row: ExternalServiceRow) {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    base_url: row.base_url,
    health_url: row.health_url,
    last_heartbeat_at: row.last_heartbeat_at?.toISOString() ?? null,
    health_status: healthStatus(row.last_heartbeat_at),
    last_probe_at: row.last_probe_at?.toISOString() ?? null,
    last_probe_ok: row.last_probe_ok,
    last_probe_error: row.last_probe_error,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

@Injectable()
export class ExternalServicesService {
  constructor(private readonly services: ExternalServiceRepository) {}

  async register(m: EntityManager, dto: CreateExternalServiceDto) {
    try {
      return view(await this.services.create(m, { id: uuidv7(), name: dto.name, type: dto.type, baseUrl: dto.base_url, healthUrl: dto.health_url ?? null }));
    } catch (err) {
      if (pgErrorCode(err) === '23505') throw new WebhookException('service_name_taken', `a service named ${dto.name} exists`);
      throw err;
    }
  }

  /** External services newest first, a page at a time. */
  async list(q: PageQueryDto) {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor(q.cursor, 1, ([id]) => isUuid(id));
    return pageOf(await this.services.list(limit + 1, after?.[0]), limit, view, (s) => [s.id]);
  }

  async get(id: string) {
    const row = await this.services.getById(id);
    if (!row) throw new WebhookException('service_not_found', `no external service ${id}`);
    return view(row);
  }

  async update(id: string, dto: UpdateExternalServiceDto) {
    try {
      const row = await this.services.update(id, { name: dto.name, type: dto.type, baseUrl: dto.base_url, healthUrl: dto.health_url });
      if (!row) throw new WebhookException('service_not_found', `no external service ${id}`);
      return view(row);
    } catch (err) {
      if (pgErrorCode(err) === '23505') throw new WebhookException('service_name_taken', `a service named ${dto.name} exists`);
      throw err;
    }
  }

  async remove(id: string): Promise<void> {
    if (!(await this.services.delete(id))) throw new WebhookException('service_not_found', `no external service ${id}`);
  }

  async heartbeat(m: EntityManager, id: string) {
    const row = await this.services.recordHeartbeat(m, id);
    if (!row) throw new WebhookException('service_not_found', `no external service ${id}`);
    return view(row);
  }

  /** Each service's health from its heartbeats, newest registered first, a page at a time. */
  async health(q: PageQueryDto) {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const after = decodeCursor(q.cursor, 1, ([id]) => isUuid(id));
    return pageOf(await this.services.list(limit + 1, after?.[0]), limit,
      (r) => ({ id: r.id, name: r.name, type: r.type, last_heartbeat_at: r.last_heartbeat_at?.toISOString() ?? null, health_status: healthStatus(r.last_heartbeat_at) }), (r) => [r.id]);
  }
}
