import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { databaseName, dataSourceOptions, migrateDatabase } from '@wozamali/database';
import type { FastifyInstance } from 'fastify';
import { DataSource, type MixedList } from 'typeorm';
import { serverUrl } from './index';
import { invalidServiceTokens, mintServiceToken, serviceKeyEnv } from './service-tokens';

const OPEN = new Set(['/health/live', '/health/ready', '/metrics']);
const SAMPLE_ID = '0193a0b2-7c4d-7e5f-8a6b-9c0d1e2f3a4b';
/** Paths no service serves: refused 401 before routing too, and 404 only to a caller with a valid token. */
const PROBES = [{ method: 'GET', url: '/v1/no-such-route' }, { method: 'POST', url: '/internal/v1/no-such-route' }];

/** Every row of every table of the database, counted: equal before and after means nothing was written. */
const ROWS = `select coalesce(sum((xpath('/row/n/text()', query_to_xml(format('select count(*) as n from %I.%I', schemaname, tablename), false, true, '')))[1]::text::bigint), 0)::text as n
  from pg_tables where schemaname = 'public'`;

export interface ServiceAuthSuiteOptions {
  service: string;
  migrations: MixedList<string | (new () => unknown)>;
  /** Builds the service in-process as its `main` does (not listening yet), with these variables over the defaults. */
  build(env: Record<string, string>): Promise<NestFastifyApplication>;
  /** A service that may call none of this service's routes, for the 403 check (default metrics-service). */
  stranger?: string;
  /** At least this many routes besides health and metrics (so a suite that found none cannot pass by accident). */
  minRoutes: number;
}

export interface RouteOf {
  method: string;
  url: string;
}

/**
 * The guarantees of service authentication, for one service on a database of its own: every route
 * answers 401 `unauthenticated` to no token, an expired one, one for another audience, one signed
 * by an unknown key and a tampered one, and 403 `forbidden_caller` to a caller its table does not
 * list, writing nothing; `/health/*` and `/metrics` answer without a token and count the refusals.
 */
export function describeServiceAuth(opts: ServiceAuthSuiteOptions): { readonly url: string; readonly db: DataSource; readonly routes: RouteOf[] } {
  const ctx = { url: '', routes: [] as RouteOf[] } as { url: string; db: DataSource; routes: RouteOf[]; app: NestFastifyApplication };
  const prefix = `${process.env.DB_PREFIX || 'wozamali_test'}_sa`;
  const rows = async () => ((await ctx.db.query(ROWS)) as { n: string }[])[0]!.n;
  const send = (method: string, url: string, headers: Record<string, string>) => fetch(`${ctx.url}${url}`, {
    method,
    headers: { ...headers, ...(method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json', 'idempotency-key': `sa-${Date.now()}-${Math.random()}` }) },
    body: method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify({ user_id: SAMPLE_ID, points: 5, amount: 100000, reason: 'forged', asset: 'ZAR', from: 'platform', to: SAMPLE_ID }),
  });

  beforeAll(async () => {
    const database = databaseName(prefix, opts.service);
    await migrateDatabase({ serverUrl: serverUrl(), database, migrations: opts.migrations });
    ctx.app = await opts.build({
      DATABASE_URL: serverUrl(), DB_PREFIX: prefix, LOG_LEVEL: 'error', OUTBOX_RELAY_ENABLED: 'false', KAFKA_CONSUMERS_ENABLED: 'false', ...serviceKeyEnv(opts.service),
    });
    const fastify = ctx.app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
    // Nest registers its routes in init(): collect every one of them as it does.
    fastify.addHook('onRoute', (r) => {
      for (const method of [r.method].flat()) if (method !== 'HEAD' && method !== 'OPTIONS') ctx.routes.push({ method, url: r.url });
    });
    await ctx.app.listen(0, '127.0.0.1');
    ctx.url = `http://127.0.0.1:${(ctx.app.getHttpServer().address() as { port: number }).port}`;
    ctx.db = await new DataSource(dataSourceOptions({ serverUrl: serverUrl(), database, poolSize: 2 })).initialize();
  });
  afterAll(async () => {
    await ctx.app?.close();
    await ctx.db?.destroy();
  });

  const guarded = () => ctx.routes.filter((r) => !OPEN.has(r.url)).map((r) => ({ method: r.method, url: r.url.replace(/:[A-Za-z_]+/g, SAMPLE_ID) }));

  it('every route answers 401 unauthenticated to no token, an expired, a foreign-audience, an unknown-key and a tampered token, and nothing is written', async () => {
    const bad = await invalidServiceTokens('api-gateway', opts.service);
    const cases: Record<string, Record<string, string>> = {
      none: {},
      notBearer: { authorization: 'Basic YWRtaW46YWRtaW4=' },
      garbage: { authorization: 'Bearer not-a-token' },
      ...Object.fromEntries(Object.entries(bad).map(([name, token]) => [name, { authorization: `Bearer ${token}` }])),
    };
    expect(guarded().length).toBeGreaterThanOrEqual(opts.minRoutes);
    const before = await rows();
    const seen: string[] = [];
    for (const route of [...guarded(), ...PROBES]) {
      for (const [name, headers] of Object.entries(cases)) {
        const res = await send(route.method, route.url, { ...headers, 'x-principal-id': SAMPLE_ID, 'x-service-id': 'admin', 'x-principal-role': 'admin' });
        const body = (await res.json()) as { code?: string };
        seen.push(`${route.method} ${route.url} ${name} ${res.status} ${res.headers.get('content-type')?.split(';')[0]} ${body.code}`);
      }
    }
    expect(seen.filter((s) => !s.endsWith(' 401 application/problem+json unauthenticated'))).toEqual([]);
    expect(await rows()).toBe(before);
  });

  it('a service its table does not list gets 403 forbidden_caller on every route (404 where there is none), and nothing is written', async () => {
    const stranger = opts.stranger ?? 'metrics-service';
    const token = await mintServiceToken(stranger, opts.service, { type: 'user', userId: SAMPLE_ID, role: 'admin' });
    const before = await rows();
    const seen: string[] = [];
    for (const route of guarded()) {
      const res = await send(route.method, route.url, { authorization: `Bearer ${token}` });
      seen.push(`${route.method} ${route.url} ${res.status} ${((await res.json()) as { code?: string }).code}`);
    }
    expect(seen.filter((s) => !s.endsWith(' 403 forbidden_caller'))).toEqual([]);
    for (const probe of PROBES) expect((await send(probe.method, probe.url, { authorization: `Bearer ${token}` })).status).toBe(404);
    expect(await rows()).toBe(before);
  });

  it('/health/live, /health/ready and /metrics answer without a token, and /metrics counts the refusals by reason and caller', async () => {
    expect((await fetch(`${ctx.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${ctx.url}/health/ready`)).status).toBe(200);
    const metrics = await fetch(`${ctx.url}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(/^service_auth_refused_total\{[^}]*status="401",reason="missing_token",caller="unknown"[^}]*\} [1-9]/m);
    expect(text).toMatch(/^service_auth_refused_total\{[^}]*status="401",reason="token_expired",caller="api-gateway"[^}]*\} [1-9]/m);
    if (guarded().length > 0) expect(text).toMatch(/^service_auth_refused_total\{[^}]*status="403",reason="forbidden_caller"[^}]*\} [1-9]/m);
  });

  return ctx;
}
