import { IdempotencyKeysMigration } from '@wozamali/platform';

/** The platform's `idempotency_keys` table: every POST of the dispatcher is idempotent. Never edit once merged. */
export class IdempotencyKeys1764510000000 extends IdempotencyKeysMigration {
  name = 'IdempotencyKeys1764510000000';
}
