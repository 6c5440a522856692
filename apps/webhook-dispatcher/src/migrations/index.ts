import { MessagingTables1764000000000 } from '@wozamali/messaging';
import { WebhookTables1764200000000 } from './1764200000000-webhook-tables';
import { NotifyPendingOnly1764300000000 } from './1764300000000-notify-pending-only';
import { WebhookRetention1764400000000 } from './1764400000000-webhook-retention';
import { IdempotencyKeys1764510000000 } from './1764510000000-idempotency-keys';

/** Every migration of webhook-dispatcher, in order. Migrations are never edited once merged. */
export const migrations = [MessagingTables1764000000000, WebhookTables1764200000000, NotifyPendingOnly1764300000000, WebhookRetention1764400000000, IdempotencyKeys1764510000000];
