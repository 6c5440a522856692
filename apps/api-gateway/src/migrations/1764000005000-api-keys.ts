import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys of external services. Only the hash of a key's secret is stored; the public id is the
 * lookup. At most one live bootstrap (ADMIN_API_KEY) key at a time. Never edit once merged.
 */
export class ApiKeys1764000005000 implements MigrationInterface {
  name = 'ApiKeys1764000005000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table api_keys (
        id uuid primary key default gen_random_uuid(),
        public_id text not null unique check (public_id ~ '^[a-z0-9]{8,32}$'),
        secret_hash text not null,
        name text not null check (length(name) between 1 and 200),
        service_id text not null check (service_id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
        permissions jsonb not null check (jsonb_typeof(permissions) = 'object'),
        rate_limit_per_minute integer check (rate_limit_per_minute > 0),
        bootstrap boolean not null default false,
        created_by text not null,
        rotated_from uuid references api_keys(id),
        created_at timestamptz not null default now(),
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz
      )`);
    await q.query('create unique index api_keys_one_live_bootstrap on api_keys (bootstrap) where bootstrap and revoked_at is null');
    await q.query('create index api_keys_created_at on api_keys (created_at desc, id desc)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop table api_keys');
  }
}
