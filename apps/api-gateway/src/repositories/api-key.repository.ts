import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** A row of `api_keys` (never carries a secret in clear). */
export interface ApiKeyRecord {
  id: string;
  public_id: string;
  secret_hash: string;
  name: string;
  service_id: string;
  permissions: Record<string, string[]>;
  rate_limit_per_minute: number | null;
  bootstrap: boolean;
  created_by: string;
  rotated_from: string | null;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export interface NewApiKey {
  publicId: string;
  secretHash: string;
  name: string;
  serviceId: string;
  permissions: Record<string, string[]>;
  rateLimitPerMinute: number | null;
  expiresAt: Date | null;
  createdBy: string;
  rotatedFrom?: string | null;
}

const COLUMNS = 'id, public_id, secret_hash, name, service_id, permissions, rate_limit_per_minute, bootstrap, created_by, rotated_from, created_at, expires_at, revoked_at, last_used_at';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly ds: DataSource) {}

  async findByPublicId(publicId: string): Promise<ApiKeyRecord | null> {
    const rows: ApiKeyRecord[] = await this.ds.query(`select ${COLUMNS} from api_keys where public_id = $1`, [publicId]);
    return rows[0] ?? null;
  }

  async getById(id: string, m: EntityManager = this.ds.manager): Promise<ApiKeyRecord | null> {
    if (!UUID.test(id)) return null;
    const rows: ApiKeyRecord[] = await m.query(`select ${COLUMNS} from api_keys where id = $1`, [id]);
    return rows[0] ?? null;
  }

  async lockById(m: EntityManager, id: string): Promise<ApiKeyRecord | null> {
    if (!UUID.test(id)) return null;
    const rows: ApiKeyRecord[] = await m.query(`select ${COLUMNS} from api_keys where id = $1 for update`, [id]);
    return rows[0] ?? null;
  }

  /** A page of keys, newest first, after the keyset `after` ([created_at with microseconds, id] of the previous page's last). */
  async listNewestFirst(limit: number, after: readonly string[] | null = null): Promise<(ApiKeyRecord & { cursor_at: string })[]> {
    return this.ds.query(
      `select ${COLUMNS}, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at from api_keys
        where $2::timestamptz is null or (created_at, id) < ($2::timestamptz, $3::uuid)
        order by created_at desc, id desc limit $1`,
      [limit, after?.[0] ?? null, after?.[1] ?? null],
    );
  }

  async insert(m: EntityManager, k: NewApiKey): Promise<ApiKeyRecord> {
    const rows: ApiKeyRecord[] = await m.query(
      `insert into api_keys (public_id, secret_hash, name, service_id, permissions, rate_limit_per_minute, expires_at, created_by, rotated_from)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning ${COLUMNS}`,
      [k.publicId, k.secretHash, k.name, k.serviceId, JSON.stringify(k.permissions), k.rateLimitPerMinute, k.expiresAt, k.createdBy, k.rotatedFrom ?? null],
    );
    return rows[0];
  }

  /** Revokes now (idempotent: a revoked key keeps its first revocation time). */
  async revoke(m: EntityManager, id: string): Promise<ApiKeyRecord> {
    const rows: [ApiKeyRecord[], number] = await m.query(`update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1 returning ${COLUMNS}`, [id]);
    return rows[0][0];
  }

  /** Lets a rotated key live on for a grace period (never longer than it already would). */
  async expireAt(m: EntityManager, id: string, at: Date): Promise<ApiKeyRecord> {
    const rows: [ApiKeyRecord[], number] = await m.query(`update api_keys set expires_at = least(coalesce(expires_at, $2), $2) where id = $1 returning ${COLUMNS}`, [id, at]);
    return rows[0][0];
  }

  /** One statement for a batch of last uses; a later time never goes backwards. */
  async recordLastUses(uses: Map<string, Date>): Promise<void> {
    if (uses.size === 0) return;
    await this.ds.query(
      `update api_keys k set last_used_at = greatest(coalesce(k.last_used_at, u.at), u.at)
         from unnest($1::text[], $2::timestamptz[]) as u(public_id, at) where k.public_id = u.public_id`,
      [[...uses.keys()], [...uses.values()]],
    );
  }

  /**
   * Makes ADMIN_API_KEY the one live bootstrap key: earlier bootstrap keys are revoked, this one is
   * inserted or re-armed. Refuses to take over a non-bootstrap key that happens to share the public id.
   */
  async ensureBootstrap(publicId: string, secretHash: string, serviceId: string): Promise<ApiKeyRecord> {
    return this.ds.transaction(async (m) => {
      await m.query("select pg_advisory_xact_lock(hashtext('api_keys:bootstrap'))");
      await m.query('update api_keys set revoked_at = now() where bootstrap and revoked_at is null and public_id <> $1', [publicId]);
      const rows: ApiKeyRecord[] = await m.query(
        `insert into api_keys (public_id, secret_hash, name, service_id, permissions, bootstrap, created_by)
         values ($1, $2, 'bootstrap admin key (ADMIN_API_KEY)', $3, '{"*":["*"]}', true, 'bootstrap')
         on conflict (public_id) do update set secret_hash = excluded.secret_hash, service_id = excluded.service_id,
           permissions = excluded.permissions, revoked_at = null, expires_at = null
         where api_keys.bootstrap
         returning ${COLUMNS}`,
        [publicId, secretHash, serviceId],
      );
      if (!rows[0]) throw new Error('ADMIN_API_KEY shares its public id with an ordinary key; choose another');
      return rows[0];
    });
  }
}
