import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export interface EndpointRow {
  id: string;
  url: string;
  event_types: string[];
  description: string | null;
  service_id: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at: Date | null;
  failing_since: Date | null;
  secrets_version: number;
  created_at: Date;
  updated_at: Date;
}

export interface EndpointPatch {
  url?: string;
  eventTypes?: string[];
  description?: string | null;
}

const COLUMNS = 'id, url, event_types, description, service_id, enabled, disabled_reason, disabled_at, failing_since, secrets_version, created_at, updated_at';

type Runner = DataSource | EntityManager;

@Injectable()
export class EndpointRepository {
  constructor(private readonly db: DataSource) {}

  async create(manager: EntityManager, row: { id: string; url: string; eventTypes: string[]; description: string | null; serviceId: string | null }, sealedSecret: Buffer): Promise<EndpointRow> {
    const [created] = (await manager.query(
      `with e as (
         insert into webhook_endpoints (id, url, event_types, description, service_id) values ($1, $2, $3, $4, $5) returning ${COLUMNS}
       ), s as (
         insert into webhook_endpoint_secrets (endpoint_id, ciphertext) select id, $6 from e
       )
       select * from e`,
      [row.id, row.url, row.eventTypes, row.description, row.serviceId, sealedSecret],
    )) as EndpointRow[];
    return created!;
  }

  async getById(id: string, runner: Runner = this.db): Promise<EndpointRow | null> {
    const rows = (await runner.query(`select ${COLUMNS} from webhook_endpoints where id = $1`, [id])) as EndpointRow[];
    return rows[0] ?? null;
  }

  async lockForUpdate(manager: EntityManager, id: string): Promise<EndpointRow | null> {
    const rows = (await manager.query(`select ${COLUMNS} from webhook_endpoints where id = $1 for update`, [id])) as EndpointRow[];
    return rows[0] ?? null;
  }

  /** Newest first (ids are UUIDv7), after the endpoint `before`. */
  async list(serviceId: string | undefined, limit: number, before: string | undefined): Promise<EndpointRow[]> {
    return (await this.db.query(
      `select ${COLUMNS} from webhook_endpoints where ($1::uuid is null or service_id = $1) and ($2::uuid is null or id < $2) order by id desc limit $3`,
      [serviceId ?? null, before ?? null, limit],
    )) as EndpointRow[];
  }

  async update(manager: EntityManager, id: string, patch: EndpointPatch): Promise<EndpointRow | null> {
    const rows = (await manager.query(
      `update webhook_endpoints set
         url = coalesce($2, url),
         event_types = coalesce($3, event_types),
         description = case when $4::boolean then $5 else description end,
         updated_at = now()
       where id = $1 returning ${COLUMNS}`,
      [id, patch.url ?? null, patch.eventTypes ?? null, patch.description !== undefined, patch.description ?? null],
    )) as [EndpointRow[], number];
    return rows[0][0] ?? null;
  }

  async delete(id: string): Promise<boolean> {
    const [, count] = (await this.db.query('delete from webhook_endpoints where id = $1', [id])) as [unknown, number];
    return count > 0;
  }

  /**
   * Disables an endpoint and parks what it has waiting (failed, no next attempt): nothing is
   * dropped; `recover` re-queues it. Returns false when it was already disabled.
   */
  async disable(manager: EntityManager, id: string, reason: string): Promise<boolean> {
    const [rows] = (await manager.query(
      `update webhook_endpoints set enabled = false, disabled_reason = $2, disabled_at = now(), updated_at = now()
       where id = $1 and enabled returning id`,
      [id, reason],
    )) as [unknown[], number];
    if (rows.length === 0) return false;
    await manager.query(
      `update webhook_deliveries set status = 'failed', next_attempt_at = null, updated_at = now()
       where endpoint_id = $1 and status in ('pending', 'failed')`,
      [id],
    );
    return true;
  }

  async enable(manager: EntityManager, id: string): Promise<void> {
    await manager.query(
      `update webhook_endpoints set enabled = true, disabled_reason = null, disabled_at = null, failing_since = null, updated_at = now()
       where id = $1 and not enabled`,
      [id],
    );
  }

  /** Endpoints among `ids` failing with no success for longer than `ms` and still enabled. */
  async findFailingLongerThan(ids: string[], ms: number): Promise<string[]> {
    const rows = (await this.db.query(
      `select id from webhook_endpoints where id = any($1::uuid[]) and enabled and failing_since < now() - $2::bigint * interval '1 millisecond'`,
      [ids, ms],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** The current secret stops being current: it keeps signing until `graceMs` from now. */
  async rotateSecret(manager: EntityManager, id: string, sealedSecret: Buffer, graceMs: number): Promise<Date> {
    const [expiry] = (await manager.query(
      `update webhook_endpoint_secrets set expires_at = now() + $2::bigint * interval '1 millisecond'
       where endpoint_id = $1 and expires_at is null returning expires_at`,
      [id, graceMs],
    )) as [{ expires_at: Date }[], number];
    await manager.query('insert into webhook_endpoint_secrets (endpoint_id, ciphertext) values ($1, $2)', [id, sealedSecret]);
    await manager.query('update webhook_endpoints set secrets_version = secrets_version + 1, updated_at = now() where id = $1', [id]);
    return expiry[0]!.expires_at;
  }

  /** Secrets that sign now, the current one first; and when the next rotated-out one expires. */
  async signingSecrets(id: string): Promise<{ ciphertext: Buffer; expires_at: Date | null }[]> {
    return (await this.db.query(
      `select ciphertext, expires_at from webhook_endpoint_secrets
       where endpoint_id = $1 and (expires_at is null or expires_at > now())
       order by (expires_at is null) desc, created_at desc`,
      [id],
    )) as { ciphertext: Buffer; expires_at: Date | null }[];
  }

  async currentSecret(id: string): Promise<Buffer | null> {
    const rows = (await this.db.query(
      'select ciphertext from webhook_endpoint_secrets where endpoint_id = $1 and expires_at is null order by created_at desc limit 1',
      [id],
    )) as { ciphertext: Buffer }[];
    return rows[0]?.ciphertext ?? null;
  }

  /** A page of secrets that can still sign (any endpoint), in id order after `afterId`. */
  async liveSecretsAfter(afterId: string, limit: number): Promise<{ id: string; endpoint_id: string; ciphertext: Buffer }[]> {
    return (await this.db.query(
      `select id, endpoint_id, ciphertext from webhook_endpoint_secrets
       where id > $1 and (expires_at is null or expires_at > now()) order by id limit $2`,
      [afterId, limit],
    )) as { id: string; endpoint_id: string; ciphertext: Buffer }[];
  }

  /** Swaps a secret's ciphertext, only if it is still the one read (another process may have re-sealed it). */
  async replaceCiphertext(id: string, previous: Buffer, next: Buffer): Promise<boolean> {
    const [, count] = (await this.db.query('update webhook_endpoint_secrets set ciphertext = $3 where id = $1 and ciphertext = $2', [id, previous, next])) as [unknown, number];
    return count === 1;
  }
}
