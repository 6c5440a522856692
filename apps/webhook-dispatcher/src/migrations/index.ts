import { MessagingTables1764000000000 } from '@wozamali/messaging';

/** Every migration of webhook-dispatcher, in order. Migrations are never edited once merged. */
export const migrations = [MessagingTables1764000000000];
