import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export interface ExternalServiceRow {
  id: string;
  name: string;
  type: string;
  base_url: string;
  health_url: string | null;
  last_heartbeat_at: Date | null;
  last_probe_at: Date | null;
  last_probe_ok: boolean | null;
  last_probe_error: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, type, base_url, health_url, last_heartbeat_at, last_probe_at, last_probe_ok, last_probe_error, created_at, updated_at';

@Injectable()
export class ExternalServiceRepository {
  constructor(private readonly db: DataSource) {}

  async create(manager: EntityManager, row: { id: string; name: string; type: string; baseUrl: string; healthUrl: string | null }): Promise<ExternalServiceRow> {
    const rows = (await manager.query(
      `insert into external_services (id, name, type, base_url, health_url) values ($1, $2, $3, $4, $5) returning ${COLUMNS}`,
      [row.id, row.name, row.type, row.baseUrl, row.healthUrl],
    )) as ExternalServiceRow[];
    return rows[0]!;
  }

  async getById(id: string, runner: DataSource | EntityManager = this.db): Promise<ExternalServiceRow | null> {
    const rows = (await runner.query(`select ${COLUMNS} from external_services where id = $1`, [id])) as ExternalServiceRow[];
    return rows[0] ?? null;
  }

  /** Newest first (ids are UUIDv7), after the service `before`. */
  async list(limit: number, before: string | undefined): Promise<ExternalServiceRow[]> {
    return (await this.db.query(`select ${COLUMNS} from external_services where ($1::uuid is null or id < $1) order by id desc limit $2`, [before ?? null, limit])) as ExternalServiceRow[];
  }

  /** Changes what `patch` names; `healthUrl: null` removes the health URL (undefined leaves it). */
  async update(id: string, patch: { name?: string; type?: string; baseUrl?: string; healthUrl?: string | null }): Promise<ExternalServiceRow | null> {
    const [rows] = (await this.db.query(
      `update external_services set name = coalesce($2, name), type = coalesce($3, type), base_url = coalesce($4, base_url),
         health_url = case when $6 then $5 else health_url end, updated_at = now()
       where id = $1 returning ${COLUMNS}`,
      [id, patch.name ?? null, patch.type ?? null, patch.baseUrl ?? null, patch.healthUrl ?? null, patch.healthUrl !== undefined],
    )) as [ExternalServiceRow[], number];
    return rows[0] ?? null;
  }

  async delete(id: string): Promise<boolean> {
    const [, count] = (await this.db.query('delete from external_services where id = $1', [id])) as [unknown, number];
    return count > 0;
  }

  async recordHeartbeat(manager: EntityManager, id: string): Promise<ExternalServiceRow | null> {
    const [rows] = (await manager.query(
      `update external_services set last_heartbeat_at = now(), updated_at = now() where id = $1 returning ${COLUMNS}`,
      [id],
    )) as [ExternalServiceRow[], number];
    return rows[0] ?? null;
  }

  /** Claims services due for a health probe (one prober per service across instances). */
  async claimDueProbes(intervalMs: number, limit: number): Promise<{ id: string; health_url: string }[]> {
    const [rows] = (await this.db.query(
      `with due as (
         select id from external_services
         where health_url is not null and (last_probe_at is null or last_probe_at < now() - $1::bigint * interval '1 millisecond')
         order by last_probe_at nulls first limit $2 for update skip locked
       )
       update external_services s set last_probe_at = now() from due where s.id = due.id returning s.id, s.health_url`,
      [intervalMs, limit],
    )) as [{ id: string; health_url: string }[], number];
    return rows;
  }

  /** A successful probe counts as a heartbeat. */
  async recordProbe(id: string, ok: boolean, error: string | null): Promise<void> {
    await this.db.query(
      `update external_services set last_probe_ok = $2, last_probe_error = $3,
         last_heartbeat_at = case when $2 then now() else last_heartbeat_at end
       where id = $1`,
      [id, ok, error],
    );
  }
}
