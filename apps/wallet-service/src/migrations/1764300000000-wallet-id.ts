import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A resident's wallet id is the id of their ZAR account (the seed's `enhanced_wallets` row), and
 * `wallet_update` must carry it. A resident whose first movement was points only had no ZAR
 * account, so their events said `wallet_id: null` and every consumer dead-lettered them. From now
 * on a user's ZAR account is created with their first account of any asset, in the same statement,
 * so the wallet id exists from the first movement and never changes; users who already have only a
 * points account get theirs here. Never edit once merged.
 */
export class WalletId1764300000000 implements MigrationInterface {
  name = 'WalletId1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create function ledger_user_wallet() returns trigger language plpgsql as $$
      begin
        insert into accounts (owner_type, owner_id, asset, shard) values ('user', new.owner_id, 'ZAR', 0) on conflict do nothing;
        return null;
      end $$`);
    await q.query(`
      create trigger accounts_user_wallet after insert on accounts for each row
        when (new.owner_type = 'user' and new.asset <> 'ZAR' and new.shard = 0) execute function ledger_user_wallet()`);
    await q.query(`
      insert into accounts (owner_type, owner_id, asset, shard)
      select distinct 'user', owner_id, 'ZAR', 0 from accounts a
       where a.owner_type = 'user' and a.shard = 0
         and not exists (select 1 from accounts z where z.owner_type = 'user' and z.owner_id = a.owner_id and z.asset = 'ZAR' and z.shard = 0)
      on conflict do nothing`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('drop trigger if exists accounts_user_wallet on accounts');
    await q.query('drop function if exists ledger_user_wallet()');
  }
}
