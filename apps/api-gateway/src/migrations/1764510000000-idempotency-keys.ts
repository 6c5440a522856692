import { IdempotencyKeysMigration } from '@wozamali/platform';

/** The platform's `idempotency_keys` table, for the gateway's own POSTs (API keys). Never edit once merged. */
export class IdempotencyKeys1764510000000 extends IdempotencyKeysMigration {
  name = 'IdempotencyKeys1764510000000';
}
