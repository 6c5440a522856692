import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { DomainException } from '@wozamali/platform';
import type { FastifyRequest } from 'fastify';
import { defer, finalize, from, mergeMap, type Observable } from 'rxjs';
import { DonationsServiceEnv } from '../config/env';

/**
 * Back-pressure for writes. A write holds a database connection from its idempotency key to its
 * commit, wallet call included, so a burst larger than the pool would queue inside the pool and
 * fail after its 5 s connect timeout (a 500). Writes instead wait here, in order, for one of
 * WRITE_CONCURRENCY slots (below the pool size, leaving connections for reads and the workers);
 * one that waits longer than WRITE_QUEUE_TIMEOUT_MS is a 503 `service_unavailable` and ran nothing.
 * Installed before the idempotency interceptor, so it wraps it.
 */
@Injectable()
export class WriteGateInterceptor implements NestInterceptor {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly env: DonationsServiceEnv) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http' || ctx.switchToHttp().getRequest<FastifyRequest>().method === 'GET') return next.handle();
    return from(this.acquire()).pipe(mergeMap(() => defer(() => next.handle()).pipe(finalize(() => this.release()))));
  }

  private acquire(): Promise<void> {
    if (this.active < this.env.WRITE_CONCURRENCY) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const entry = () => {
        clearTimeout(timer);
        this.active += 1;
        resolve();
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new DomainException('service_unavailable', 503, 'too many writes at once; send it again with the same Idempotency-Key'));
      }, this.env.WRITE_QUEUE_TIMEOUT_MS);
      this.waiting.push(entry);
    });
  }

  private release(): void {
    this.active -= 1;
    this.waiting.shift()?.();
  }
}
