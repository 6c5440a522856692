import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether a redemption took a unit of a stock-limited reward: a reward with neither a stock nor a
 * per-user limit is redeemed without locking or writing its row, so only redemptions that took a
 * unit give one back (on failure or cancel). Never edit once merged.
 */
export class RedemptionHoldsStock1764600001000 implements MigrationInterface {
  name = 'RedemptionHoldsStock1764600001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('alter table redemptions add column holds_stock boolean not null default false');
    // Redemptions made before this column existed all took a unit (every redemption counted then).
    await q.query(`update redemptions d set holds_stock = true from rewards r where r.id = d.reward_id and r.stock_total is not null`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('alter table redemptions drop column holds_stock');
  }
}
