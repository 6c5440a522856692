import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log: one row per admin or service-key write that passed the gateway, written after the
 * answer. Append-only (a trigger refuses update and delete). Never a body or a secret: the route
 * template, the ids acted on, the masked note. Never edit once merged.
 */
export class AuditLog1764800000000 implements MigrationInterface {
  name = 'AuditLog1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create table audit_log (
        id uuid primary key default gen_random_uuid(),
        at timestamptz not null default clock_timestamp(),
        actor_kind text not null check (actor_kind in ('user', 'service')),
        actor_id text not null check (length(actor_id) between 1 and 100),
        actor_key text check (length(actor_key) <= 100),
        method text not null check (method in ('POST', 'PUT', 'PATCH', 'DELETE')),
        route text not null check (length(route) between 1 and 300),
        permission text not null check (length(permission) <= 100),
        targets text[] not null default '{}',
        status smallint not null check (status between 100 and 599),
        replayed boolean not null default false,
        note text check (length(note) <= 500),
        request_id text not null check (length(request_id) <= 200)
      )`);
    await q.query('create index audit_log_at on audit_log (at desc, id desc)');
    await q.query('create index audit_log_actor on audit_log (actor_id, at desc)');
    await q.query('create index audit_log_targets on audit_log using gin (targets)');
    await q.query(`
      create function audit_log_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'audit_log is append-only' using errcode = 'insufficient_privilege';
      end $$`);
    await q.query('create trigger audit_log_append_only before update or delete on audit_log for each row execute function audit_log_append_only()');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop table audit_log');
    await q.query('drop function audit_log_append_only()');
  }
}
