import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { freePort, ROOT, serviceKeyEnv, StubServer, waitFor } from '@wozamali/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mintUserToken, type UserRole } from '@wozamali/auth';
import { validateEnv } from '@wozamali/config';
import { ApiGatewayEnv } from '../../src/config/env';
import { buildGateway } from '../../src/gateway-app';

export const JWT_SECRET = 'medium-test-jwt-secret-at-least-32-bytes!';
export const ADMIN_KEY = `wm_live_testadmin_${'A1b2C3d4'.repeat(5)}`;
export const ADMIN_HEADERS = { authorization: `Bearer ${ADMIN_KEY}`, 'x-service-id': 'admin' };

/** `headers` with a fresh Idempotency-Key (every POST of the gateway's own routes needs one). */
export function withKey(headers: Record<string, string>, key: string = randomUUID()): Record<string, string> {
  return { ...headers, 'idempotency-key': key };
}

export interface RunningGateway {
  url: string;
  app: NestFastifyApplication;
  close(): Promise<void>;
}

/** A real gateway on an ephemeral port, on the test database and the real Redis (prefix of its own). */
export async function startGateway(overrides: Record<string, string> = {}): Promise<RunningGateway> {
  const env = validateEnv(ApiGatewayEnv, {
    ...process.env,
    LOG_LEVEL: 'error',
    OUTBOX_RELAY_ENABLED: 'false',
    KAFKA_CONSUMERS_ENABLED: 'false',
    NODE_ENV: 'test',
    ADMIN_API_KEY: ADMIN_KEY,
    JWT_SECRET,
    API_KEY_LAST_USED_FLUSH_MS: '100',
    ...serviceKeyEnv('api-gateway'),
    ...overrides,
  });
  const app = await buildGateway(env);
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, app, close: () => app.close() };
}

export function userToken(role: UserRole, sub: string = randomUUID(), expiresInSeconds = 300): { sub: string; headers: Record<string, string> } {
  return { sub, headers: { authorization: `Bearer ${mintUserToken(JWT_SECRET, { sub, role, expiresInSeconds })}` } };
}

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A node:http stand-in for a backend service not built yet (routing tests only): records what it
 * receives and answers with `respond`.
 */
/** A backend service behind the gateway: the shared `StubServer` answering every request through `respond`. */
export class StubBackend {
  readonly received: Recorded[] = [];
  respond: (r: Recorded) => { status: number; headers?: Record<string, string>; body?: unknown; delayMs?: number } = () => ({ status: 200, body: { ok: true } });
  private stub: StubServer | null = null;
  url = '';

  async start(): Promise<this> {
    this.stub = (await StubServer.start()).otherwise((req) => {
      const rec: Recorded = { method: req.method, url: req.url, headers: req.headers, body: req.text };
      this.received.push(rec);
      const out = this.respond(rec);
      return { status: out.status, headers: { 'content-type': 'application/json', ...(out.headers ?? {}) }, body: out.body === undefined || typeof out.body === 'string' ? (out.body ?? '') : JSON.stringify(out.body), delayMs: out.delayMs };
    });
    this.url = this.stub.url;
    return this;
  }

  async stop(): Promise<void> {
    await this.stub?.close();
    this.stub = null;
  }
}

/** A TCP port with nothing listening (bound then released). */
export const closedPort = freePort;

export async function call(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<{ status: number; headers: Headers; json: Record<string, unknown> | null; text: string }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> | null = null;
  try { json = JSON.parse(text) as Record<string, unknown>; } catch { json = null; }
  return { status: res.status, headers: res.headers, json, text };
}

/** Every item of a `{ data, next_cursor }` list, page by page (other test files add to shared lists meanwhile). */
export async function allPages<T>(base: string, path: string, headers: Record<string, string>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const page = await call(base, 'GET', `${path}${path.includes('?') ? '&' : '?'}limit=100${cursor ? `&cursor=${cursor}` : ''}`, headers);
    if (page.status !== 200) throw new Error(`GET ${path}: ${page.status} ${page.text}`);
    out.push(...(page.json!.data as T[]));
    cursor = page.json!.next_cursor as string | null;
  } while (cursor);
  return out;
}

/**
 * A built service (`apps/<name>/dist/main.js`) as its own process on a free port, on the databases of
 * `prefix` and the broker at `brokers`, with its service keys; the process joins `children` (the
 * caller stops them). Resolves its URL once `/health/ready` answers; fails with its stderr if it exits.
 */
export async function startBuiltService(name: string, env: Record<string, string>, at: { prefix: string; brokers: string; children: ChildProcess[] }): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'apps', name, 'dist', 'main.js')], {
    env: { ...process.env, ...serviceKeyEnv(name), ...env, PORT: String(port), DB_PREFIX: at.prefix, KAFKA_BROKERS: at.brokers, LOG_LEVEL: 'warn', WOZAMALI_INFRA_READY: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => { stderr = (stderr + c.toString()).slice(-4000); });
  at.children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${stderr}`);
    return (await fetch(`${url}/health/ready`)).ok;
  }, `${name} ready`, 60_000, 200);
  return url;
}
