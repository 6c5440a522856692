import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The day report (`GET /internal/v1/reports/user-days`, the metrics' reconciliation) reads one local
 * day of transfers: by a range on `created_at`, which had no index (every report scanned the whole
 * table). Never edit once merged.
 */
export class TransfersCreatedAtIndex1764700000000 implements MigrationInterface {
  name = 'TransfersCreatedAtIndex1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('create index if not exists transfers_created_at_idx on transfers (created_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop index if exists transfers_created_at_idx');
  }
}
