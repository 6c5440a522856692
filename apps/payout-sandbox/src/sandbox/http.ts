import type { IncomingMessage, ServerResponse } from 'node:http';

/** A 4xx the sandbox answers as problem+json, with a stable code. */
export class SandboxProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly errors?: { field: string; message: string }[],
  ) {
    super(detail);
  }
}

const MAX_BODY = 64 * 1024;

/** Reads a JSON body (at most 64 KiB); an empty body is `undefined`. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new SandboxProblem(413, 'body_too_large', 'the body exceeds 64 KiB');
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw.trim() === '') return undefined;
  const type = String(req.headers['content-type'] ?? '');
  if (!/^application\/(.+\+)?json\b/i.test(type)) throw new SandboxProblem(415, 'unsupported_media_type', 'send application/json');
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new SandboxProblem(400, 'malformed_json', 'the body is not valid JSON');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export function sendProblem(res: ServerResponse, status: number, code: string, detail: string, errors?: { field: string; message: string }[]): void {
  if (res.destroyed || res.headersSent) return;
  const text = JSON.stringify({ type: `https://wozamali.dev/problems/${code}`, title: code.replace(/_/g, ' '), status, code, detail, ...(errors ? { errors } : {}) });
  res.writeHead(status, { 'content-type': 'application/problem+json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The path of the first string (key or value) holding NUL or a lone surrogate, or null. */
export function findBadString(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\u0000') || LONE_SURROGATE.test(value) ? path || '(body)' : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const bad = findBadString(value[i], `${path}[${i}]`);
      if (bad) return bad;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000') || LONE_SURROGATE.test(k)) return path || '(body)';
      const bad = findBadString(v, path ? `${path}.${k}` : k);
      if (bad) return bad;
    }
  }
  return null;
}

/** JSON with object keys sorted, so equal bodies compare equal however their keys were ordered. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
