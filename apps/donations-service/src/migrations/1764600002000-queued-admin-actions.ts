import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Admin refunds and cancellations accepted while the wallet is away: the request kept on the row
 * (202), finished by a worker with the same wallet keys (and, for a redirect, the same body), or
 * dropped with the wallet's definitive refusal recorded. Never edit once merged.
 */
export class QueuedAdminActions1764600002000 implements MigrationInterface {
  name = 'QueuedAdminActions1764600002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`alter table donations add column refund_request jsonb, add column refund_failure_code text, add column next_refund_at timestamptz, add column refund_tries integer not null default 0`);
    await q.query('create index donations_refund_due on donations (next_refund_at) where refund_request is not null');
    await q.query(`alter table campaigns add column cancel_request jsonb, add column cancel_failure_code text, add column next_cancel_at timestamptz, add column cancel_tries integer not null default 0`);
    await q.query('create index campaigns_cancel_due on campaigns (next_cancel_at) where cancel_request is not null');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop index if exists campaigns_cancel_due');
    await q.query('drop index if exists donations_refund_due');
    await q.query('alter table campaigns drop column cancel_request, drop column cancel_failure_code, drop column next_cancel_at, drop column cancel_tries');
    await q.query('alter table donations drop column refund_request, drop column refund_failure_code, drop column next_refund_at, drop column refund_tries');
  }
}
