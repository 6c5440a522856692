import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { UrlGuard } from './url-guard';

/** The outcome of one POST: a status code, or an error (timeout, refused, address not allowed). */
export interface SendResult {
  statusCode: number | null;
  durationMs: number;
  /** The first bytes of the response body (bounded). */
  snippet: string | null;
  retryAfter: string | undefined;
  error: string | null;
}

export interface HttpSenderOptions {
  timeoutMs: number;
  maxSocketsPerHost: number;
  snippetBytes?: number;
  guard: UrlGuard;
}

/** Outbound POSTs over keep-alive agents, with a hard timeout and a bounded read of the response. */
export class HttpSender {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly snippetBytes: number;
  private readonly inFlight = new Set<http.ClientRequest>();

  constructor(private readonly opts: HttpSenderOptions) {
    const agentOpts = { keepAlive: true, maxSockets: opts.maxSocketsPerHost, lookup: opts.guard.lookup } as http.AgentOptions;
    this.httpAgent = new http.Agent(agentOpts);
    this.httpsAgent = new https.Agent(agentOpts);
    this.snippetBytes = opts.snippetBytes ?? 1024;
  }

  post(rawUrl: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    return this.request('POST', rawUrl, headers, body);
  }

  get(rawUrl: string): Promise<SendResult> {
    return this.request('GET', rawUrl, {}, null);
  }

  private request(method: 'GET' | 'POST', rawUrl: string, headers: Record<string, string>, body: string | null): Promise<SendResult> {
    const started = performance.now();
    const done = (partial: Partial<SendResult>): SendResult => ({
      statusCode: null, snippet: null, retryAfter: undefined, error: null, ...partial, durationMs: Math.round(performance.now() - started),
    });
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      return Promise.resolve(done({ error: 'invalid URL' }));
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // A literal address never goes through lookup, so it is checked here.
    if (isIP(host) && !this.opts.guard.allows(host)) return Promise.resolve(done({ error: `address ${host} is not allowed` }));
    const isHttps = url.protocol === 'https:';
    const payload = body === null ? null : Buffer.from(body, 'utf8');
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const finish = (result: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight.delete(req);
        resolve(result);
      };
      const req = (isHttps ? https : http).request(url, {
        method,
        agent: isHttps ? this.httpsAgent : this.httpAgent,
        headers: { ...headers, ...(payload ? { 'content-length': String(payload.length) } : {}), 'user-agent': 'WozaMali-Webhooks/1.0' },
      }, (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        const complete = () => finish(done({
          statusCode: res.statusCode ?? null,
          snippet: Buffer.concat(chunks).subarray(0, this.snippetBytes).toString('utf8'),
          retryAfter: typeof res.headers['retry-after'] === 'string' ? res.headers['retry-after'] : undefined,
        }));
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          kept += chunk.length;
          // The status is what counts: a long (or endless) body is not read past the snippet.
          if (kept >= this.snippetBytes) {
            complete();
            res.destroy();
          }
        });
        res.on('end', complete);
        res.on('error', (err) => finish(done({ statusCode: res.statusCode ?? null, error: err.message })));
      });
      // The clock starts when a socket is assigned: waiting in the agent's queue is not the receiver's time.
      let timer: NodeJS.Timeout | undefined;
      req.once('socket', () => {
        timer = setTimeout(() => {
          req.destroy(Object.assign(new Error(`timed out after ${this.opts.timeoutMs} ms`), { code: 'ETIMEDOUT' }));
        }, this.opts.timeoutMs);
      });
      this.inFlight.add(req);
      req.on('error', (err: Error & { code?: string }) => finish(done({ error: err.code ? `${err.code}: ${err.message}` : err.message })));
      if (payload) req.end(payload);
      else req.end();
    });
  }

  /** Aborts what is in flight (their results come back as errors) and closes idle sockets. */
  destroy(): void {
    for (const req of this.inFlight) req.destroy(new Error('dispatcher shutting down'));
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
