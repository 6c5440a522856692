import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Admin issue: a reward given to a resident at no cost takes a unit of stock (a movement of kind
 * `issue` with the admin's reason), and the user reward keeps who issued it, why, and whether it
 * holds a unit (given back on cancel). Never edit once merged.
 */
export class AdminIssue1764600004000 implements MigrationInterface {
  name = 'AdminIssue1764600004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('alter table reward_stock_movements drop constraint reward_stock_movements_kind_check');
    await q.query(`alter table reward_stock_movements add constraint reward_stock_movements_kind_check check (kind in ('set', 'redemption', 'returned', 'issue'))`);
    // Whether an admin-issued reward took a unit (given back if it is cancelled, like a redemption's).
    await q.query('alter table user_rewards add column issued_by text, add column issue_reason text, add column issue_holds_stock boolean not null default false');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('alter table user_rewards drop column issued_by, drop column issue_reason, drop column issue_holds_stock');
    await q.query(`delete from reward_stock_movements where kind = 'issue'`);
    await q.query('alter table reward_stock_movements drop constraint reward_stock_movements_kind_check');
    await q.query(`alter table reward_stock_movements add constraint reward_stock_movements_kind_check check (kind in ('set', 'redemption', 'returned'))`);
  }
}
