import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Wake the workers only for deliveries nobody holds yet. A fan-out now claims most new deliveries
 * for its own process in the same statement; those need no wake-up, and a transaction that sends
 * NOTIFY serialises its commit with every other notifying commit of the cluster.
 */
export class NotifyPendingOnly1764300000000 implements MigrationInterface {
  name = 'NotifyPendingOnly1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('drop trigger webhook_deliveries_notify_trg on webhook_deliveries');
    await q.query(`create trigger webhook_deliveries_notify_trg after insert on webhook_deliveries
      for each row when (new.status = 'pending' and new.claim_id is null) execute function webhook_deliveries_notify()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop trigger webhook_deliveries_notify_trg on webhook_deliveries');
    await q.query(`create trigger webhook_deliveries_notify_trg after insert on webhook_deliveries
      for each statement execute function webhook_deliveries_notify()`);
  }
}
