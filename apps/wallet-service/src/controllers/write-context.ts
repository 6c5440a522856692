import { createHash } from 'node:crypto';
import { createParamDecorator, Injectable, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import { isUuid } from '@wozamali/contracts';
import { requestContext } from '@wozamali/platform';
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

/**
 * The idempotency scope of a POST: the `Idempotency-Key` header (required on every write), the
 * calling client (the gateway passes the authenticated service or user as `X-Service-ID` /
 * `X-Principal-Id`) and a hash of method, path and body.
 */
export const Write = createParamDecorator((_data: unknown, ctx: ExecutionContext): WriteContext => {
  const req = ctx.switchToHttp().getRequest<FastifyRequest>();
  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string' || !KEY.test(key)) {
    throw new WalletException('idempotency_key_required', 'send an Idempotency-Key header (1-255 visible ASCII characters) with every POST');
  }
  const client = req.headers['x-service-id'] ?? req.headers['x-principal-id'];
  const path = req.url.split('?')[0];
  return {
    clientId: typeof client === 'string' && client.length > 0 && client.length <= 200 ? client : 'anonymous',
    key,
    requestHash: createHash('sha256').update(`${req.method} ${path}\n${canonical(req.body ?? null)}`).digest('hex'),
    correlationId: requestContext.requestId(),
  };
});

/** The acting principal for audit metadata. */
export const Actor = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  const req = ctx.switchToHttp().getRequest<FastifyRequest>();
  const id = req.headers['x-principal-id'] ?? req.headers['x-service-id'];
  return typeof id === 'string' ? id.slice(0, 200) : 'unknown';
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
