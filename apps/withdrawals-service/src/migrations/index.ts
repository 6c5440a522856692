import { MessagingTables1764000000000 } from '@wozamali/messaging';
import { IdempotencyKeys1764600000000 } from './1764600000000-idempotency-keys';
import { WithdrawalTables1764600000001 } from './1764600000001-withdrawal-tables';
import { Payouts1764600000002 } from './1764600000002-payouts';
import { DisbursementPayouts1764600000003 } from './1764600000003-disbursement-payouts';

/** Every migration of withdrawals-service, in order. Migrations are never edited once merged. */
export const migrations = [MessagingTables1764000000000, IdempotencyKeys1764600000000, WithdrawalTables1764600000001, Payouts1764600000002, DisbursementPayouts1764600000003];
