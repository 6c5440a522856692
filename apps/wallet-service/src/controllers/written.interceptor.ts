import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { map, type Observable } from 'rxjs';
import { Written } from '../ledger/written';

/** A ledger write answers 201, or 200 with `Idempotent-Replayed: true` when its key was seen before. */
@Injectable()
export class WrittenInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      map((value: unknown) => {
        if (!(value instanceof Written)) return value;
        const reply = context.switchToHttp().getResponse<FastifyReply>();
        void reply.status(value.replayed ? 200 : 201);
        if (value.replayed) void reply.header('idempotent-replayed', 'true');
        return value.body as unknown;
      }),
    );
  }
}
