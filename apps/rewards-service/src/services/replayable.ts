import type { FastifyReply } from 'fastify';

/** An idempotent write's answer and whether it is a replay of the key's first one. */
export interface Replayable<T> {
  replayed: boolean;
  body: T;
}

/** Marks a replay with `Idempotent-Replayed: true` (as the platform's interceptor does) and answers the body. */
export function replyWith<T>(reply: FastifyReply, r: Replayable<T>): T {
  if (r.replayed) void reply.header('idempotent-replayed', 'true');
  return r.body;
}
