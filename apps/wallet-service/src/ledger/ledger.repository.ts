import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { planted } from '@wozamali/config';
import { Topics, uuidv7 } from '@wozamali/contracts';
import { OutboxNotifier } from '@wozamali/messaging';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { WalletException } from '../errors/wallet.exception';
import type { LedgerResult, PostingSpec, TransferKind, WriteContext } from './ledger.types';
import { randomShard, sortForLocking } from './postings';

export interface ExecuteRequest {
  transferId?: string;
  kind: TransferKind;
  userId: string | null;
  description: string;
  reference?: string | null;
  metadata?: Record<string, unknown>;
  postings?: PostingSpec[];
  reverses?: string;
  hold?: { op: 'create'; id: string; amount: number } | { op: 'post' | 'void'; id: string };
  /** The collection row written with its transfer (collections only). */
  collection?: Record<string, unknown>;
  /** Extra events (type + data) written to the outbox with the transfer. */
  events?: { type: string; data: Record<string, unknown> }[];
  /** Extra fields stored with the result (returned again on an idempotent replay). */
  response?: Record<string, unknown>;
}

const RETRYABLE = new Set(['40P01', '40001']);

/** The ledger's single write path: one call of the `ledger_execute` SQL function, one round trip. */
@Injectable()
export class LedgerRepository {
  private readonly pool: Pool;

  constructor(@InjectDataSource() private readonly dataSource: DataSource, private readonly notifier: OutboxNotifier) {
    this.pool = (dataSource.driver as unknown as { master: Pool }).master;
  }

  async execute(ctx: WriteContext, req: ExecuteRequest): Promise<LedgerResult> {
    const postings = sortForLocking(req.postings ?? []);
    const payload: Record<string, unknown> = {
      client: ctx.clientId,
      // CHAOS-ONLY PLANT (libs/config/src/plant.ts): an earn's key never matches again, so a retry credits twice.
      key: planted('double-credit') && req.kind === 'earn' ? `${ctx.key}#${uuidv7()}` : ctx.key,
      hash: ctx.requestHash,
      transfer_id: req.transferId ?? uuidv7(),
      kind: req.kind,
      user_id: req.userId,
      description: req.description,
      reference: req.reference ?? null,
      metadata: req.metadata ?? {},
      correlation_id: ctx.correlationId,
      topic: Topics.wallet,
      source: 'wallet-service',
      event_ids: Array.from({ length: 3 + (req.events?.length ?? 0) }, () => uuidv7()),
      postings,
      events: req.events ?? [],
      response: req.response ?? {},
    };
    if (req.reverses) payload.reverses = req.reverses;
    if (req.collection) payload.collection = req.collection;
    if (req.hold) payload.hold = { ...req.hold, clearing_shard: randomShard() };
    const text = JSON.stringify(payload);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { rows } = await this.pool.query<{ r: LedgerResult & { body?: LedgerResult } }>('select ledger_execute($1::jsonb) as r', [text]);
        const r = rows[0]!.r;
        if (r.body) return { ...r.body, replayed: true };
        this.notifier.poke();
        return r;
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        if (RETRYABLE.has(code) && attempt < 4) continue;
        throw translate(err);
      }
    }
  }
}

/** Maps the SQL function's raised problems (SQLSTATE WM4xx, message = code) and constraint errors. */
export function translate(err: unknown): unknown {
  const e = err as { code?: string; message?: string; constraint?: string; detail?: string };
  if (e.code && /^WM4\d\d$/.test(e.code) && e.message && WalletException.isCode(e.message)) {
    // A refusal for too little money or points names the asset (DETAIL of the SQL error).
    if (e.detail === 'ZAR' || e.detail === 'POINTS') return new WalletException(e.message, `not enough ${e.detail} for this transfer`, { asset: e.detail });
    return new WalletException(e.message);
  }
  if (e.code === '23514' || e.code === '22003') return new WalletException('amount_out_of_range', 'the amount would take a balance out of range');
  if (e.code === '23505' && (e.constraint === 'transfers_collection_once' || e.constraint === 'collections_pkey')) return new WalletException('collection_already_recorded');
  if (e.code === '23505' && e.constraint === 'transfers_reverses_transfer_id_key') return new WalletException('transfer_already_reversed');
  if (e.code && RETRYABLE.has(e.code)) return new WalletException('ledger_busy', 'the ledger is busy; retry with the same Idempotency-Key');
  return err;
}
