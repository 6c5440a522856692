import { Injectable, Logger } from '@nestjs/common';
import { decodeCursor, DEFAULT_PAGE_SIZE, pageOf, type Page } from '@wozamali/platform';
import { GatewayException } from '../errors/gateway.exception';
import type { AuditEntryDto, AuditLogQueryDto } from './audit-log.dto';
import { AuditLogRepository, type AuditRow, type NewAuditEntry } from './audit-log.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function outcomeOf(status: number): AuditEntryDto['outcome'] {
  if (status < 400) return 'succeeded';
  return status < 500 ? 'refused' : 'unknown';
}

function toDto(r: AuditRow): AuditEntryDto {
  return {
    id: r.id, at: r.at.toISOString(), actor_kind: r.actor_kind, actor_id: r.actor_id, actor_key: r.actor_key, method: r.method, route: r.route,
    permission: r.permission, targets: r.targets, status: r.status, outcome: outcomeOf(r.status), replayed: r.replayed, note: r.note, request_id: r.request_id,
  };
}

/** Records admin and service writes, and lists them for admins. */
@Injectable()
export class AuditLogService {
  private readonly log = new Logger('AuditLog');
  constructor(private readonly repo: AuditLogRepository) {}

  /** Called after the answer went out: a failure is logged loudly but cannot change what the client got. */
  async record(e: NewAuditEntry): Promise<void> {
    try {
      await this.repo.append(e);
    } catch (err) {
      this.log.error(`audit entry not recorded (${e.method} ${e.route} by ${e.actorKind}:${e.actorId}, request ${e.requestId}): ${(err as Error).message}`);
    }
  }

  async list(q: AuditLogQueryDto): Promise<Page<AuditEntryDto>> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const from = q.from ? new Date(q.from) : null;
    const to = q.to ? new Date(q.to) : null;
    if (from && to && from >= to) throw new GatewayException('validation_failed', 'from must be before to', { errors: [{ field: 'from', messages: ['must be before to'] }] });
    const after = decodeCursor(q.cursor, 2, ([at, id]) => !Number.isNaN(Date.parse(at!)) && UUID.test(id!));
    const rows = await this.repo.listNewestFirst({ actor: q.actor ?? null, action: q.action ?? null, target: q.target ?? null, from, to }, limit + 1, after);
    return pageOf(rows, limit, toDto, (r) => [r.cursor_at, r.id]);
  }
}
