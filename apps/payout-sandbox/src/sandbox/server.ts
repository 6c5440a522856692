// The payout sandbox's HTTP API: a stand-in for an external payment provider, for development and
// tests only. State lives in memory (a restart forgets every payout). See apps/payout-sandbox/README.md.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CallbackSender } from './callbacks';
import { type FaultRule, merge, type PayoutPlan, parseFault, parseFaultRule, type RequestFault, takeMatching } from './faults';
import { findBadString, readJson, SandboxProblem, sendJson, sendProblem } from './http';
import { PAYOUT_STATUSES, type PayoutStatus, PayoutStore, type PayoutView } from './payout-store';

export const PAYOUT_METHODS = ['bank_transfer', 'mobile_money', 'paypal', 'crypto'] as const;

export interface SandboxOptions {
  port?: number;
  host?: string;
  /** Where callbacks go; empty: none until `PUT /v1/sandbox/config`. */
  callbackUrl?: string;
  /** `whsec_…` Standard Webhooks secret. */
  webhookSecret?: string;
  processingAfterMs?: number;
  settleAfterMs?: number;
  callbackRetryDelaysMs?: readonly number[];
  callbackTimeoutMs?: number;
  reportTimeZone?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Append-only journal of payouts, read back at start (empty: in memory only). */
  stateFile?: string;
}

export interface RunningSandbox {
  url: string;
  port: number;
  server: Server;
  /** Every callback and its attempts (also served at `GET /v1/sandbox/callbacks`). */
  callbacks: CallbackSender;
  close(): Promise<void>;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
const KEY = /^[\x21-\x7e]{1,255}$/;
const REFERENCE = /^[\x21-\x7e]{1,128}$/;
const CREATE_FIELDS = ['reference', 'amount', 'currency', 'method', 'destination', 'metadata'];

/** Starts the sandbox on `options.port` (0: any free port) and resolves once it listens. */
export async function startPayoutSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const level = LEVELS[options.logLevel ?? 'info'];
  const log = (lvl: keyof typeof LEVELS, msg: string, fields: Record<string, unknown> = {}): void => {
    if (LEVELS[lvl] >= level) process.stdout.write(`${JSON.stringify({ level: lvl, time: new Date().toISOString(), service: 'payout-sandbox', msg, ...fields })}\n`);
  };
  const config = {
    callback_url: options.callbackUrl ?? '',
    webhook_secret: options.webhookSecret ?? '',
    processing_after_ms: options.processingAfterMs ?? 1_000,
    settle_after_ms: options.settleAfterMs ?? 3_000,
    callback_retry_delays_ms: [...(options.callbackRetryDelaysMs ?? [1_000, 5_000, 30_000])],
    callback_timeout_ms: options.callbackTimeoutMs ?? 5_000,
  };
  const timeZone = options.reportTimeZone ?? 'Africa/Johannesburg';
  new Intl.DateTimeFormat('en-US', { timeZone }); // throws on an unknown zone, at boot
  const callbacks = new CallbackSender(() => ({ url: config.callback_url, secret: config.webhook_secret, retryDelaysMs: config.callback_retry_delays_ms, timeoutMs: config.callback_timeout_ms }), log);
  const store = new PayoutStore(callbacks, options.stateFile ?? '');
  const faults: FaultRule[] = [];
  const hanging = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const sleep = (ms: number): Promise<void> =>
    ms <= 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          const t = setTimeout(() => {
            timers.delete(t);
            resolve();
          }, ms);
          timers.add(t);
        });

  const basePlan = (): PayoutPlan => ({
    manual: false,
    processing_after_ms: config.processing_after_ms,
    settle_after_ms: config.settle_after_ms,
    outcome: 'completed',
    reason_code: null,
    return_after_ms: null,
    return_reason_code: 'account_closed',
    duplicate_callbacks: 'none',
    out_of_order_callbacks: false,
  });
  const baseRequest: RequestFault = { delay_ms: 0, respond: 'normally', answer_after_ms: null, error_status: 500, reason_code: null };

  /** Answers as the request fault says; `answer` is the normal answer. */
  async function respond(req: IncomingMessage, res: ServerResponse, fault: RequestFault, answer: () => void): Promise<void> {
    switch (fault.respond) {
      case 'normally':
      case 'reject':
        answer();
        return;
      case 'error':
        sendProblem(res, fault.error_status, 'sandbox_fault', `the sandbox was told to answer ${fault.error_status}`);
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'timeout':
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        if (fault.answer_after_ms === null) return;
        await sleep(fault.answer_after_ms);
        hanging.delete(res);
        answer();
        return;
    }
  }

  async function createPayout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key === '') throw new SandboxProblem(400, 'idempotency_key_required', 'send an Idempotency-Key header');
    if (!KEY.test(key)) throw new SandboxProblem(400, 'invalid_idempotency_key', 'the Idempotency-Key must be 1–255 printable ASCII characters');
    const body = await readJson(req);
    const { request, sandbox } = validateCreate(body);
    const replay = store.findByKey(key) !== undefined;
    const rules = takeMatching(faults, 'create', request.reference, request.method);
    // Per-request faults act on the request that creates the payout only; its replays answer normally.
    const fault = merge(baseRequest, ...rules.map((r) => r.request), replay ? {} : sandbox.request);
    const plan = merge(basePlan(), ...rules.map((r) => r.plan), sandbox.plan);
    await sleep(fault.delay_ms);
    if (fault.respond === 'reject' && !replay) {
      log('info', 'payout rejected by fault', { reference: request.reference });
      throw new SandboxProblem(422, fault.reason_code ?? 'payout_rejected', 'the provider refused this payout');
    }
    const result = store.create(key, PayoutStore.hash(body), request, plan);
    if (result.kind === 'created') log('info', 'payout created', { id: result.payout.id, reference: request.reference, amount: request.amount, method: request.method });
    await respond(req, res, fault, () =>
      result.kind === 'created' ? sendJson(res, 201, result.payout) : sendJson(res, 200, result.payout, { 'idempotent-replayed': 'true' }),
    );
  }

  async function readPayout(req: IncomingMessage, res: ServerResponse, reference: string, find: () => PayoutView | undefined): Promise<void> {
    const rules = takeMatching(faults, 'status', reference, null);
    const fault = merge(baseRequest, ...rules.map((r) => r.request));
    await sleep(fault.delay_ms);
    await respond(req, res, fault, () => {
      const p = find();
      if (p) sendJson(res, 200, p);
      else sendProblem(res, 404, 'payout_not_found', 'no payout with this reference');
    });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    let segments: string[];
    try {
      segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw new SandboxProblem(400, 'malformed_path', 'the path is not valid percent-encoding');
    }
    if (segments.some((s) => findBadString(s) !== null)) throw new SandboxProblem(400, 'malformed_path', 'the path holds NUL or a lone surrogate');
    const method = req.method ?? 'GET';
    const path = segments.join('/');
    const query = (name: string): string | null => {
      const v = url.searchParams.get(name);
      if (v !== null && findBadString(v) !== null) throw new SandboxProblem(400, 'validation_failed', `${name} holds NUL or a lone surrogate`);
      return v;
    };

    if (method === 'GET' && (path === 'health/live' || path === 'health/ready')) return sendJson(res, 200, { status: 'ok', service: 'payout-sandbox' });
    if (path === 'v1/payouts' && method === 'POST') return createPayout(req, res);
    if (path === 'v1/payouts' && method === 'GET') {
      const reference = query('reference');
      if (!reference) throw new SandboxProblem(400, 'validation_failed', 'reference is required', [{ field: 'reference', message: 'required' }]);
      const rules = takeMatching(faults, 'status', reference, null);
      const fault = merge(baseRequest, ...rules.map((r) => r.request));
      await sleep(fault.delay_ms);
      return respond(req, res, fault, () => {
        const p = store.getByReference(reference);
        sendJson(res, 200, { data: p ? [p] : [] });
      });
    }
    if (segments.length === 4 && segments[0] === 'v1' && segments[1] === 'payouts' && segments[2] === 'by-reference' && method === 'GET') {
      return readPayout(req, res, segments[3], () => store.getByReference(segments[3]));
    }
    if (segments.length === 3 && segments[0] === 'v1' && segments[1] === 'payouts' && method === 'GET') {
      const id = segments[2];
      return readPayout(req, res, store.getById(id)?.reference ?? id, () => store.getById(id));
    }
    if (path === 'v1/reports/payouts' && method === 'GET') {
      const date = query('date');
      if (!date || !isDay(date)) throw new SandboxProblem(400, 'validation_failed', 'date must be YYYY-MM-DD', [{ field: 'date', message: 'invalid' }]);
      const { start, end } = dayBounds(date, timeZone);
      const payouts = store.createdBetween(start, end).map((p) => ({ reference: p.reference, id: p.id, amount: p.amount, currency: p.currency, method: p.method, status: p.status, reason_code: p.reason_code, created_at: p.created_at, updated_at: p.updated_at }));
      return sendJson(res, 200, { date, time_zone: timeZone, generated_at: new Date().toISOString(), count: payouts.length, total_amount: payouts.reduce((s, p) => s + p.amount, 0), payouts });
    }
    // Admin: faults, commands, config, the callback log.
    if (path === 'v1/sandbox/faults' && method === 'POST') {
      const rule = parseFaultRule(await readJson(req), `flt_${randomUUID().replace(/-/g, '')}`, new Date());
      faults.push(rule);
      return sendJson(res, 201, ruleView(rule));
    }
    if (path === 'v1/sandbox/faults' && method === 'GET') return sendJson(res, 200, { data: faults.map(ruleView) });
    if (path === 'v1/sandbox/faults' && method === 'DELETE') {
      faults.length = 0;
      res.writeHead(204).end();
      return;
    }
    if (segments.length === 4 && path.startsWith('v1/sandbox/faults/') && method === 'DELETE') {
      const i = faults.findIndex((f) => f.id === segments[3]);
      if (i < 0) throw new SandboxProblem(404, 'fault_not_found', 'no fault with this id');
      faults.splice(i, 1);
      res.writeHead(204).end();
      return;
    }
    if (segments.length === 5 && segments[0] === 'v1' && segments[1] === 'sandbox' && segments[2] === 'payouts' && segments[4] === 'transition' && method === 'POST') {
      const body = await readJson(req);
      const o = (body ?? {}) as Record<string, unknown>;
      if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(o).some((k) => k !== 'status' && k !== 'reason_code')) {
        throw new SandboxProblem(400, 'validation_failed', 'send {status, reason_code?}');
      }
      if (typeof o.status !== 'string' || !(PAYOUT_STATUSES as readonly string[]).includes(o.status)) throw new SandboxProblem(400, 'validation_failed', `status must be one of ${PAYOUT_STATUSES.join(', ')}`, [{ field: 'status', message: 'invalid' }]);
      if (o.reason_code !== undefined && (typeof o.reason_code !== 'string' || !/^[a-z][a-z0-9_]{0,63}$/.test(o.reason_code))) throw new SandboxProblem(400, 'validation_failed', 'reason_code must be a snake_case code', [{ field: 'reason_code', message: 'invalid' }]);
      return sendJson(res, 200, store.command(segments[3], o.status as PayoutStatus, (o.reason_code as string | undefined) ?? null));
    }
    if (path === 'v1/sandbox/config' && method === 'GET') return sendJson(res, 200, configView());
    if (path === 'v1/sandbox/config' && method === 'PUT') {
      applyConfig(await readJson(req));
      return sendJson(res, 200, configView());
    }
    if (path === 'v1/sandbox/callbacks' && method === 'GET') {
      const reference = query('reference');
      return sendJson(res, 200, { data: callbacks.log.filter((c) => reference === null || c.reference === reference) });
    }
    throw new SandboxProblem(404, 'not_found', `no route ${method} /${path.slice(0, 200)}`);
  }

  function configView(): Record<string, unknown> {
    const { webhook_secret, ...rest } = config;
    return { ...rest, webhook_secret_set: webhook_secret !== '', report_time_zone: timeZone };
  }

  function applyConfig(body: unknown): void {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SandboxProblem(400, 'validation_failed', 'send an object');
    const o = body as Record<string, unknown>;
    const allowed = ['callback_url', 'webhook_secret', 'processing_after_ms', 'settle_after_ms', 'callback_retry_delays_ms', 'callback_timeout_ms'];
    const unknown = Object.keys(o).find((k) => !allowed.includes(k));
    if (unknown !== undefined) throw new SandboxProblem(400, 'validation_failed', `unknown field ${unknown.slice(0, 64)}`, [{ field: unknown.slice(0, 64), message: 'unknown field' }]);
    const next = { ...config };
    if (o.callback_url !== undefined) {
      if (typeof o.callback_url !== 'string' || !/^(https?:\/\/\S+)?$/.test(o.callback_url)) throw new SandboxProblem(400, 'validation_failed', 'callback_url must be an http(s) URL or empty', [{ field: 'callback_url', message: 'invalid' }]);
      next.callback_url = o.callback_url;
    }
    if (o.webhook_secret !== undefined) {
      if (typeof o.webhook_secret !== 'string' || !/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/.test(o.webhook_secret)) throw new SandboxProblem(400, 'validation_failed', 'webhook_secret must be whsec_<base64>', [{ field: 'webhook_secret', message: 'invalid' }]);
      next.webhook_secret = o.webhook_secret;
    }
    for (const k of ['processing_after_ms', 'settle_after_ms', 'callback_timeout_ms'] as const) {
      if (o[k] === undefined) continue;
      const v = o[k];
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > 3_600_000) throw new SandboxProblem(400, 'validation_failed', `${k} must be whole milliseconds`, [{ field: k, message: 'invalid' }]);
      next[k] = v;
    }
    if (o.callback_retry_delays_ms !== undefined) {
      const v = o.callback_retry_delays_ms;
      if (!Array.isArray(v) || v.length > 10 || v.some((x) => typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0 || x > 3_600_000)) throw new SandboxProblem(400, 'validation_failed', 'callback_retry_delays_ms must be at most 10 whole milliseconds', [{ field: 'callback_retry_delays_ms', message: 'invalid' }]);
      next.callback_retry_delays_ms = v as number[];
    }
    Object.assign(config, next);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (err instanceof SandboxProblem) {
        sendProblem(res, err.status, err.code, err.message, err.errors);
        return;
      }
      log('error', 'unexpected error', { error: (err as Error).message });
      sendProblem(res, 500, 'internal_error', 'an unexpected error');
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1'}:${port}`;
  log('info', 'payout sandbox listening', { url });
  return {
    url,
    port,
    server,
    callbacks,
    async close() {
      store.close();
      callbacks.close();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const res of hanging) res.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await callbacks.idle();
    },
  };
}

function ruleView(r: FaultRule): Record<string, unknown> {
  return { id: r.id, on: r.on, reference: r.reference, method: r.method, remaining: r.remaining, ...r.request, ...r.plan, created_at: r.created_at };
}

/** Validates a create body; the destination is checked for shape only and never kept. */
function validateCreate(body: unknown): { request: { reference: string; amount: number; currency: string; method: string }; sandbox: ReturnType<typeof parseFault> } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SandboxProblem(400, 'validation_failed', 'the body must be a JSON object');
  const bad = findBadString(body);
  if (bad) throw new SandboxProblem(400, 'validation_failed', `${bad.slice(0, 100)} holds NUL or a lone surrogate`, [{ field: bad.slice(0, 100), message: 'invalid characters' }]);
  const o = body as Record<string, unknown>;
  const errors: { field: string; message: string }[] = [];
  for (const k of Object.keys(o)) if (!CREATE_FIELDS.includes(k)) errors.push({ field: k.slice(0, 64), message: 'unknown field' });
  if (typeof o.reference !== 'string' || !REFERENCE.test(o.reference)) errors.push({ field: 'reference', message: 'must be 1–128 printable ASCII characters' });
  if (typeof o.amount !== 'number' || !Number.isSafeInteger(o.amount) || o.amount <= 0) errors.push({ field: 'amount', message: 'must be a positive integer (cents)' });
  if (typeof o.currency !== 'string' || !/^[A-Z]{3}$/.test(o.currency)) errors.push({ field: 'currency', message: 'must be an ISO 4217 code' });
  if (typeof o.method !== 'string' || !(PAYOUT_METHODS as readonly string[]).includes(o.method)) errors.push({ field: 'method', message: `must be one of ${PAYOUT_METHODS.join(', ')}` });
  const d = o.destination;
  if (typeof d !== 'object' || d === null || Array.isArray(d) || Object.keys(d).length === 0 || Object.values(d).some((v) => typeof v !== 'string' || v.length === 0 || v.length > 256)) {
    errors.push({ field: 'destination', message: 'must be an object of non-empty strings' });
  }
  if (o.metadata !== undefined && (typeof o.metadata !== 'object' || o.metadata === null || Array.isArray(o.metadata))) errors.push({ field: 'metadata', message: 'must be an object' });
  if (errors.length > 0) throw new SandboxProblem(400, 'validation_failed', errors.map((e) => `${e.field} ${e.message}`).join('; '), errors);
  const meta = (o.metadata ?? {}) as Record<string, unknown>;
  const sandbox = meta.sandbox === undefined ? { request: {}, plan: {} } : parseFault(meta.sandbox, 'metadata.sandbox.');
  return { request: { reference: o.reference as string, amount: o.amount as number, currency: o.currency as string, method: o.method as string }, sandbox };
}

function isDay(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

function offsetMs(instant: Date, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(instant)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - Math.floor(instant.getTime() / 1000) * 1000;
}

/** `[start, end)` of a local day in `timeZone`. */
function dayBounds(day: string, timeZone: string): { start: Date; end: Date } {
  const [y, m, d] = day.split('-').map(Number);
  const midnight = (utc: number): Date => {
    let t = utc - offsetMs(new Date(utc), timeZone);
    t = utc - offsetMs(new Date(t), timeZone);
    return new Date(t);
  };
  return { start: midnight(Date.UTC(y, m - 1, d)), end: midnight(Date.UTC(y, m - 1, d + 1)) };
}
