import { Readable } from 'node:stream';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The provider's callback route (signed by Standard Webhooks over the exact bytes). */
export const CALLBACK_ROUTE = '/v1/withdrawals/payout-callbacks';

const RAW = Symbol('raw body');
type WithRaw = FastifyRequest & { [RAW]?: Buffer };

/** The exact bytes of a callback's body, kept for the signature check. */
export function rawBodyOf(req: FastifyRequest): Buffer | undefined {
  return (req as WithRaw)[RAW];
}

/**
 * On the callback route only: keeps the raw body (the signature covers the bytes, not the parsed
 * JSON), and, as the provider sends no Idempotency-Key, takes its `webhook-id` as the key, so a
 * duplicate callback replays the first answer through the platform's idempotency.
 */
@Injectable()
export class CallbackHooks implements OnModuleInit {
  constructor(private readonly host: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', async (req) => {
      if (req.routeOptions?.url !== CALLBACK_ROUTE) return;
      const id = req.headers['webhook-id'];
      if (typeof id === 'string' && req.headers['idempotency-key'] === undefined) req.headers['idempotency-key'] = `webhook:${id}`.slice(0, 255);
    });
    fastify.addHook('preParsing', async (req, _reply, payload) => {
      if (req.routeOptions?.url !== CALLBACK_ROUTE) return payload;
      const chunks: Buffer[] = [];
      for await (const c of payload) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
      const raw = Buffer.concat(chunks);
      (req as WithRaw)[RAW] = raw;
      const replay = Readable.from([raw]) as Readable & { receivedEncodedLength?: number };
      replay.receivedEncodedLength = raw.length;
      return replay;
    });
  }
}
