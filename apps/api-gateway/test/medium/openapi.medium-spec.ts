import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, uniqueName } from '@wozamali/testing';
import { emitFromApp, readServiceSpecs, SERVICE_APPS, serialise, specFile } from '../../src/openapi/service-specs';
import { mergeSpecs } from '../../src/openapi/merge';
import { ROUTES, RouteTable } from '../../src/routing/route-table';
import { call, startGateway, type RunningGateway } from './gateway-harness';

const exec = promisify(execFile);

type Operation = { operationId?: string; tags?: string[]; security?: unknown[]; parameters?: { name: string; in: string; required?: boolean }[]; requestBody?: unknown; responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
type Doc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, { example?: unknown }> }>; securitySchemes: Record<string, unknown>; headers: Record<string, unknown> };
};

function refsOf(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsOf(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsOf(v, out);
    }
  }
  return out;
}

describe('OpenAPI', () => {
  let gw: RunningGateway;
  let doc: Doc;

  beforeAll(async () => {
    gw = await startGateway({ REDIS_KEY_PREFIX: uniqueName('gwdocs') });
    const res = await call(gw.url, 'GET', '/openapi.json');
    expect(res.status).toBe(200);
    doc = res.json as unknown as Doc;
  });
  afterAll(async () => { await gw.close(); });

  it('serves an OpenAPI 3.1 document at /openapi.json and the UI (swagger-ui-dist from npm) at /docs without credentials', async () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'WozaMali Rewards API', version: '1' });
    const ui = await call(gw.url, 'GET', '/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
  });

  it("each service's committed spec is what its controllers and DTOs emit now (run `npm run build` after changing a DTO)", () => {
    for (const app of Object.values(SERVICE_APPS)) {
      expect([app, serialise(emitFromApp(app, 'src'))]).toEqual([app, fs.readFileSync(specFile(app), 'utf8')]);
    }
  });

  it('documents every route of the route table (none is left out, none is invented)', () => {
    const { unmatched } = mergeSpecs({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: {} } as never, readServiceSpecs());
    expect(unmatched).toEqual([]);
    const table = new RouteTable();
    let count = 0;
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item)) {
        const concrete = p.replace(/\{[a-z_]+\}/g, 'x1');
        expect([method, p, table.resolve(method.toUpperCase(), concrete) !== null]).toEqual([method, p, true]);
        count += 1;
      }
    }
    // Every exact route, plus the services' operations under the prefix (`**`) routes.
    expect(count).toBeGreaterThan(ROUTES.filter((r) => !r.path.includes('**')).length);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/webhooks/event-types', '/v1/webhooks/endpoints/{id}/test', '/v1/external/services/health']));
  });

  it('request bodies come from the DTOs: validation rules as JSON Schema', () => {
    const earn = doc.paths['/v1/users/{user_id}/points/earn'].post;
    expect(earn.requestBody).toMatchObject({ required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/EarnPointsDto' } } } });
    expect(doc.components.schemas.EarnPointsDto).toMatchObject({ required: ['points', 'reason'], properties: { points: { type: 'integer', minimum: 1 }, reason: { type: 'string', maxLength: 500 } } });
    expect(doc.components.schemas.RecordCollectionDto.properties!.materials).toMatchObject({ type: 'array', items: { $ref: '#/components/schemas/CollectionLineDto' } });
    expect(doc.components.schemas.CreateApiKeyDto.properties!.permissions.example).toEqual({ wallets: ['read'], points: ['read'], external_services: ['register', 'heartbeat'] });
    const history = doc.paths['/v1/users/{user_id}/points/history'].get;
    expect(history.parameters!.filter((p) => p.in === 'query').map((p) => p.name).sort()).toEqual(['cursor', 'limit']);
  });

  it('is internally valid: refs resolve, path parameters declared, operation ids unique, POSTs need Idempotency-Key, problems documented, security set', () => {
    for (const ref of refsOf(doc)) {
      expect(ref).toMatch(/^#\/components\/(schemas|headers)\//);
      const [, , kind, name] = ref.split('/');
      expect([ref, (doc.components as unknown as Record<string, Record<string, unknown>>)[kind][name] !== undefined]).toEqual([ref, true]);
    }
    const ids = new Set<string>();
    for (const [p, item] of Object.entries(doc.paths)) {
      const templated = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      for (const [method, op] of Object.entries(item)) {
        expect(op.parameters?.filter((x) => x.in === 'path').map((x) => x.name).sort() ?? []).toEqual(templated);
        expect(op.operationId).toMatch(/^[a-z][A-Za-z0-9]+$/);
        expect(ids.has(op.operationId!)).toBe(false);
        ids.add(op.operationId!);
        expect(op.tags?.length).toBe(1);
        // Every POST of a platform user needs a key; a provider's signed callback (no security) is deduplicated by its webhook-id.
        if (method === 'post' && op.security?.length) expect(op.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true })]));
        if (method === 'post' && !op.security?.length) expect(p).toBe('/v1/withdrawals/payout-callbacks');
        // Every operation can be refused as malformed, rate limited or unavailable; a resource (path parameters) can be missing.
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '429', '503']));
        if (templated.length) expect(op.responses['404'].content!['application/problem+json']).toBeDefined();
        if (op.security?.length) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
        expect(Array.isArray(op.security)).toBe(true);
      }
    }
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKey', 'serviceId', 'userJwt']);
    expect(Object.keys(doc.components.headers).sort()).toEqual(['Idempotent-Replayed', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After', 'X-Request-ID']);
  });

  it('lists the problem codes each operation can give (the service\'s own among them)', () => {
    const spend = doc.paths['/v1/users/{user_id}/points/spend'].post;
    const codes = (status: string) => ((spend.responses[status].content!['application/problem+json'].schema as { allOf: { properties?: { code: { enum: string[] } } }[] }).allOf[1].properties!.code.enum);
    expect(codes('422')).toContain('insufficient_points');
    expect(codes('400')).toContain('idempotency_key_required');
    expect(codes('409')).toContain('idempotency_key_reused');
    // Per operation: a catalogue read names no conflict or refusal; a wallet read no idempotency code.
    const catalogue = doc.paths['/v1/rewards'].get;
    expect(Object.keys(catalogue.responses).sort()).toEqual(['200', '400', '401', '403', '429', '503', '504']);
    const wallet = doc.paths['/v1/wallets/{user_id}'].get;
    const walletCodes = (status: string) => ((wallet.responses[status].content!['application/problem+json'].schema as { allOf: { properties?: { code: { enum: string[] } } }[] }).allOf[1].properties!.code.enum);
    expect(walletCodes('400')).toEqual(['invalid_id', 'malformed_request', 'validation_failed']);
    expect(wallet.responses['409']).toBeUndefined();
  });

  it('passes `redocly lint` with the recommended rules: 0 errors, no warnings but the donations paths\' ambiguity', async () => {
    const file = path.join(os.tmpdir(), `${uniqueName('openapi')}.json`);
    fs.writeFileSync(file, JSON.stringify(doc));
    try {
      const { stdout } = await exec(path.join(ROOT, 'node_modules/.bin/redocly'), ['lint', '--extends', 'recommended', '--format', 'json', file], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
      const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[] };
      expect(report.problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message} @ ${p.location[0]?.pointer}`)).toEqual([]);
      expect(report.totals.errors).toBe(0);
      // Warnings too, but one: `/v1/donations/{donation_id}/receipt` against the literal `/v1/donations/campaigns/{campaign_id}`
      // and `/v1/donations/disbursements/{id}` (the route table's first match settles it; the paths are the public API already).
      expect(report.problems.filter((p) => p.ruleId !== 'no-ambiguous-paths').map((p) => `${p.ruleId}: ${p.message} @ ${p.location[0]?.pointer}`)).toEqual([]);
    } finally { fs.rmSync(file, { force: true }); }
  }, 120_000);
});
