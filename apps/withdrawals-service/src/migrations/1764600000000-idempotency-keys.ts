import { IdempotencyKeysMigration } from '@wozamali/platform';

/** The platform's `idempotency_keys` table: every POST of the withdrawals-service is idempotent. Never edit once merged. */
export class IdempotencyKeys1764600000000 extends IdempotencyKeysMigration {
  name = 'IdempotencyKeys1764600000000';
}
