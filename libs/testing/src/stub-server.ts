import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request the stub received. */
export interface StubRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Path and query string, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The raw body as UTF-8. */
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  /** Path parameters matched by `:name` segments of the route. */
  params: Record<string, string>;
  /** The client's port: the same value on two requests means one kept-alive connection. */
  remotePort: number;
}

/** What a handler answers. */
export type StubReply =
  | {
      status: number;
      headers?: Record<string, string>;
      /** A string or Buffer is sent as is; anything else as JSON (`content-type: application/json` unless set). */
      body?: unknown;
      /** Waits this long before answering. */
      delayMs?: number;
    }
  /** Never answers (the socket stays open until the client gives up or the stub closes). */
  | { hang: true }
  /** Destroys the socket without an answer (a connection reset), after `delayMs` if given. */
  | { destroy: true; delayMs?: number };

export type StubHandler = (req: StubRequest) => StubReply | Promise<StubReply>;

interface Route {
  method: string;
  pattern: string;
  match: (path: string) => Record<string, string> | null;
  handler: StubHandler;
}

function compile(pattern: string): (path: string) => Record<string, string> | null {
  const parts = pattern.split('/');
  return (path) => {
    const given = path.split('/');
    if (given.length !== parts.length) return null;
    const params: Record<string, string> = {};
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (p.startsWith(':')) params[p.slice(1)] = decodeURIComponent(given[i]!);
      else if (p !== given[i]) return null;
    }
    return params;
  };
}

/**
 * A real local HTTP server standing in for another service in tests: a route table of handlers by
 * method and path (`:name` segments match one path segment), each answering a status, headers and
 * body, or delaying, hanging or destroying the socket. It records every request. Unrouted requests
 * answer 404 (problem+json `not_found`).
 *
 * ```ts
 * const stub = await StubServer.start();
 * stub.on('POST', '/internal/v1/holds', () => ({ status: 201, body: { hold_id: '…' } }));
 * … stub.url, stub.requests …
 * await stub.close();
 * ```
 */
export class StubServer {
  /** Every request received, in order. */
  readonly requests: StubRequest[] = [];
  private readonly routes: Route[] = [];
  private readonly sockets = new Set<Socket>();
  private fallback: StubHandler | null = null;

  private constructor(private readonly server: Server, readonly port: number) {}

  /** Starts on 127.0.0.1, on `port` or a free one. */
  static async start(port = 0): Promise<StubServer> {
    let stub: StubServer | null = null;
    const server = createServer((req, res) => {
      void stub!.handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    stub = new StubServer(server, (server.address() as AddressInfo).port);
    server.on('connection', (socket: Socket) => {
      stub!.sockets.add(socket);
      socket.on('close', () => stub!.sockets.delete(socket));
    });
    return stub;
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Adds (or, for the same method and pattern, replaces) a route. */
  on(method: string, pattern: string, handler: StubHandler): this {
    const i = this.routes.findIndex((r) => r.method === method.toUpperCase() && r.pattern === pattern);
    const route = { method: method.toUpperCase(), pattern, match: compile(pattern), handler };
    if (i >= 0) this.routes[i] = route; else this.routes.push(route);
    return this;
  }

  /** Answers every request no route matches (instead of 404): a stand-in for a whole service. */
  otherwise(handler: StubHandler): this {
    this.fallback = handler;
    return this;
  }

  /** The requests received on one method and path (without query). */
  received(method: string, path: string): StubRequest[] {
    return this.requests.filter((r) => r.method === method.toUpperCase() && r.path === path);
  }

  /** Forgets the recorded requests (routes stay). */
  reset(): void {
    this.requests.length = 0;
  }

  /** Closes the server and every open connection (hanging ones included). */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const c of req) chunks.push(c as Buffer);
    } catch {
      return; // the client went away mid-body
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let json: unknown;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    const method = req.method ?? 'GET';
    let route: Route | undefined;
    let params: Record<string, string> = {};
    for (const r of this.routes) {
      const matched = r.method === method ? r.match(path) : null;
      if (matched) { route = r; params = matched; break; }
    }
    const recorded: StubRequest = { method, path, url, headers: req.headers, text, json, params, remotePort: req.socket.remotePort ?? 0 };
    this.requests.push(recorded);
    let reply: StubReply;
    try {
      const handler = route?.handler ?? this.fallback;
      reply = handler ? await handler(recorded) : { status: 404, headers: { 'content-type': 'application/problem+json' }, body: { status: 404, code: 'not_found', detail: `no stub route for ${method} ${path}` } };
    } catch (err) {
      reply = { status: 500, body: { status: 500, code: 'internal_error', detail: `stub handler threw: ${(err as Error).message}` } };
    }
    if ('hang' in reply) return;
    const delay = reply.delayMs ?? 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if ('destroy' in reply) {
      req.socket.destroy();
      return;
    }
    if (res.destroyed) return;
    const raw = reply.body === undefined ? '' : typeof reply.body === 'string' || Buffer.isBuffer(reply.body) ? reply.body : JSON.stringify(reply.body);
    const typed = reply.body !== undefined && typeof reply.body !== 'string' && !Buffer.isBuffer(reply.body);
    res.writeHead(reply.status, { ...(typed ? { 'content-type': 'application/json' } : {}), ...(reply.headers ?? {}) });
    res.end(raw);
  }
}
