import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Endpoints and their secrets, the messages (one body per event, byte-stable across retries),
 * deliveries (one per event and endpoint: the sync queue), attempts (its history) and the
 * external services registry. Never edit once merged.
 */
export class WebhookTables1764200000000 implements MigrationInterface {
  name = 'WebhookTables1764200000000';

  async up(q: QueryRunner): Promise<void> {
    // UUIDv7 in SQL (PostgreSQL 15 has none): deliveries and attempts sort by creation.
    await q.query(`create function webhook_uuidv7() returns uuid language sql volatile as $$
      select encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing
        substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3) from 1 for 6),
        52, 1), 53, 1), 'hex')::uuid $$`);
    await q.query(`create table external_services (
      id uuid primary key,
      name text not null,
      type text not null,
      base_url text not null,
      health_url text,
      last_heartbeat_at timestamptz,
      last_probe_at timestamptz,
      last_probe_ok boolean,
      last_probe_error text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);
    await q.query('create unique index external_services_name_key on external_services (lower(name))');
    await q.query(`create table webhook_endpoints (
      id uuid primary key,
      url text not null,
      event_types text[] not null check (cardinality(event_types) > 0),
      description text,
      service_id uuid references external_services(id) on delete set null,
      enabled boolean not null default true,
      disabled_reason text,
      disabled_at timestamptz,
      -- bumped on every rotation so workers know their cached signing keys are stale
      secrets_version int not null default 1,
      failing_since timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);
    await q.query('create index webhook_endpoints_event_types_idx on webhook_endpoints using gin (event_types)');
    // AES-256-GCM ciphertext (version byte, iv, tag, data); the current secret has no expiry.
    await q.query(`create table webhook_endpoint_secrets (
      id uuid primary key default webhook_uuidv7(),
      endpoint_id uuid not null references webhook_endpoints(id) on delete cascade,
      ciphertext bytea not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz
    )`);
    await q.query('create index webhook_endpoint_secrets_endpoint_idx on webhook_endpoint_secrets (endpoint_id)');
    await q.query(`create table webhook_messages (
      id uuid primary key,
      type text not null,
      occurred_at timestamptz not null,
      body text not null,
      created_at timestamptz not null default now()
    )`);
    await q.query(`create table webhook_deliveries (
      id uuid primary key default webhook_uuidv7(),
      event_id uuid not null references webhook_messages(id) on delete cascade,
      event_type text not null,
      endpoint_id uuid not null references webhook_endpoints(id) on delete cascade,
      priority smallint not null,
      status text not null check (status in ('pending', 'delivered', 'failed', 'dead')),
      -- null while parked (endpoint disabled) or finished
      next_attempt_at timestamptz,
      attempt_count int not null default 0,
      -- attempt_count when the current retry cycle began (a manual retry or a recover starts a new one)
      cycle_start int not null default 0,
      claim_id uuid,
      last_attempt_at timestamptz,
      delivered_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (event_id, endpoint_id)
    )`);
    await q.query(`create index webhook_deliveries_due_idx on webhook_deliveries (priority, next_attempt_at)
      where status in ('pending', 'failed') and next_attempt_at is not null`);
    await q.query('create index webhook_deliveries_endpoint_idx on webhook_deliveries (endpoint_id, id desc)');
    await q.query(`create table webhook_attempts (
      id uuid primary key default webhook_uuidv7(),
      delivery_id uuid not null references webhook_deliveries(id) on delete cascade,
      attempt_no int not null,
      attempted_at timestamptz not null,
      status_code int,
      duration_ms int not null,
      response_snippet text,
      error text
    )`);
    await q.query('create index webhook_attempts_delivery_idx on webhook_attempts (delivery_id, attempt_no)');
    await q.query(`create function webhook_deliveries_notify() returns trigger language plpgsql as $$
      begin perform pg_notify('webhook_deliveries_due', ''); return null; end $$`);
    await q.query(`create trigger webhook_deliveries_notify_trg after insert on webhook_deliveries
      for each statement execute function webhook_deliveries_notify()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop trigger if exists webhook_deliveries_notify_trg on webhook_deliveries');
    await q.query('drop function if exists webhook_deliveries_notify()');
    await q.query('drop table if exists webhook_attempts');
    await q.query('drop table if exists webhook_deliveries');
    await q.query('drop table if exists webhook_messages');
    await q.query('drop table if exists webhook_endpoint_secrets');
    await q.query('drop table if exists webhook_endpoints');
    await q.query('drop table if exists external_services');
    await q.query('drop function if exists webhook_uuidv7()');
  }
}
