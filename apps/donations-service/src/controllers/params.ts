import { createParamDecorator, Injectable, Param, type ExecutionContext, type PipeTransform } from '@nestjs/common';
import { isUuid } from '@wozamali/contracts';
import type { OutboxTransaction } from '@wozamali/messaging';
import { idempotencyKeyOf, idempotencyScopeOf, requestContext } from '@wozamali/platform';
import type { FastifyRequest } from 'fastify';
import { DonationException } from '../errors/donation.exception';

/** Path ids are UUIDs; anything else is a 400 `invalid_id`, never a database error. */
@Injectable()
export class UuidPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUuid(value)) throw new DonationException('invalid_id', `${JSON.stringify(String(value).slice(0, 60))} is not a UUID`);
    return value.toLowerCase();
  }
}

export const IdParam = (name: string) => Param(name, new UuidPipe());

/** Who asked and with which Idempotency-Key: a donation's id is derived from them. */
export const WriteKey = createParamDecorator((_d: unknown, ctx: ExecutionContext): { scope: string; key: string } => {
  const req = ctx.switchToHttp().getRequest<FastifyRequest>();
  return { scope: idempotencyScopeOf(req), key: idempotencyKeyOf(req) };
});

/** The acting principal, for audit fields and four-eyes checks (the verified token's user or service). */
export const Actor = createParamDecorator((_d: unknown, ctx: ExecutionContext): string => idempotencyScopeOf(ctx.switchToHttp().getRequest<FastifyRequest>()));

/** Events emitted for a request carry its id as `correlation_id`. */
export function withRequestId(emit: OutboxTransaction['emit']): OutboxTransaction['emit'] {
  return (...events) => emit(...events.map((e) => ({ ...e, correlation_id: e.correlation_id ?? requestContext.requestId() })));
}
