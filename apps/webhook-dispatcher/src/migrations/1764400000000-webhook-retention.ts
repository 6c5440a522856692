import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Lets the retention job find messages past their retention, oldest first, without a scan. */
export class WebhookRetention1764400000000 implements MigrationInterface {
  name = 'WebhookRetention1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('create index webhook_messages_created_idx on webhook_messages (created_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop index webhook_messages_created_idx');
  }
}
