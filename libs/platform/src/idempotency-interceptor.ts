import {
  createParamDecorator, Inject, Injectable, Optional, type CallHandler, type ExecutionContext, type NestInterceptor, type Provider,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { DataSource, type EntityManager } from 'typeorm';
import { idempotentRequestOf } from './idempotency';
import { runIdempotent } from './idempotency-store';

/** Optional provider: the caller a service scopes keys by (default: `idempotencyScopeOf`, from the verified service token). */
export const IDEMPOTENCY_CALLER = Symbol('IDEMPOTENCY_CALLER');
export type IdempotencyCaller = (req: FastifyRequest) => string;

const TX = Symbol('idempotent transaction');
type WithTx = FastifyRequest & { [TX]?: EntityManager };

/**
 * Makes every POST it covers idempotent ({@link runIdempotent}): a POST without `Idempotency-Key` is a
 * 400 `idempotency_key_required` before anything runs; a replay answers 200 with
 * `Idempotent-Replayed: true` and the original body (a stored refusal: its own status and problem).
 * The handler takes the transaction with {@link Tx} and does all its writes through it: then the key
 * and the effect commit together. (A handler that wrote elsewhere would still run once per key, as
 * the open key row holds back a second request, but a crash between its commit and the key's would
 * let a retry run it again.)
 * Install it with {@link idempotencyProviders} (every POST of the service) or `@UseInterceptors`.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly ds: DataSource,
    private readonly reflector: Reflector,
    @Optional() @Inject(IDEMPOTENCY_CALLER) private readonly callerOf?: IdempotencyCaller,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const req = ctx.switchToHttp().getRequest<WithTx>();
    if (req.method !== 'POST') return next.handle();
    const reply = ctx.switchToHttp().getResponse<FastifyReply>();
    const write = idempotentRequestOf(req, this.callerOf?.(req));
    const status = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, ctx.getHandler()) ?? 201;
    return from((async () => {
      const answer = await runIdempotent(this.ds, write, status, (m) => {
        req[TX] = m;
        return lastValueFrom(next.handle(), { defaultValue: undefined });
      });
      if (!answer.replayed) return answer.body;
      void reply.header('idempotent-replayed', 'true');
      if ('refusal' in answer) throw answer.refusal;
      void reply.status(200);
      return answer.body;
    })());
  }
}

/**
 * The transaction of the idempotent POST being handled: the handler's writes go through it, so
 * they commit together with the key (or not at all).
 */
export const Tx = createParamDecorator((_data: unknown, ctx: ExecutionContext): EntityManager => {
  const m = ctx.switchToHttp().getRequest<WithTx>()[TX];
  if (!m) throw new Error('@Tx() is only available in a POST covered by IdempotencyInterceptor');
  return m;
});

/** Providers making every POST of a service idempotent; `caller` overrides who keys are scoped by. */
export function idempotencyProviders(caller?: IdempotencyCaller): Provider[] {
  return [
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
    ...(caller ? [{ provide: IDEMPOTENCY_CALLER, useValue: caller }] : []),
  ];
}
