import { MessagingTables1764000000000 } from '@wozamali/messaging';
import { DonationTables1764600000000 } from './1764600000000-donations';

/** Every migration of donations-service, in order. Migrations are never edited once merged. */
export const migrations = [MessagingTables1764000000000, DonationTables1764600000000];
