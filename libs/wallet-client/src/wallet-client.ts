import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import {
  isWalletProblemCode,
  type WalletAccountBalancesResponse, type WalletBalanceOwnerType, type WalletCreateHoldRequest, type WalletHoldResponse, type WalletProblem,
  type WalletProblemCode, type WalletReverseTransferRequest, type WalletReverseTransferResponse, type WalletSettleHoldRequest,
  type WalletSettleHoldResponse, type WalletTransferRequest, type WalletTransferResponse, type WalletLedgerUserDaysResponse,
} from '@wozamali/contracts';
import CircuitBreaker from 'opossum';

/**
 * The outcome of one wallet call; every caller switches on `kind`.
 * - `applied`: the wallet did it (201), or had already done it for this key (200, `replayed`).
 * - `refused`: a 4xx, final: the same request will never succeed (fail the operation with `code`).
 * - `unavailable`: the outcome is unknown (the wallet may have committed): keep the operation
 *   pending and ask again later with the same key and the same body.
 */
export type WalletCall<T> =
  | { kind: 'applied'; body: T; replayed: boolean }
  | { kind: 'refused'; code: WalletProblemCode; status: number; detail?: string; problem?: WalletProblem }
  | { kind: 'unavailable'; reason: string };

/** Circuit breaker settings (opossum). */
export interface WalletBreakerOptions {
  /** How long the breaker stays open before letting one trial call through (default 10 000 ms). */
  resetTimeoutMs?: number;
  /** Failure percentage in the rolling window that opens it (default 50). */
  errorThresholdPercentage?: number;
  /** Calls in the window before it may open at all (default 5). */
  volumeThreshold?: number;
  /** Length of the rolling window (default 10 000 ms). */
  rollingCountTimeoutMs?: number;
}

export interface WalletClientOptions {
  /** The wallet-service's base URL, e.g. `http://127.0.0.1:3001`. */
  baseUrl: string;
  /** The calling service (`X-Service-ID`): the wallet scopes idempotency keys by it. */
  serviceId: string;
  /** No complete answer within this many ms → `unavailable` (default 5 000). */
  timeoutMs?: number;
  breaker?: WalletBreakerOptions;
  /** Extra headers per request (e.g. a signed service token for `audience`). A throw → `unavailable`. */
  authHeaders?: (audience: string) => Promise<Record<string, string>>;
  /** The audience passed to `authHeaders` (default `wallet-service`). */
  audience?: string;
  /** Keep-alive sockets to the wallet at most (default 64). */
  maxSockets?: number;
}

/** Options of a write: the caller's idempotency key for this step (e.g. `<operation id>:hold`). */
export interface WalletWriteOptions {
  idempotencyKey: string;
  /** Correlation id sent as `X-Request-ID`. */
  requestId?: string;
}

export interface WalletReadOptions {
  /** Correlation id sent as `X-Request-ID`. */
  requestId?: string;
}

interface Outgoing {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  idempotencyKey?: string;
  requestId?: string;
}

type Decided = Exclude<WalletCall<unknown>, { kind: 'unavailable' }>;

/** Thrown inside the breaker for anything whose outcome is unknown; it counts as a failure. */
class Unavailable extends Error {}

const KEY = /^[\x21-\x7e]{1,255}$/;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_ANSWER_BYTES = 1024 * 1024;

function parseJsonObject(raw: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A wallet code the client does not know (a newer wallet) is reported by its status's generic code. */
function genericCode(status: number): WalletProblemCode {
  switch (status) {
    case 401: return 'unauthorized';
    case 403: return 'forbidden';
    case 404: return 'not_found';
    case 405: return 'method_not_allowed';
    case 409: return 'conflict';
    case 413: return 'payload_too_large';
    case 415: return 'unsupported_media_type';
    case 422: return 'validation_failed';
    default: return 'malformed_request';
  }
}

/**
 * The one client of the wallet-service's internal API (DESIGN.md §4), for rewards, donations and
 * withdrawals. Keep-alive HTTP with its own timeout, behind an opossum circuit breaker: refused
 * connections, resets, timeouts, 5xx and unparsable answers count as failures; a 4xx does not.
 * It stores nothing and retries nothing: every call answers one {@link WalletCall} and the caller
 * decides. Every write takes the caller's idempotency key; resend the stored body unchanged with it.
 */
export class WalletClient {
  private readonly base: URL;
  private readonly agent: HttpAgent;
  private readonly breaker: CircuitBreaker<[Outgoing], Decided>;
  private readonly timeoutMs: number;

  constructor(private readonly opts: WalletClientOptions) {
    this.base = new URL(opts.baseUrl);
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    const agentOpts = { keepAlive: true, maxSockets: opts.maxSockets ?? 64, maxFreeSockets: opts.maxSockets ?? 64 };
    this.agent = this.base.protocol === 'https:' ? new HttpsAgent(agentOpts) : new HttpAgent(agentOpts);
    this.breaker = new CircuitBreaker((req: Outgoing) => this.send(req), {
      name: 'wallet-service',
      timeout: false, // send() enforces the timeout itself and destroys the socket
      resetTimeout: opts.breaker?.resetTimeoutMs ?? 10_000,
      errorThresholdPercentage: opts.breaker?.errorThresholdPercentage ?? 50,
      volumeThreshold: opts.breaker?.volumeThreshold ?? 5,
      rollingCountTimeout: opts.breaker?.rollingCountTimeoutMs ?? 10_000,
    });
  }

  /** `POST /internal/v1/transfers` (single-leg or multi-leg form). */
  transfer(body: WalletTransferRequest, opts: WalletWriteOptions): Promise<WalletCall<WalletTransferResponse>> {
    return this.write('/internal/v1/transfers', body, opts);
  }

  /** `POST /internal/v1/transfers/{id}/reverse`. */
  reverseTransfer(transferId: string, body: WalletReverseTransferRequest, opts: WalletWriteOptions): Promise<WalletCall<WalletReverseTransferResponse>> {
    return this.write(`/internal/v1/transfers/${encodeURIComponent(transferId)}/reverse`, body, opts);
  }

  /** `POST /internal/v1/holds`: hold a user's money. */
  createHold(body: WalletCreateHoldRequest, opts: WalletWriteOptions): Promise<WalletCall<WalletHoldResponse>> {
    return this.write('/internal/v1/holds', body, opts);
  }

  /** `POST /internal/v1/holds/{id}/post`: pay out a held amount. */
  postHold(holdId: string, body: WalletSettleHoldRequest, opts: WalletWriteOptions): Promise<WalletCall<WalletSettleHoldResponse>> {
    return this.write(`/internal/v1/holds/${encodeURIComponent(holdId)}/post`, body, opts);
  }

  /** `POST /internal/v1/holds/{id}/void`: release a held amount. */
  voidHold(holdId: string, body: WalletSettleHoldRequest, opts: WalletWriteOptions): Promise<WalletCall<WalletSettleHoldResponse>> {
    return this.write(`/internal/v1/holds/${encodeURIComponent(holdId)}/void`, body, opts);
  }

  /** `GET /internal/v1/accounts/{owner_type}/{owner_id}/balances`: a system account's balance per asset, over all its shards. */
  accountBalances(ownerType: WalletBalanceOwnerType, ownerId: string, opts: WalletReadOptions = {}): Promise<WalletCall<WalletAccountBalancesResponse>> {
    return this.call({ method: 'GET', path: `/internal/v1/accounts/${encodeURIComponent(ownerType)}/${encodeURIComponent(ownerId)}/balances`, requestId: opts.requestId });
  }

  /**
   * `GET /internal/v1/reports/user-days?date=&time_zone=`: each user's movements per asset on one
   * local day (the metrics-service's reconciliation). Proposed route: a wallet without it answers 404 (`refused`).
   */
  ledgerUserDays(date: string, timeZone: string, opts: WalletReadOptions = {}): Promise<WalletCall<WalletLedgerUserDaysResponse>> {
    return this.call({ method: 'GET', path: `/internal/v1/reports/user-days?date=${encodeURIComponent(date)}&time_zone=${encodeURIComponent(timeZone)}`, requestId: opts.requestId });
  }

  /** The breaker's state, for health pages and tests. */
  state(): 'open' | 'half_open' | 'closed' {
    return this.breaker.opened ? 'open' : this.breaker.halfOpen ? 'half_open' : 'closed';
  }

  /** Stops the breaker and closes the keep-alive sockets; later calls answer `unavailable`. */
  close(): void {
    this.breaker.shutdown();
    this.agent.destroy();
  }

  private write<T>(path: string, body: unknown, opts: WalletWriteOptions): Promise<WalletCall<T>> {
    // A key the wallet would refuse is refused here, before anything is sent (the wallet answers the same).
    if (typeof opts.idempotencyKey !== 'string' || !KEY.test(opts.idempotencyKey)) {
      return Promise.resolve({ kind: 'refused', code: 'idempotency_key_required', status: 400, detail: 'the idempotency key must be 1-255 visible ASCII characters' });
    }
    return this.call({ method: 'POST', path, body, idempotencyKey: opts.idempotencyKey, requestId: opts.requestId });
  }

  private async call<T>(req: Outgoing): Promise<WalletCall<T>> {
    try {
      return (await this.breaker.fire(req)) as WalletCall<T>;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'EOPENBREAKER') return { kind: 'unavailable', reason: 'circuit open: the wallet failed recently' };
      if (code === 'ESHUTDOWN') return { kind: 'unavailable', reason: 'the wallet client is closed' };
      return { kind: 'unavailable', reason: err instanceof Error ? err.message : String(err) };
    }
  }

  private async send(req: Outgoing): Promise<Decided> {
    const headers: Record<string, string> = {};
    if (this.opts.authHeaders) {
      try {
        Object.assign(headers, await this.opts.authHeaders(this.opts.audience ?? 'wallet-service'));
      } catch (err) {
        throw new Unavailable(`auth headers failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body), 'utf8');
    headers['accept'] = 'application/json';
    headers['x-service-id'] = this.opts.serviceId;
    if (req.requestId && REQUEST_ID.test(req.requestId)) headers['x-request-id'] = req.requestId;
    if (req.idempotencyKey) headers['idempotency-key'] = req.idempotencyKey;
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const answer = await this.exchange({
      agent: this.agent, protocol: this.base.protocol, hostname: this.base.hostname, port: this.base.port,
      method: req.method, path: `${this.base.pathname.replace(/\/$/, '')}${req.path}`, headers,
    }, payload);
    return this.decide(answer.status, answer.headers, answer.body);
  }

  /** One HTTP exchange; any failure before the whole answer arrived rejects with {@link Unavailable}. */
  private exchange(options: RequestOptions, payload: Buffer | undefined): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (reason: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outgoing.destroy();
        reject(new Unavailable(reason));
      };
      const send = this.base.protocol === 'https:' ? httpsRequest : httpRequest;
      const outgoing = send(options, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER_BYTES) fail(`the answer exceeded ${MAX_ANSWER_BYTES} bytes`);
          else chunks.push(c);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on('error', (err) => fail(`the answer was cut off: ${err.message}`));
        res.on('close', () => fail('the answer was cut off'));
      });
      const timer = setTimeout(() => fail(`no answer within ${this.timeoutMs} ms`), this.timeoutMs);
      outgoing.on('error', (err: NodeJS.ErrnoException) => fail(`${err.code ?? 'error'}: ${err.message}`));
      outgoing.end(payload);
    });
  }

  private decide(status: number, headers: IncomingHttpHeaders, raw: Buffer): Decided {
    if (status >= 200 && status < 300) {
      const body = parseJsonObject(raw);
      if (!body) throw new Unavailable(`unparsable ${status} answer`);
      return { kind: 'applied', body, replayed: headers['idempotent-replayed'] === 'true' };
    }
    // 408 and 429 say the request was not processed: not final, ask again later.
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      const problem = parseJsonObject(raw);
      if (!problem || typeof problem.code !== 'string') throw new Unavailable(`unparsable ${status} answer`);
      const detail = typeof problem.detail === 'string' ? problem.detail : undefined;
      return {
        kind: 'refused',
        code: isWalletProblemCode(problem.code) ? problem.code : genericCode(status),
        status,
        ...(detail !== undefined ? { detail } : {}),
        problem: problem as unknown as WalletProblem,
      };
    }
    const problem = parseJsonObject(raw);
    throw new Unavailable(`the wallet answered ${status}${typeof problem?.code === 'string' ? ` ${problem.code}` : ''}`);
  }
}
