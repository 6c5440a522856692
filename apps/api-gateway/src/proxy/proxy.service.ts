import { Injectable } from '@nestjs/common';
import { requestContext } from '@wozamali/http';
import type { FastifyReply } from 'fastify';
import { GatewayException } from '../errors/gateway.exception';
import type { GatewayRequest } from '../guards/gateway.guard';
import { BackendClient } from './backend-client';

// Only these request headers reach a service: credentials stay at the gateway, and a client cannot
// forge the X-Principal-* headers the services trust.
const FORWARDED_REQUEST_HEADERS = ['content-type', 'accept', 'accept-language', 'idempotency-key', 'if-none-match', 'if-match', 'user-agent', 'traceparent'];
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length', 'date', 'x-request-id', 'server']);

/** Forwards an authorized /v1 request to its backend and relays the answer (status, problem bodies, headers). */
@Injectable()
export class ProxyService {
  constructor(private readonly backends: BackendClient) {}

  async forward(req: GatewayRequest, reply: FastifyReply): Promise<void> {
    const ctx = req.gateway;
    if (!ctx || ctx.match.rule.backend === 'gateway') throw new GatewayException('not_found', 'no such resource');
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const v = req.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    headers['x-request-id'] = requestContext.requestId() ?? String(req.id);
    headers['x-forwarded-for'] = req.ip;
    const p = ctx.principal;
    if (p.type === 'service') {
      Object.assign(headers, { 'x-principal-type': 'service', 'x-principal-id': p.serviceId, 'x-principal-role': 'service', 'x-api-key-id': p.keyId, 'x-service-id': p.serviceId });
    } else {
      Object.assign(headers, { 'x-principal-type': 'user', 'x-principal-id': p.userId, 'x-principal-role': p.role });
    }
    const q = req.url.indexOf('?');
    const raw = (req as GatewayRequest & { rawBody?: Buffer }).rawBody;
    let res;
    try {
      res = await this.backends.call(ctx.match.rule.backend, {
        method: req.method,
        path: ctx.match.backendPath + (q === -1 ? '' : req.url.slice(q)),
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : raw ?? (req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body))),
      });
    } catch (err) {
      const retry = err instanceof GatewayException ? err.extensions.retry_after_seconds : undefined;
      if (typeof retry === 'number') void reply.header('retry-after', String(retry));
      throw err;
    }
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) void reply.header(name, value);
    }
    void reply.status(res.status).send(res.body);
  }
}
