import { MessagingTables1764000000000 } from '@wozamali/messaging';
import { DonationTables1764600000000 } from './1764600000000-donations';
import { DisbursementPayouts1764600001000 } from './1764600001000-disbursement-payouts';
import { QueuedAdminActions1764600002000 } from './1764600002000-queued-admin-actions';
import { DisbursementReview1764600003000 } from './1764600003000-disbursement-review';

/** Every migration of donations-service, in order. Migrations are never edited once merged. */
export const migrations = [MessagingTables1764000000000, DonationTables1764600000000, DisbursementPayouts1764600001000, QueuedAdminActions1764600002000, DisbursementReview1764600003000];
