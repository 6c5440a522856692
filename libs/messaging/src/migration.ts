import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MESSAGING_TABLES_DOWN, MESSAGING_TABLES_UP } from './schema';

/** The outbox and inbox tables; the first migration of every service. Never edit once merged. */
export class MessagingTables1764000000000 implements MigrationInterface {
  name = 'MessagingTables1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of MESSAGING_TABLES_UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of MESSAGING_TABLES_DOWN) await queryRunner.query(sql);
  }
}
