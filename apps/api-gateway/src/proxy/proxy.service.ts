import { Injectable } from '@nestjs/common';
import { ServiceTokenSigner, type ServiceName } from '@wozamali/auth';
import { requestContext, ServiceMetrics } from '@wozamali/platform';
import type { FastifyReply } from 'fastify';
import { WalletReadCache } from '../cache/wallet-read-cache';
import { GatewayException } from '../errors/gateway.exception';
import type { GatewayRequest } from '../guards/gateway.guard';
import type { RouteMatch } from '../routing/route-table';
import { BackendClient, type BackendResponse } from './backend-client';

// Only these request headers reach a service: credentials stay at the gateway. The principal travels
// inside the signed service token, so a principal header a client adds reaches no one.
const FORWARDED_REQUEST_HEADERS = ['content-type', 'accept', 'accept-language', 'idempotency-key', 'if-none-match', 'if-match', 'user-agent', 'traceparent'];
// On a route the backend authenticates itself (`auth: 'none'`), the Standard Webhooks headers it verifies as well.
const UNAUTHENTICATED_ROUTE_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'];
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length', 'date', 'x-request-id', 'server']);
/** The balance read, the one answer the gateway may serve from memory. */
const CACHED_READ = '/v1/wallets/{user_id}';
/** Backends whose writes never change a wallet. */
const NO_WALLET_EFFECT = new Set(['metrics', 'webhooks', 'gateway']);
/** The service behind each backend: the audience of the token the gateway signs for it. */
const AUDIENCE: Record<Exclude<RouteMatch['rule']['backend'], 'gateway'>, ServiceName> = {
  wallet: 'wallet-service', rewards: 'rewards-service', donations: 'donations-service',
  withdrawals: 'withdrawals-service', metrics: 'metrics-service', webhooks: 'webhook-dispatcher',
};

function relayedHeaders(res: BackendResponse): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

/** Users whose wallet a write may change, or null when it cannot be told (then every cached wallet goes). */
function usersWrittenBy(req: GatewayRequest, match: RouteMatch): string[] | null {
  const users = new Set<string>();
  if (match.params.user_id) users.add(match.params.user_id);
  const body = req.body as { user_id?: unknown } | undefined;
  if (body && typeof body === 'object' && typeof body.user_id === 'string') users.add(body.user_id);
  const p = req.gateway?.principal;
  if (p?.type === 'user' && p.role !== 'admin') users.add(p.userId);
  return users.size > 0 ? [...users] : null;
}

/** Forwards an authorized /v1 request to its backend and relays the answer (status, problem bodies, headers). */
@Injectable()
export class ProxyService {
  constructor(private readonly backends: BackendClient, private readonly cache: WalletReadCache, metrics: ServiceMetrics, private readonly signer: ServiceTokenSigner) {
    metrics.gauge('gateway_wallet_cache_hits', 'Balance reads answered from the gateway cache since start', () => cache.stats.hits);
    metrics.gauge('gateway_wallet_cache_misses', 'Balance reads that went to the wallet-service since start', () => cache.stats.misses);
    metrics.gauge('gateway_wallet_cache_live', '1 while the wallet cache is served (its invalidation feed is alive)', () => (cache.live ? 1 : 0));
  }

  async forward(req: GatewayRequest, reply: FastifyReply): Promise<void> {
    const ctx = req.gateway;
    if (!ctx || ctx.match.rule.backend === 'gateway') throw new GatewayException('not_found', 'no such resource');
    const headers: Record<string, string> = {};
    for (const name of ctx.match.rule.auth === 'none' ? [...FORWARDED_REQUEST_HEADERS, ...UNAUTHENTICATED_ROUTE_HEADERS] : FORWARDED_REQUEST_HEADERS) {
      const v = req.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    headers['x-request-id'] = requestContext.requestId() ?? String(req.id);
    headers['x-forwarded-for'] = req.ip;
    const q = req.url.indexOf('?');
    // A balance read may be answered from memory (see WalletReadCache for what a reader can see);
    // `Cache-Control: no-cache` asks for the wallet-service's own answer.
    const cacheable = req.method === 'GET' && ctx.match.rule.path === CACHED_READ && q === -1 && this.cache.enabled;
    const userId = cacheable ? ctx.match.params.user_id!.toLowerCase() : '';
    const fresh = cacheable && /no-cache|no-store|max-age=0/i.test(String(req.headers['cache-control'] ?? ''));
    if (cacheable && !fresh) {
      const hit = this.cache.lookup(userId);
      if (hit) {
        for (const name in hit.headers) void reply.header(name, hit.headers[name]);
        void reply.header('age', String(Math.floor((Date.now() - hit.storedAt) / 1000))).header('cache-status', 'wozamali-gateway; hit');
        void reply.status(hit.status).send(hit.body);
        return;
      }
    }
    const backend = ctx.match.rule.backend;
    // Signed once per backend and principal every 30 s (the signer remembers it), not per request.
    headers.authorization = `Bearer ${await this.signer.tokenFor(AUDIENCE[backend], ctx.principal)}`;
    const ticket = this.cache.ticket();
    const startedAt = Date.now();
    const raw = (req as GatewayRequest & { rawBody?: Buffer }).rawBody;
    let res;
    try {
      res = await this.backends.call(backend, {
        method: req.method,
        path: ctx.match.backendPath + (q === -1 ? '' : req.url.slice(q)),
        headers,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : raw ?? (req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body))),
      });
    } catch (err) {
      const retry = err instanceof GatewayException ? err.extensions.retry_after_seconds : undefined;
      if (typeof retry === 'number') void reply.header('retry-after', String(retry));
      this.evictAfterWrite(req, ctx.match);
      throw err;
    }
    const answerHeaders = relayedHeaders(res);
    for (const name in answerHeaders) void reply.header(name, answerHeaders[name]);
    if (cacheable) {
      const stored = res.status === 200 && this.cache.store(userId, ticket, { status: res.status, headers: answerHeaders, body: res.body }, startedAt);
      void reply.header('cache-status', `wozamali-gateway; fwd=${fresh ? 'request' : 'miss'}${stored ? '; stored' : ''}`);
    }
    this.evictAfterWrite(req, ctx.match);
    void reply.status(res.status).send(res.body);
  }

  /** A write through this gateway is visible to the next read here at once, whatever its answer was. */
  private evictAfterWrite(req: GatewayRequest, match: RouteMatch): void {
    if (req.method === 'GET' || req.method === 'HEAD' || NO_WALLET_EFFECT.has(match.rule.backend)) return;
    const users = usersWrittenBy(req, match);
    if (users === null) this.cache.clear();
    else for (const u of users) this.cache.evict(u.toLowerCase());
  }
}
