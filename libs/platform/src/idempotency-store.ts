import { createCipheriv, createDecipheriv, createHash, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import { IDEMPOTENCY_KEY_REUSED, type IdempotentRequest } from './idempotency';
import { DomainException, type FieldError } from './problem';

/**
 * The `idempotency_keys` table of a service (the wallet has its own, inside `ledger_execute`).
 * The key itself is not stored, only its sha256, and the answer is sealed with a key derived from
 * it: answers may hold secrets shown once (a new API key, an endpoint's signing secret), and the
 * table alone does not give them away. A caller's key is as strong as the key it sends (UUIDs).
 */
export const IDEMPOTENCY_TABLE_UP: readonly string[] = [
  `create table idempotency_keys (
    caller text not null,
    key_hash text not null,
    request_hash text not null,
    status_code int,
    response bytea,
    created_at timestamptz not null default now(),
    primary key (caller, key_hash)
  )`,
  'create index idempotency_keys_created_at_idx on idempotency_keys (created_at)',
];

export const IDEMPOTENCY_TABLE_DOWN: readonly string[] = ['drop table if exists idempotency_keys'];

/** Runs {@link IDEMPOTENCY_TABLE_UP}; a service's own migration class calls it from `up`. */
export async function createIdempotencyTable(q: QueryRunner): Promise<void> {
  for (const sql of IDEMPOTENCY_TABLE_UP) await q.query(sql);
}

/** Runs {@link IDEMPOTENCY_TABLE_DOWN}. */
export async function dropIdempotencyTable(q: QueryRunner): Promise<void> {
  for (const sql of IDEMPOTENCY_TABLE_DOWN) await q.query(sql);
}

/** For services whose migrations are listed as classes: `class X extends IdempotencyKeysMigration { name = 'X' }`. */
export abstract class IdempotencyKeysMigration implements MigrationInterface {
  abstract name: string;
  up(q: QueryRunner): Promise<void> { return createIdempotencyTable(q); }
  down(q: QueryRunner): Promise<void> { return dropIdempotencyTable(q); }
}

/** A refusal stored as a key's answer: what the problem body is made of. */
interface StoredRefusal {
  code: string;
  status: number;
  detail?: string;
  extensions: Record<string, unknown>;
  errors?: FieldError[];
}

type Stored = { kind: 'ok'; body: unknown } | { kind: 'refused'; refusal: StoredRefusal };

/** The answer of an idempotent write: new, or the key's earlier answer replayed. */
export type IdempotentAnswer<T> =
  | { replayed: false; status: number; body: T }
  | { replayed: true; status: number; body: unknown }
  | { replayed: true; status: number; refusal: DomainException };

/** Refusals given after the operation ran: they are the key's answer. A 400 (malformed) is not. */
const STORED_REFUSALS = new Set([409, 422]);

const afterCommitHooks = new WeakMap<EntityManager, (() => void)[]>();

/**
 * Runs `fn` once the idempotent transaction `m` has committed (e.g. evicting a cache), or at once
 * when `m` is not one.
 */
export function afterCommit(m: EntityManager, fn: () => void): void {
  const hooks = afterCommitHooks.get(m);
  if (hooks) hooks.push(fn);
  else fn();
}

function keyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Each request's answer key, derived once: a write that seals several possible answers (a redemption seals five) pays for one HKDF and one key object. */
const cipherKeys = new WeakMap<IdempotentRequest, KeyObject>();

function cipherKey(req: IdempotentRequest): KeyObject {
  let key = cipherKeys.get(req);
  if (!key) {
    key = createSecretKey(Buffer.from(hkdfSync('sha256', req.key, req.caller, 'wozamali idempotent answer', 32)));
    cipherKeys.set(req, key);
  }
  return key;
}

function seal(req: IdempotentRequest, value: Stored): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', cipherKey(req), iv);
  const body = Buffer.concat([c.update(JSON.stringify(value), 'utf8'), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]);
}

function open(req: IdempotentRequest, sealed: Buffer): Stored {
  const d = createDecipheriv('aes-256-gcm', cipherKey(req), sealed.subarray(0, 12));
  d.setAuthTag(sealed.subarray(12, 28));
  return JSON.parse(Buffer.concat([d.update(sealed.subarray(28)), d.final()]).toString('utf8')) as Stored;
}

function refusalOf(s: StoredRefusal): DomainException {
  return new DomainException(s.code, s.status, s.detail, s.extensions, s.errors);
}

/**
 * Runs a write at most once per (caller, key).
 *
 * Concurrency: the key row is inserted first, in the same transaction as the write's effect (`work`
 * gets that transaction's manager and must do all its database work through it). A second request
 * with the same key blocks on the primary key until the first commits, then finds the row and
 * replays its answer; if the first rolled back, the second's insert goes through and it runs the
 * write itself. So one key makes one effect, and a crash leaves either both the effect and the key
 * or neither.
 *
 * A business refusal (a {@link DomainException} with status 409 or 422) rolls the effect back to a
 * savepoint and is stored as the key's answer; anything else (a 400, a 404, a 5xx) rolls everything
 * back, the key included, so the request can be sent again. The same key with another request hash
 * is a 409 `idempotency_key_reused`.
 */
export async function runIdempotent<T>(ds: DataSource, req: IdempotentRequest, status: number, work: (m: EntityManager) => Promise<T>): Promise<IdempotentAnswer<T>> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  const hooks: (() => void)[] = [];
  try {
    await qr.startTransaction();
    const inserted = (await qr.query(
      'insert into idempotency_keys (caller, key_hash, request_hash) values ($1, $2, $3) on conflict do nothing returning 1',
      [req.caller, keyHash(req.key), req.requestHash],
    )) as unknown[];
    if (inserted.length === 0) {
      const [row] = (await qr.query(
        'select request_hash, status_code, response from idempotency_keys where caller = $1 and key_hash = $2',
        [req.caller, keyHash(req.key)],
      )) as { request_hash: string; status_code: number; response: Buffer }[];
      await qr.commitTransaction();
      if (row!.request_hash !== req.requestHash) {
        throw new DomainException(IDEMPOTENCY_KEY_REUSED, 409, 'this Idempotency-Key was used with another request; send a new key for a new request');
      }
      const stored = open(req, row!.response);
      return stored.kind === 'ok'
        ? { replayed: true, status: row!.status_code, body: stored.body }
        : { replayed: true, status: row!.status_code, refusal: refusalOf(stored.refusal) };
    }
    afterCommitHooks.set(qr.manager, hooks);
    await qr.query('savepoint idempotent_work');
    let answer: IdempotentAnswer<T> | null = null;
    let refusal: DomainException | null = null;
    let stored: Stored;
    try {
      const body = await work(qr.manager);
      answer = { replayed: false, status, body };
      stored = { kind: 'ok', body: body === undefined ? null : JSON.parse(JSON.stringify(body)) as unknown };
    } catch (err) {
      if (!(err instanceof DomainException) || !STORED_REFUSALS.has(err.status)) throw err;
      await qr.query('rollback to savepoint idempotent_work');
      hooks.length = 0;
      refusal = err;
      stored = { kind: 'refused', refusal: { code: err.code, status: err.status, detail: err.detail, extensions: err.extensions, errors: err.errors } };
    }
    await qr.query('update idempotency_keys set status_code = $3, response = $4 where caller = $1 and key_hash = $2', [
      req.caller, keyHash(req.key), refusal ? refusal.status : status, seal(req, stored),
    ]);
    await qr.commitTransaction();
    for (const fn of hooks) {
      // The write is committed: a failing hook (a cache eviction) must not answer it as an error.
      try { fn(); } catch { /* ignored */ }
    }
    // A first refusal is answered as it was raised; only later requests are replays.
    if (refusal) throw refusal;
    return answer!;
  } catch (err) {
    if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
    throw err;
  } finally {
    afterCommitHooks.delete(qr.manager);
    await qr.release();
  }
}

/**
 * For a write that stores its key and its effect in ONE statement (a database function, e.g. the
 * rewards-service's redemption decision): the key's stored hash, an answer sealed in advance the
 * way {@link runIdempotent} stores it, and a stored row read back as the key's answer (a reused key
 * is the same 409 `idempotency_key_reused`).
 */
export const idempotencyKeyHash = (key: string): string => keyHash(key);

export function sealIdempotentAnswer(req: IdempotentRequest, answer: { body: unknown } | { refusal: DomainException }): Buffer {
  if ('body' in answer) return seal(req, { kind: 'ok', body: answer.body === undefined ? null : JSON.parse(JSON.stringify(answer.body)) as unknown });
  const e = answer.refusal;
  return seal(req, { kind: 'refused', refusal: { code: e.code, status: e.status, detail: e.detail, extensions: e.extensions, errors: e.errors } });
}

export function storedIdempotentAnswer(req: IdempotentRequest, row: { request_hash: string; status_code: number; response: Buffer }): IdempotentAnswer<never> {
  if (row.request_hash !== req.requestHash) {
    throw new DomainException(IDEMPOTENCY_KEY_REUSED, 409, 'this Idempotency-Key was used with another request; send a new key for a new request');
  }
  const stored = open(req, row.response);
  return stored.kind === 'ok'
    ? { replayed: true, status: row.status_code, body: stored.body }
    : { replayed: true, status: row.status_code, refusal: refusalOf(stored.refusal) };
}
