import { MessagingTables1764000000000 } from '@wozamali/messaging';
import { ApiKeys1764000005000 } from './1764000005000-api-keys';
import { IdempotencyKeys1764510000000 } from './1764510000000-idempotency-keys';
import { AuditLog1764800000000 } from './1764800000000-audit-log';

/** Every migration of api-gateway, in order. Migrations are never edited once merged. */
export const migrations = [MessagingTables1764000000000, ApiKeys1764000005000, IdempotencyKeys1764510000000, AuditLog1764800000000];
