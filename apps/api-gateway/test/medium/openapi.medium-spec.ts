import { uniqueName } from '@wozamali/testing';
import { DOCUMENTED_ROUTES } from '../../src/openapi';
import { RouteTable } from '../../src/routing/route-table';
import { call, startGateway, type RunningGateway } from './gateway-harness';

type Doc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { operationId?: string; parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, { properties?: Record<string, { example?: unknown }> }>; securitySchemes: Record<string, unknown> };
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

  it('serves an OpenAPI 3 document at /openapi.json and the UI at /docs without credentials', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info).toMatchObject({ title: 'WozaMali Rewards API', version: '1' });
    const ui = await call(gw.url, 'GET', '/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
  });

  it('documents the whole public API: api-keys, wallets, points, collections, webhooks, external services, the seed form', () => {
    for (const path of ['/v1/api-keys', '/v1/api-keys/{id}/rotate', '/v1/wallets/{user_id}', '/v1/users/{user_id}/points/earn', '/v1/collections', '/v1/webhooks/endpoints', '/v1/external/services/{service_ref}/heartbeat', '/v1/external/{service_id}/wallets/{user_id}']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['bearer', 'service-id']);
  });

  it('is internally valid: every $ref resolves, every path parameter is declared, operation ids are unique, every operation documents its problems', () => {
    for (const ref of refsOf(doc)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[ref.split('/').pop()!]).toBeDefined();
    }
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      for (const op of Object.values(item)) {
        expect(op.parameters?.filter((p) => p.in === 'path').map((p) => p.name).sort() ?? []).toEqual(templated);
        expect(op.operationId).toBeTruthy();
        expect(ids.has(op.operationId!)).toBe(false);
        ids.add(op.operationId!);
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403', '404', '429']));
      }
    }
  });

  it('schemas come from the DTOs with examples', () => {
    expect(doc.components.schemas.CreateApiKeyDto.properties!.permissions.example).toEqual({ wallets: ['read'], points: ['read'], external_services: ['register', 'heartbeat'] });
    expect(doc.components.schemas.WalletDto.properties!.balance.example).toBe(2575);
    expect(doc.components.schemas.RecordCollectionDto.properties!.materials).toBeDefined();
    expect(doc.components.schemas.ProblemDto.properties!.code.example).toBe('not_found');
  });

  it('every documented operation is one the gateway really routes', () => {
    const table = new RouteTable();
    for (const entry of DOCUMENTED_ROUTES) {
      const concrete = entry.path.replace('{user_id}', '8d7f5a9e-2c41-4b3e-9f0a-1e6c2d4b7a90').replace(/\{[a-z_]+\}/g, 'x1');
      expect([entry.method, entry.path, table.resolve(entry.method, concrete) !== null]).toEqual([entry.method, entry.path, true]);
    }
  });
});
