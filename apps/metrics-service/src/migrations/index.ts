import { MessagingTables1764000000000 } from '@wozamali/messaging';

/** Every migration of metrics-service, in order. Migrations are never edited once merged. */
export const migrations = [MessagingTables1764000000000];
