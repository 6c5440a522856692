// What the sandbox can be told to do wrong, per request (a payout's `metadata.sandbox`) or by rule
// (`POST /v1/sandbox/faults`). A fault has two halves: how the HTTP request is answered, and how the
// payout's life goes on afterwards (its plan).

import { SandboxProblem } from './http';

/**
 * How a request is answered. On a create the payout is recorded first, then:
 * `normally`; `timeout` (never answer, or answer after `answer_after_ms`); `error` (a 5xx, `error_status`);
 * `reset` (the connection is destroyed). `reject` records nothing and answers 422 with the reason code
 * (a provider refusing the payout outright).
 */
export type Respond = 'normally' | 'timeout' | 'error' | 'reset' | 'reject';

export interface RequestFault {
  /** Wait this long before handling the request (before anything is recorded). */
  delay_ms: number;
  respond: Respond;
  /** With `respond: timeout`: answer after this long (past the client's timeout); null: never. */
  answer_after_ms: number | null;
  /** With `respond: error`. */
  error_status: number;
  /** With `respond: reject`. */
  reason_code: string | null;
}

/** How a payout lives on after it was created. */
export interface PayoutPlan {
  /** Stays where it is until told (`POST /v1/sandbox/payouts/{id}/transition`). */
  manual: boolean;
  processing_after_ms: number;
  settle_after_ms: number;
  outcome: 'completed' | 'failed';
  /** The failure's reason code (with outcome `failed`). */
  reason_code: string | null;
  /** Return a completed payout after this long; null: never. */
  return_after_ms: number | null;
  return_reason_code: string;
  /** Send every callback twice: with the same `webhook-id` (a redelivery) or a new one. */
  duplicate_callbacks: 'none' | 'same_id' | 'new_id';
  /** Hold back the `processing` callback until after the final one. */
  out_of_order_callbacks: boolean;
}

/** A fault rule: which requests it matches and what it changes. */
export interface FaultRule {
  id: string;
  /** `create` (POST /v1/payouts) or `status` (the GETs of a payout). */
  on: 'create' | 'status';
  reference: string | null;
  method: string | null;
  /** How many more requests it applies to; null: until removed. */
  remaining: number | null;
  request: Partial<RequestFault>;
  plan: Partial<PayoutPlan>;
  created_at: string;
}

const REASON = /^[a-z][a-z0-9_]{0,63}$/;
const REQUEST_FIELDS = ['delay_ms', 'respond', 'answer_after_ms', 'error_status'] as const;
const PLAN_FIELDS = ['manual', 'processing_after_ms', 'settle_after_ms', 'outcome', 'reason_code', 'return_after_ms', 'return_reason_code', 'duplicate_callbacks', 'out_of_order_callbacks'] as const;
const RULE_FIELDS = ['on', 'reference', 'method', 'times'] as const;
const MAX_MS = 3_600_000;

function ms(v: unknown, field: string, nullable = false): number | null {
  if (v === null && nullable) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > MAX_MS) throw new SandboxProblem(400, 'validation_failed', `${field} must be whole milliseconds from 0 to ${MAX_MS}${nullable ? ', or null' : ''}`, [{ field, message: 'invalid' }]);
  return v;
}

function oneOf<T extends string>(v: unknown, field: string, values: readonly T[]): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) throw new SandboxProblem(400, 'validation_failed', `${field} must be one of ${values.join(', ')}`, [{ field, message: 'invalid' }]);
  return v as T;
}

function reason(v: unknown, field: string): string {
  if (typeof v !== 'string' || !REASON.test(v)) throw new SandboxProblem(400, 'validation_failed', `${field} must be a snake_case code`, [{ field, message: 'invalid' }]);
  return v;
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw new SandboxProblem(400, 'validation_failed', `${field} must be true or false`, [{ field, message: 'invalid' }]);
  return v;
}

/** Parses the fault fields of `raw` (unknown fields refused), prefixing error fields with `prefix`. */
export function parseFault(raw: unknown, prefix: string, extraFields: readonly string[] = []): { request: Partial<RequestFault>; plan: Partial<PayoutPlan> } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SandboxProblem(400, 'validation_failed', `${prefix || 'body'} must be an object`, [{ field: prefix || 'body', message: 'invalid' }]);
  const o = raw as Record<string, unknown>;
  const known = new Set<string>([...REQUEST_FIELDS, ...PLAN_FIELDS, ...extraFields]);
  for (const k of Object.keys(o)) {
    if (!known.has(k)) throw new SandboxProblem(400, 'validation_failed', `unknown field ${prefix}${k.slice(0, 64)}`, [{ field: `${prefix}${k.slice(0, 64)}`, message: 'unknown field' }]);
  }
  const request: Partial<RequestFault> = {};
  const plan: Partial<PayoutPlan> = {};
  const f = (k: string): string => `${prefix}${k}`;
  if (o.delay_ms !== undefined) request.delay_ms = ms(o.delay_ms, f('delay_ms'))!;
  if (o.respond !== undefined) request.respond = oneOf(o.respond, f('respond'), ['normally', 'timeout', 'error', 'reset', 'reject'] as const);
  if (o.answer_after_ms !== undefined) request.answer_after_ms = ms(o.answer_after_ms, f('answer_after_ms'), true);
  if (o.error_status !== undefined) {
    if (typeof o.error_status !== 'number' || !Number.isInteger(o.error_status) || o.error_status < 500 || o.error_status > 599) throw new SandboxProblem(400, 'validation_failed', `${f('error_status')} must be 500–599`, [{ field: f('error_status'), message: 'invalid' }]);
    request.error_status = o.error_status;
  }
  if (o.manual !== undefined) plan.manual = bool(o.manual, f('manual'));
  if (o.processing_after_ms !== undefined) plan.processing_after_ms = ms(o.processing_after_ms, f('processing_after_ms'))!;
  if (o.settle_after_ms !== undefined) plan.settle_after_ms = ms(o.settle_after_ms, f('settle_after_ms'))!;
  if (o.outcome !== undefined) plan.outcome = oneOf(o.outcome, f('outcome'), ['completed', 'failed'] as const);
  if (o.reason_code !== undefined) {
    plan.reason_code = reason(o.reason_code, f('reason_code'));
    request.reason_code = plan.reason_code;
  }
  if (o.return_after_ms !== undefined) plan.return_after_ms = ms(o.return_after_ms, f('return_after_ms'), true);
  if (o.return_reason_code !== undefined) plan.return_reason_code = reason(o.return_reason_code, f('return_reason_code'));
  if (o.duplicate_callbacks !== undefined) {
    plan.duplicate_callbacks = o.duplicate_callbacks === true ? 'same_id' : o.duplicate_callbacks === false ? 'none' : oneOf(o.duplicate_callbacks, f('duplicate_callbacks'), ['none', 'same_id', 'new_id'] as const);
  }
  if (o.out_of_order_callbacks !== undefined) plan.out_of_order_callbacks = bool(o.out_of_order_callbacks, f('out_of_order_callbacks'));
  // A failure reason alone means "fail with it".
  if (plan.reason_code !== undefined && plan.outcome === undefined && request.respond !== 'reject') plan.outcome = 'failed';
  return { request, plan };
}

/** Parses a `POST /v1/sandbox/faults` body into a rule. */
export function parseFaultRule(raw: unknown, id: string, now: Date): FaultRule {
  const { request, plan } = parseFault(raw, '', RULE_FIELDS);
  const o = raw as Record<string, unknown>;
  const on = o.on === undefined ? 'create' : oneOf(o.on, 'on', ['create', 'status'] as const);
  const text = (v: unknown, field: string): string | null => {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string' || v.length === 0 || v.length > 128) throw new SandboxProblem(400, 'validation_failed', `${field} must be a string of 1–128 characters`, [{ field, message: 'invalid' }]);
    return v;
  };
  let remaining: number | null = null;
  if (o.times !== undefined && o.times !== null) {
    if (typeof o.times !== 'number' || !Number.isSafeInteger(o.times) || o.times < 1) throw new SandboxProblem(400, 'validation_failed', 'times must be a positive integer', [{ field: 'times', message: 'invalid' }]);
    remaining = o.times;
  }
  if (on === 'status' && (Object.keys(plan).length > 0 || request.respond === 'reject')) {
    throw new SandboxProblem(400, 'validation_failed', 'a status fault only delays or answers badly (delay_ms, respond: normally|timeout|error|reset, answer_after_ms, error_status)', [{ field: 'on', message: 'invalid' }]);
  }
  return { id, on, reference: text(o.reference, 'reference'), method: text(o.method, 'method'), remaining, request, plan, created_at: now.toISOString() };
}

/** The rules a request matches, oldest first, each consumed once for this request. */
export function takeMatching(rules: FaultRule[], on: 'create' | 'status', reference: string, method: string | null): FaultRule[] {
  const hits = rules.filter((r) => r.on === on && (r.reference === null || r.reference === reference) && (r.method === null || r.method === method) && (r.remaining === null || r.remaining > 0));
  for (const r of hits) if (r.remaining !== null) r.remaining -= 1;
  for (let i = rules.length - 1; i >= 0; i -= 1) if (rules[i].remaining === 0) rules.splice(i, 1);
  return hits;
}

/** Layers faults: later ones win field by field. */
export function merge<T extends object>(base: T, ...layers: Partial<T>[]): T {
  const out = { ...base };
  for (const layer of layers) for (const [k, v] of Object.entries(layer)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
