import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import CircuitBreaker from 'opossum';
import { GatewayException } from '../errors/gateway.exception';
import type { Backend } from '../routing/route-table';

export interface BackendRequest {
  method: string;
  /** Path and query string. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface BackendResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface BackendClientOptions {
  urls: Record<Exclude<Backend, 'gateway'>, string>;
  timeoutMs: number;
  resetMs: number;
}

class UpstreamTimeout extends Error {
  readonly code = 'ETIMEDOUT';
}

/**
 * Calls the backends over keep-alive HTTP, each behind its own opossum circuit breaker. Connection
 * failures and timeouts count against the breaker; an answered request (whatever its status) does
 * not. Unreachable or open → 503 `service_unavailable` at once; no answer within the timeout → 504
 * `upstream_timeout` (the outcome is unknown: a client retries a POST with the same Idempotency-Key).
 */
export class BackendClient {
  private readonly breakers = new Map<string, CircuitBreaker<[BackendRequest], BackendResponse>>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 256 });

  constructor(private readonly opts: BackendClientOptions) {
    for (const [name, base] of Object.entries(opts.urls)) {
      const url = new URL(base);
      const breaker = new CircuitBreaker((req: BackendRequest) => this.send(url, req), {
        name,
        timeout: false, // send() enforces the timeout itself and aborts the socket
        errorThresholdPercentage: 50,
        volumeThreshold: 5,
        rollingCountTimeout: 10_000,
        resetTimeout: opts.resetMs,
      });
      this.breakers.set(name, breaker);
    }
  }

  async call(backend: Exclude<Backend, 'gateway'>, req: BackendRequest): Promise<BackendResponse> {
    const breaker = this.breakers.get(backend);
    if (!breaker) throw new GatewayException('not_found', 'no such resource');
    try {
      return await breaker.fire(req);
    } catch (err) {
      if (err instanceof UpstreamTimeout) throw new GatewayException('upstream_timeout', `the ${backend} service did not answer in time; the outcome is unknown, retry with the same Idempotency-Key`);
      const open = (err as { code?: string }).code === 'EOPENBREAKER';
      throw new GatewayException('service_unavailable', open ? `the ${backend} service is unavailable (circuit open)` : `the ${backend} service is unavailable`, { retry_after_seconds: Math.ceil(this.opts.resetMs / 1000) });
    }
  }

  /** The breaker state of each backend, for /metrics-style introspection and tests. */
  states(): Record<string, 'open' | 'half_open' | 'closed'> {
    return Object.fromEntries([...this.breakers].map(([n, b]) => [n, b.opened ? 'open' : b.halfOpen ? 'half_open' : 'closed']));
  }

  close(): void {
    for (const b of this.breakers.values()) b.shutdown();
    this.agent.destroy();
  }

  private send(base: URL, req: BackendRequest): Promise<BackendResponse> {
    return new Promise((resolve, reject) => {
      const outgoing = request({
        agent: this.agent, protocol: base.protocol, hostname: base.hostname, port: base.port,
        method: req.method, path: req.path, headers: req.body ? { ...req.headers, 'content-length': String(req.body.length) } : req.headers,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => { clearTimeout(timer); resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }); });
        res.on('error', (err) => { clearTimeout(timer); reject(err); });
      });
      const timer = setTimeout(() => outgoing.destroy(new UpstreamTimeout(`no answer within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
      outgoing.on('error', (err) => { clearTimeout(timer); reject(err); });
      outgoing.end(req.body);
    });
  }
}
