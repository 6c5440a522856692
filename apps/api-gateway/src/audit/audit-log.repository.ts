import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** One write as the audit log records it. */
export interface NewAuditEntry {
  actorKind: 'user' | 'service';
  actorId: string;
  actorKey: string | null;
  method: string;
  route: string;
  permission: string;
  targets: string[];
  status: number;
  replayed: boolean;
  note: string | null;
  requestId: string;
}

export interface AuditRow {
  id: string;
  at: Date;
  cursor_at: string;
  actor_kind: 'user' | 'service';
  actor_id: string;
  actor_key: string | null;
  method: string;
  route: string;
  permission: string;
  targets: string[];
  status: number;
  replayed: boolean;
  note: string | null;
  request_id: string;
}

export interface AuditFilter {
  actor: string | null;
  /** Matched, case-insensitively, anywhere in `<METHOD> <route>` or the permission. */
  action: string | null;
  target: string | null;
  from: Date | null;
  to: Date | null;
}

@Injectable()
export class AuditLogRepository {
  constructor(private readonly ds: DataSource) {}

  async append(e: NewAuditEntry): Promise<void> {
    await this.ds.query(
      `insert into audit_log (actor_kind, actor_id, actor_key, method, route, permission, targets, status, replayed, note, request_id)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [e.actorKind, e.actorId, e.actorKey, e.method, e.route, e.permission, e.targets, e.status, e.replayed, e.note, e.requestId],
    );
  }

  /** A page, newest first, after the keyset `after` ([at with microseconds, id]). */
  async listNewestFirst(f: AuditFilter, limit: number, after: readonly string[] | null): Promise<AuditRow[]> {
    return this.ds.query(
      `select id, at, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at, actor_kind, actor_id, actor_key,
              method, route, permission, targets, status, replayed, note, request_id
         from audit_log
        where ($2::text is null or actor_id = $2 or lower(actor_id) = lower($2) or actor_key = $2)
          and ($3::text is null or strpos(lower(method || ' ' || route || ' ' || permission), lower($3)) > 0)
          and ($4::text is null or targets @> array[lower($4)])
          and ($5::timestamptz is null or at >= $5)
          and ($6::timestamptz is null or at < $6)
          and ($7::timestamptz is null or (at, id) < ($7::timestamptz, $8::uuid))
        order by at desc, id desc limit $1`,
      [limit, f.actor, f.action, f.target, f.from, f.to, after?.[0] ?? null, after?.[1] ?? null],
    );
  }
}
