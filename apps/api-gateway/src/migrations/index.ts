import { MessagingTables1764000000000 } from '@wozamali/messaging';

/** Every migration of api-gateway, in order. Migrations are never edited once merged. */
export const migrations = [MessagingTables1764000000000];
