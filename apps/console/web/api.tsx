// The one way the console speaks to the gateway: credentials from this tab's sessionStorage,
// problem+json errors turned into react-admin HttpErrors (message + field errors), an
// Idempotency-Key on every write.
import { HttpError } from 'react-admin';

const STORAGE_KEY = 'wozamali.console.credentials';

export type Credentials =
  | { kind: 'api_key'; key: string; serviceId: string }
  | { kind: 'token'; token: string };

export function loadCredentials(): Credentials | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Credentials) : null;
  } catch {
    return null;
  }
}

export function saveCredentials(c: Credentials): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(c));
}

export function clearCredentials(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/**
 * Who the signed-in credentials are, as the services record a decision's actor: the token's subject
 * (an admin person) or `service:<id>` for an API key. Read from the token's payload for display and
 * to disable what the API would refuse anyway (the gateway verifies the signature, not this).
 */
export function whoAmI(c: Credentials | null = loadCredentials()): { id: string; person: boolean } | null {
  if (!c) return null;
  if (c.kind === 'api_key') return { id: `service:${c.serviceId}`, person: false };
  try {
    const part = c.token.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const payload = JSON.parse(json) as { sub?: unknown; role?: unknown };
    return typeof payload.sub === 'string' ? { id: payload.sub.toLowerCase(), person: payload.role === 'admin' } : null;
  } catch {
    return null;
  }
}

function authHeaders(c: Credentials | null): Record<string, string> {
  if (!c) return {};
  if (c.kind === 'api_key') return { authorization: `Bearer ${c.key}`, 'x-service-id': c.serviceId };
  return { authorization: `Bearer ${c.token}` };
}

export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

interface Problem {
  title?: string;
  status?: number;
  code?: string;
  detail?: string;
  errors?: { field: string; messages: string[] }[];
}

/** A problem+json body → the message shown, and the field errors react-admin puts under the inputs. */
export function problemToError(status: number, body: unknown): HttpError {
  const p = (body && typeof body === 'object' ? body : {}) as Problem;
  const base = p.detail || p.title || `request failed (${status})`;
  const message = p.code ? `${base} (${p.code})` : base;
  const errors: Record<string, string> = {};
  for (const e of p.errors ?? []) errors[e.field] = e.messages.join('; ');
  const detail = Object.keys(errors).length ? `${message}: ${Object.entries(errors).map(([f, m]) => `${f} ${m}`).join('; ')}` : message;
  return new HttpError(detail, status, { ...p, errors: Object.keys(errors).length ? { ...errors, root: { serverError: message } } : undefined });
}

/**
 * The field errors of a problem+json error (`{field: message}`), for the inputs of a hand-made form:
 * its `errors` list, or a problem naming one `field` (its detail is the message).
 */
export function fieldErrors(err: unknown): Record<string, string> {
  const body = (err as { body?: { errors?: Record<string, unknown>; field?: unknown; detail?: unknown; title?: unknown } } | null)?.body;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body?.errors ?? {})) if (typeof v === 'string') out[k] = v;
  if (typeof body?.field === 'string') out[body.field] = String(body.detail ?? body.title ?? 'is invalid');
  return out;
}

export interface ApiOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  query?: Record<string, string | number | undefined | null>;
  credentials?: Credentials | null;
  idempotencyKey?: string;
}

/** Calls the gateway (same origin as the console) and returns the JSON body; throws an HttpError. */
export async function api<T = unknown>(path: string, opts: ApiOptions = {}): Promise<T> {
  const method = opts.method ?? 'GET';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const url = params.size ? `${path}?${params}` : path;
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders(opts.credentials === undefined ? loadCredentials() : opts.credentials) };
  if (method !== 'GET') headers['idempotency-key'] = opts.idempotencyKey ?? newIdempotencyKey();
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), cache: 'no-store' });
  } catch (err) {
    throw new HttpError(`the gateway could not be reached: ${(err as Error).message}`, 0, {});
  }
  const text = await res.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = { detail: text.slice(0, 300) };
    }
  }
  if (!res.ok) throw problemToError(res.status, body);
  return body as T;
}
