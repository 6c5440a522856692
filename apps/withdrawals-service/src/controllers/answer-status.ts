import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const STATUS = Symbol('withdrawal answer status');
type WithStatus = FastifyRequest & { [STATUS]?: number };

/**
 * A POST whose status depends on the outcome (201 held, 202 accepted while the wallet is away):
 * Nest sets the route's fixed status after the handler, so the handler names the real one here and
 * an `onSend` hook applies it. A replay keeps the idempotency layer's 200.
 */
export function answerWith(req: FastifyRequest, status: number): void {
  (req as WithStatus)[STATUS] = status;
}

@Injectable()
export class AnswerStatusHook implements OnModuleInit {
  constructor(private readonly host: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onSend', (req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, p: unknown) => void) => {
      const status = (req as WithStatus)[STATUS];
      if (status !== undefined && reply.statusCode < 300 && reply.getHeader('idempotent-replayed') !== 'true') void reply.code(status);
      done(null, payload);
    });
  }
}
