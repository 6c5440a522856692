import { MessagingTables1764000000000 } from '@wozamali/messaging';
import { Ledger1764000001000 } from './1764000001000-ledger';
import { WalletId1764300000000 } from './1764300000000-wallet-id';
import { LedgerExecuteHelpers1764500000000 } from './1764500000000-ledger-execute-helpers';
import { LedgerFastHelpersSpreadDebits1764600000000 } from './1764600000000-ledger-fast-helpers-spread-debits';
import { TransfersCreatedAtIndex1764700000000 } from './1764700000000-transfers-created-at-index';

/** Every migration of wallet-service, in order. Migrations are never edited once merged. */
export const migrations = [MessagingTables1764000000000, Ledger1764000001000, WalletId1764300000000, LedgerExecuteHelpers1764500000000, LedgerFastHelpersSpreadDebits1764600000000, TransfersCreatedAtIndex1764700000000];
