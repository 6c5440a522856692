import { createHash } from 'node:crypto';
import { createParamDecorator, Injectable, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import { isUuid } from '@wozamali/contracts';
import { callerOf, requestContext, type ServiceCaller } from '@wozamali/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WalletException } from '../errors/wallet.exception';
import type { LedgerResult, WriteContext } from '../ledger/ledger.types';

const KEY = /^[\x21-\x7e]{1,255}$/;

/** JSON with sorted keys, so the same body in another key order hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Who acts, from the verified service token: the API key's service or the end user the gateway forwarded, else the calling service. */
function actingId(caller: ServiceCaller | null): string | null {
  const p = caller?.principal;
  if (p) return p.type === 'service' ? p.serviceId : p.userId;
  return caller?.service ?? null;
}

/**
 * The idempotency scope of a POST: the `Idempotency-Key` header (required on every write), the
 * acting client (from the verified service token, never from plain headers) and a hash of method,
 * path and body.
 */
export const Write = createParamDecorator((_data: unknown, ctx: ExecutionContext): WriteContext => {
  const req = ctx.switchToHttp().getRequest<FastifyRequest>();
  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string' || !KEY.test(key)) {
    throw new WalletException('idempotency_key_required', 'send an Idempotency-Key header (1-255 visible ASCII characters) with every POST');
  }
  const client = actingId(callerOf(req));
  const path = req.url.split('?')[0];
  return {
    clientId: client ?? 'anonymous',
    key,
    requestHash: createHash('sha256').update(`${req.method} ${path}\n${canonical(req.body ?? null)}`).digest('hex'),
    correlationId: requestContext.requestId(),
  };
});

/** The acting principal for audit metadata. */
export const Actor = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  const req = ctx.switchToHttp().getRequest<FastifyRequest>();
  return actingId(callerOf(req)) ?? 'unknown';
});

/** Path ids are UUIDs; anything else is a 400 `invalid_id`, never a database error. */
@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUuid(value)) throw new WalletException('invalid_id', `${JSON.stringify(String(value).slice(0, 60))} is not a UUID`);
    return value.toLowerCase();
  }
}

/** 201 for a new write; 200 with `Idempotent-Replayed: true` for a repeated key. */
export function writeStatus(reply: FastifyReply, result: LedgerResult): void {
  void reply.status(result.replayed ? 200 : 201);
  if (result.replayed) void reply.header('idempotent-replayed', 'true');
}
