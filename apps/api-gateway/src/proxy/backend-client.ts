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
  /** Each backend's base URL, or several instances' URLs separated by commas. */
  urls: Record<Exclude<Backend, 'gateway'>, string>;
  timeoutMs: number;
  resetMs: number;
}

class UpstreamTimeout extends Error {
  readonly code = 'ETIMEDOUT';
}

function stateOf(b: CircuitBreaker<[BackendRequest], BackendResponse>): BreakerState {
  return b.opened ? 'open' : b.halfOpen ? 'half_open' : 'closed';
}

/**
 * Errors that prove the request never reached the instance (no connection was made, or its breaker
 * is open): only then may another instance be asked. A reset or a timeout after sending may have
 * changed state there, so it is never sent elsewhere (the client retries with its key).
 */
const NEVER_SENT = new Set(['EOPENBREAKER', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

interface Instance {
  url: string;
  breaker: CircuitBreaker<[BackendRequest], BackendResponse>;
}

type BreakerState = 'open' | 'half_open' | 'closed';

/**
 * Calls the backends over keep-alive HTTP. A backend may run as several instances (its URL setting
 * lists them, comma-separated): requests go round-robin, and each instance has its own opossum
 * circuit breaker. Connection failures and timeouts count against an instance's breaker; an
 * answered request (whatever its status) does not. An instance that refuses the connection, or
 * whose circuit is open, passes the request to the next one (it never reached the first); a
 * request that reached an instance is never sent to another. No instance reachable → 503
 * `service_unavailable` at once; no answer within the timeout → 504 `upstream_timeout` (the outcome
 * is unknown: a client retries a POST with the same Idempotency-Key).
 */
export class BackendClient {
  private readonly backends = new Map<string, { instances: Instance[]; next: number }>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 256 });

  constructor(private readonly opts: BackendClientOptions) {
    for (const [name, list] of Object.entries(opts.urls)) {
      const instances = list.split(',').map((s) => s.trim()).filter(Boolean).map((base, i, all): Instance => {
        const url = new URL(base);
        return {
          url: url.origin,
          breaker: new CircuitBreaker((req: BackendRequest) => this.send(url, req), {
            name: all.length === 1 ? name : `${name}#${i + 1}`,
            timeout: false, // send() enforces the timeout itself and aborts the socket
            errorThresholdPercentage: 50,
            volumeThreshold: 5,
            rollingCountTimeout: 10_000,
            resetTimeout: opts.resetMs,
          }),
        };
      });
      if (instances.length === 0) throw new Error(`no URL for the ${name} service`);
      this.backends.set(name, { instances, next: 0 });
    }
  }

  async call(backend: Exclude<Backend, 'gateway'>, req: BackendRequest): Promise<BackendResponse> {
    const pool = this.backends.get(backend);
    if (!pool) throw new GatewayException('not_found', 'no such resource');
    const n = pool.instances.length;
    const first = pool.next;
    pool.next = (pool.next + 1) % n;
    let allOpen = true;
    for (let i = 0; i < n; i += 1) {
      const instance = pool.instances[(first + i) % n]!;
      try {
        return await instance.breaker.fire(req);
      } catch (err) {
        if (err instanceof UpstreamTimeout) throw new GatewayException('upstream_timeout', `the ${backend} service did not answer in time; the outcome is unknown, retry with the same Idempotency-Key`);
        const code = (err as { code?: string }).code ?? '';
        if (code !== 'EOPENBREAKER') allOpen = false;
        if (!NEVER_SENT.has(code)) break;
      }
    }
    throw new GatewayException('service_unavailable', allOpen ? `the ${backend} service is unavailable (circuit open)` : `the ${backend} service is unavailable`, { retry_after_seconds: Math.ceil(this.opts.resetMs / 1000) });
  }

  /** The breaker state of each backend (the worst of its instances'), for /metrics-style introspection and tests. */
  states(): Record<string, BreakerState> {
    const rank: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };
    return Object.fromEntries([...this.backends].map(([n, pool]) => [n, pool.instances.map((i) => stateOf(i.breaker)).reduce((a, b) => (rank[b] > rank[a] ? b : a), 'closed' as BreakerState)]));
  }

  /** Each instance's URL and breaker state. */
  instanceStates(): Record<string, { url: string; state: BreakerState }[]> {
    return Object.fromEntries([...this.backends].map(([n, pool]) => [n, pool.instances.map((i) => ({ url: i.url, state: stateOf(i.breaker) }))]));
  }

  close(): void {
    for (const pool of this.backends.values()) for (const i of pool.instances) i.breaker.shutdown();
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
