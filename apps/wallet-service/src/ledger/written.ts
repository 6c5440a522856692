import type { LedgerResult } from './ledger.types';

/**
 * The answer to a ledger write: the ledger's own result and the body the client sees. The HTTP
 * layer answers 201, or 200 with `Idempotent-Replayed: true` when the key was seen before.
 */
export class Written<T> {
  constructor(readonly result: LedgerResult, readonly body: T) {}

  get replayed(): boolean {
    return this.result.replayed;
  }
}
