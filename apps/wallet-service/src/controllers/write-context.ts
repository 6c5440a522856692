import { createParamDecorator, Injectable, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import { isUuid } from '@wozamali/contracts';
import { idempotencyScopeOf, idempotentRequestOf, requestContext } from '@wozamali/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WalletException } from '../errors/wallet.exception';
import type { WriteContext } from '../ledger/ledger.types';
import type { Written } from '../ledger/written';

/**
 * The idempotency scope of a POST, from the platform's one implementation: the `Idempotency-Key`
 * header (required on every write: 400 `idempotency_key_required`), the acting client (from the
 * verified service token, never from plain headers) and a hash of method, path and body. The
 * wallet stores keys itself, inside `ledger_execute`.
 */
export const Write = createParamDecorator((_data: unknown, ctx: ExecutionContext): WriteContext => {
  const w = idempotentRequestOf(ctx.switchToHttp().getRequest<FastifyRequest>());
  return { clientId: w.caller, key: w.key, requestHash: w.requestHash, correlationId: requestContext.requestId() };
});

/** The acting principal for audit metadata: the same one that scopes the idempotency keys. */
export const Actor = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => idempotencyScopeOf(ctx.switchToHttp().getRequest<FastifyRequest>()));

/** Path ids are UUIDs; anything else is a 400 `invalid_id`, never a database error. */
@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUuid(value)) throw new WalletException('invalid_id', `${JSON.stringify(String(value).slice(0, 60))} is not a UUID`);
    return value.toLowerCase();
  }
}

/**
 * Answers a ledger write with its body: 201, or 200 with `Idempotent-Replayed: true` for a repeated
 * key. A plain call in each handler, not a Nest interceptor: an interceptor puts an RxJS pipeline on
 * every request (about 6 % of the wallet's CPU per earn in a profile; see `installStorableTextCheck`).
 */
export async function answer<T>(reply: FastifyReply, written: Promise<Written<T>>): Promise<T> {
  const w = await written;
  void reply.status(w.replayed ? 200 : 201);
  if (w.replayed) void reply.header('idempotent-replayed', 'true');
  return w.body;
}
