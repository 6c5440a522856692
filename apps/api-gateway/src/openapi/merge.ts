import type { OpenAPIObject } from '@nestjs/swagger';
import { ROUTES, RouteTable, type RouteRule } from '../routing/route-table';
import type { EmittedOperation, JsonSchema, ServiceSpec } from './emit-service';

type Op = Record<string, unknown> & { responses: Record<string, Record<string, unknown>>; parameters?: Record<string, unknown>[] };

/** RFC 9457 problem with the platform's stable `code`. */
export const PROBLEM_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string', example: 'https://docs.wozamali.co.za/problems/not-found' },
    title: { type: 'string', example: 'Not Found' },
    status: { type: 'integer', example: 404 },
    code: { type: 'string', description: 'Stable machine-readable code', example: 'not_found' },
    detail: { type: 'string' },
    correlation_id: { type: ['string', 'null'] },
    errors: { type: 'array', items: { type: 'object', required: ['field', 'messages'], properties: { field: { type: 'string' }, messages: { type: 'array', items: { type: 'string' } } } } },
  },
};

/** Where a platform-wide problem can happen: what the merge knows of an operation. */
export interface OperationTraits {
  /** A POST of a platform user (Idempotency-Key required). */
  isWrite: boolean;
  /** Behind the gateway's authentication (a provider's signed callback is not). */
  authenticated: boolean;
  /** Has path parameters (a resource that may not exist, or another user's path: 404). */
  hasPathParams: boolean;
  /** Has a request body (size and media type limits). */
  hasBody: boolean;
  /** Proxied to a service (the gateway answers 503/504 for it when the service is away or slow). */
  proxied: boolean;
}

/**
 * The problems the platform itself (the gateway, the shared HTTP layer, the idempotency store) can
 * answer on an operation with these traits, per status; the operation's own codes come from its
 * service's declaration (`errors` in apps/<svc>/src/openapi/responses.ts).
 */
export function platformCodes(t: OperationTraits): Record<string, string[]> {
  const out: Record<string, string[]> = {
    400: ['malformed_request', 'validation_failed', ...(t.isWrite ? ['idempotency_key_required'] : [])],
    429: ['rate_limited'],
    503: ['service_unavailable'],
  };
  if (t.authenticated) {
    out[401] = ['api_key_expired', 'api_key_revoked', 'invalid_credentials', 'invalid_token', 'missing_credentials', 'service_id_mismatch', 'service_id_required', 'token_expired'];
    out[403] = ['forbidden', 'service_mismatch'];
  }
  if (t.hasPathParams) out[404] = ['not_found'];
  if (t.isWrite) out[409] = ['idempotency_key_reused'];
  if (t.hasBody) { out[413] = ['payload_too_large']; out[415] = ['unsupported_media_type']; }
  if (t.proxied) out[504] = ['upstream_timeout'];
  return out;
}

/** The gateway's own operations' codes beyond the platform's (apps/api-gateway/src/services/api-key.service.ts). */
const GATEWAY_OPERATION_CODES: Record<string, Record<string, string[]>> = {
  'POST /v1/api-keys/{id}/revoke': { 409: ['bootstrap_key_immutable'] },
  'POST /v1/api-keys/{id}/rotate': { 409: ['api_key_not_active', 'bootstrap_key_immutable'] },
};

const STATUS_TEXT: Record<string, string> = {
  400: 'Bad request', 401: 'Unauthenticated', 403: 'Forbidden', 404: 'Not found', 409: 'Conflict', 410: 'Gone', 413: 'Payload too large',
  415: 'Unsupported media type', 422: 'Unprocessable', 429: 'Too many requests', 503: 'Unavailable', 504: 'Gateway timeout',
};

const header = (description: string, schema: JsonSchema = { type: 'string' }) => ({ description, schema });
export const COMMON_HEADERS = {
  'X-Request-ID': header('The request id (yours when you sent one); it is the `correlation_id` of problems and events.'),
  'RateLimit-Limit': header('Requests allowed per window.', { type: 'integer' }),
  'RateLimit-Remaining': header('Requests left in this window.', { type: 'integer' }),
  'RateLimit-Reset': header('Seconds until the window resets.', { type: 'integer' }),
  'Idempotent-Replayed': header('`true` when this answer is the stored answer of an earlier request with the same Idempotency-Key.', { type: 'string', enum: ['true'] }),
  'Retry-After': header('Seconds to wait before retrying.', { type: 'integer' }),
};

const pascal = (s: string) => s.replace(/(^|[_\s-])([A-Za-z0-9])/g, (_m, _p, c: string) => c.toUpperCase());
const camel = (s: string) => { const p = pascal(s); return p.charAt(0).toLowerCase() + p.slice(1); };

/** Does a service's operation path (its own parameter names) serve a route-table path? Then the route's parameter names, by position. */
function sameShape(servicePath: string, routePath: string): Record<string, string> | null {
  const a = servicePath.split('/');
  const b = routePath.split('/');
  if (a.length !== b.length) return null;
  const rename: Record<string, string> = {};
  for (let i = 0; i < a.length; i += 1) {
    const pa = a[i].startsWith('{');
    const pb = b[i].startsWith('{');
    if (pa !== pb) return null;
    if (pa) rename[a[i].slice(1, -1)] = b[i].slice(1, -1);
    else if (a[i] !== b[i]) return null;
  }
  return rename;
}

/** The problem responses an operation documents: per status, the platform's codes for its traits plus its own, as a `code` enum. */
export function problemResponses(opCodes: Record<string, string[]>, traits: OperationTraits): Record<string, Record<string, unknown>> {
  const platform = platformCodes(traits);
  const out: Record<string, Record<string, unknown>> = {};
  const statuses = [...new Set([...Object.keys(platform), ...Object.keys(opCodes)])].sort();
  for (const status of statuses) {
    const codes = [...new Set([...(platform[status] ?? []), ...(opCodes[status] ?? [])])].sort();
    if (!codes.length) continue;
    out[status] = {
      description: `${STATUS_TEXT[status] ?? 'Problem'}: ${codes.map((c) => `\`${c}\``).join(', ')}`,
      headers: status === '429' || status === '503' ? { 'Retry-After': { $ref: '#/components/headers/Retry-After' } } : { 'X-Request-ID': { $ref: '#/components/headers/X-Request-ID' } },
      content: { 'application/problem+json': { schema: { allOf: [{ $ref: '#/components/schemas/Problem' }, { type: 'object', properties: { code: { type: 'string', enum: codes } } }] } } },
    };
  }
  return out;
}

const SUCCESS_HEADERS = (isWrite: boolean) => ({
  'X-Request-ID': { $ref: '#/components/headers/X-Request-ID' },
  'RateLimit-Limit': { $ref: '#/components/headers/RateLimit-Limit' },
  'RateLimit-Remaining': { $ref: '#/components/headers/RateLimit-Remaining' },
  'RateLimit-Reset': { $ref: '#/components/headers/RateLimit-Reset' },
  ...(isWrite ? { 'Idempotent-Replayed': { $ref: '#/components/headers/Idempotent-Replayed' } } : {}),
});

export const IDEMPOTENCY_KEY_PARAM = {
  name: 'Idempotency-Key', in: 'header', required: true,
  description: 'Required on every POST: the same key and body answer the original (`Idempotent-Replayed: true`); the same key with another body is 409 `idempotency_key_reused`.',
  schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' }, example: '0b1e6d1e-collection-2026-11-25-001',
};
const REQUEST_ID_PARAM = { name: 'X-Request-ID', in: 'header', required: false, description: 'Your id for this request (echoed back, logged, in events).', schema: { type: 'string', maxLength: 128 } };

function securityOf(rule: RouteRule): Record<string, string[]>[] {
  if (rule.auth === 'none') return [];
  return [{ apiKey: [], serviceId: [] }, { userJwt: [] }];
}

/** `{ type: 'x', nullable: true }` (OpenAPI 3.0, as @nestjs/swagger writes it) → `{ type: ['x', 'null'] }`, in place. */
function toJsonSchemaNull(value: unknown): void {
  if (Array.isArray(value)) { value.forEach(toJsonSchemaNull); return; }
  if (!value || typeof value !== 'object') return;
  const o = value as Record<string, unknown>;
  if (o.nullable === true) {
    if (typeof o.type === 'string') o.type = [o.type, 'null'];
    else if (typeof o.$ref === 'string') { o.oneOf = [{ $ref: o.$ref }, { type: 'null' }]; delete o.$ref; }
  }
  delete o.nullable;
  Object.values(o).forEach(toJsonSchemaNull);
}

export interface MergeResult {
  doc: OpenAPIObject;
  /** Route-table operations no service declares (each is a route that answers 404 or a gap in the DTOs). */
  unmatched: string[];
}

/** The public document: the gateway's own operations plus each routed service operation, from the services' own specs. */
export function mergeSpecs(gatewayDoc: OpenAPIObject, specs: Record<string, ServiceSpec>, rules: readonly RouteRule[] = ROUTES): MergeResult {
  const doc = gatewayDoc as OpenAPIObject & { components: Record<string, Record<string, unknown>> };
  doc.components ??= {};
  const schemas = (doc.components.schemas ??= {}) as Record<string, unknown>;
  schemas.Problem = PROBLEM_SCHEMA;
  doc.components.headers = COMMON_HEADERS;
  doc.components.securitySchemes = {
    apiKey: { type: 'http', scheme: 'bearer', bearerFormat: 'wm_live_…', description: 'A service\'s API key; send `X-Service-ID` with it.' },
    serviceId: { type: 'apiKey', in: 'header', name: 'X-Service-ID', description: 'The service the API key was issued to (required with an API key).' },
    userJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An end user\'s token (sub = user id, role resident/collector/admin).' },
  };
  const unmatched: string[] = [];
  const usedIds = new Set<string>();
  // The gateway's own operations (api-keys, mint token): same headers, problems and security; its
  // operational endpoints (health, metrics) are not the public API. OpenAPI 3.0's `nullable` → 3.1 types.
  doc.paths = Object.fromEntries(Object.entries(doc.paths).filter(([p]) => p.startsWith('/v1/')));
  for (const schema of Object.values(schemas)) toJsonSchemaNull(schema);
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      const op = raw as Op;
      const isWrite = method === 'post';
      const rule = rules.find((r) => r.method === method.toUpperCase() && r.path === path);
      op.parameters = [...(op.parameters ?? []).filter((p) => p.name !== 'Idempotency-Key'), ...(isWrite ? [IDEMPOTENCY_KEY_PARAM] : []), REQUEST_ID_PARAM];
      op.security = rule ? securityOf(rule) : [{ apiKey: [], serviceId: [] }, { userJwt: [] }];
      for (const r of Object.values(op.responses)) if (r.content) r.headers = SUCCESS_HEADERS(isWrite);
      const traits = { isWrite, authenticated: rule?.auth !== 'none', hasPathParams: path.includes('{'), hasBody: op.requestBody !== undefined, proxied: false };
      op.responses = { ...problemResponses(GATEWAY_OPERATION_CODES[`${method.toUpperCase()} ${path}`] ?? {}, traits), ...op.responses };
      op.operationId = camel(String(op.operationId).replace(/Controller_/, '_'));
      usedIds.add(String(op.operationId));
    }
  }
  const renamed: Record<string, Record<string, string>> = {};
  const schemaName = (backend: string, name: string, spec: ServiceSpec): string => {
    const mine = (renamed[backend] ??= {});
    if (mine[name]) return mine[name];
    const existing = schemas[name];
    const target = existing === undefined || JSON.stringify(existing) === JSON.stringify(spec.schemas[name]) ? name : `${pascal(backend)}${name}`;
    mine[name] = target;
    return target;
  };
  const refsIn = (value: unknown, backend: string, spec: ServiceSpec): unknown => JSON.parse(JSON.stringify(value), (key, v: unknown) => (key === '$ref' && typeof v === 'string' ? `#/components/schemas/${schemaName(backend, v.split('/').pop()!, spec)}` : v));
  const addSchema = (backend: string, name: string, spec: ServiceSpec): string => {
    const target = schemaName(backend, name, spec);
    if (schemas[target] === undefined) {
      schemas[target] = {};
      schemas[target] = refsIn(spec.schemas[name], backend, spec);
      for (const ref of JSON.stringify(spec.schemas[name]).matchAll(/"#\/components\/schemas\/([A-Za-z0-9_]+)"/g)) addSchema(backend, ref[1], spec);
    }
    return target;
  };

  const table = new RouteTable(rules);
  const work: { rule: RouteRule; spec: ServiceSpec; src: EmittedOperation; rename: Record<string, string>; path: string }[] = [];
  for (const rule of rules) {
    if (rule.backend === 'gateway') continue;
    const spec = specs[rule.backend];
    if (rule.path.endsWith('/**')) {
      // A prefix rule: every operation of the service under it that this rule (first match) routes.
      const prefix = rule.path.slice(0, -2);
      for (const op of spec?.operations ?? []) {
        if (op.method !== rule.method || !op.path.startsWith(prefix)) continue;
        if (table.resolve(op.method, op.path.replace(/\{[A-Za-z0-9_]+\}/g, 'x1'))?.rule !== rule) continue;
        // Named as an exact route of the same shape names it (one path, one set of parameter names).
        const twin = rules.find((r) => !r.path.includes('**') && sameShape(op.path, r.path));
        work.push({ rule, spec, src: op, rename: twin ? sameShape(op.path, twin.path)! : {}, path: twin ? twin.path : op.path });
      }
      continue;
    }
    let found: { op: EmittedOperation; rename: Record<string, string> } | null = null;
    for (const op of spec?.operations ?? []) {
      const rename = op.method === rule.method ? sameShape(op.path, rule.path) : null;
      if (rename) { found = { op, rename }; break; }
    }
    if (!found) { unmatched.push(`${rule.method} ${rule.path}`); continue; }
    work.push({ rule, spec, src: found.op, rename: found.rename, path: rule.path });
  }
  for (const { rule, spec, src, rename, path: docPath } of work) {
    // A POST of a platform user; a provider's signed callback is deduplicated by its webhook-id instead of an Idempotency-Key.
    const isWrite = rule.method === 'POST' && rule.auth !== 'none';
    const name = src.handler.split('.')[1];
    let operationId = src.response?.operationId ?? camel(`${rule.resource}_${name}`);
    if (src.response?.operationId && usedIds.has(operationId)) throw new Error(`operationId ${operationId} is declared twice`);
    if (usedIds.has(operationId)) operationId = camel(`${rule.resource}_${src.handler.split('.')[0].replace(/Controller$/, '')}_${name}`);
    for (let i = 2; usedIds.has(operationId); i += 1) operationId = `${operationId}${i}`;
    usedIds.add(operationId);
    const response = src.response;
    const success: Record<string, unknown> = {
      description: response?.description ?? 'OK',
      headers: SUCCESS_HEADERS(isWrite),
      ...(src.status === 204 ? {} : {
        content: {
          [response?.contentType ?? 'application/json']: { schema: response?.schema ? refsIn(response.schema, rule.backend, spec) : { type: 'object' }, ...(response?.example !== undefined ? { example: response.example } : {}) },
          ...Object.fromEntries(Object.entries(response?.alsoContent ?? {}).map(([media, schema]) => [media, { schema }])),
        },
      }),
    };
    for (const ref of JSON.stringify(response?.schema ?? {}).matchAll(/"#\/components\/schemas\/([A-Za-z0-9_]+)"/g)) addSchema(rule.backend, ref[1], spec);
    const responses: Record<string, unknown> = { [String(src.status)]: success };
    for (const also of response?.alsoStatuses ?? []) responses[String(also)] = { ...success, description: also === 202 ? 'Accepted: the answer as it stands; the platform finishes it (the same body shape).' : success.description };
    // A replayed write answers what the first answered, with 200 when that was 201.
    if (isWrite && src.status === 201) responses['200'] = { ...success, description: 'The stored answer of an earlier request with the same Idempotency-Key (`Idempotent-Replayed: true`).' };
    const body = src.requestBody
      ? { required: true, content: { 'application/json': { schema: src.requestBody.ref ? { $ref: `#/components/schemas/${addSchema(rule.backend, src.requestBody.ref, spec)}` } : src.requestBody.schema, ...(response?.requestExample !== undefined ? { example: response.requestExample } : {}) } } }
      : undefined;
    const operation = {
      tags: [rule.resource],
      summary: response?.summary ?? `${rule.method} ${rule.path}`,
      description: `Needs \`${rule.resource}:${rule.action}\` with an API key; end users: ${rule.users}.`,
      operationId,
      security: securityOf(rule),
      parameters: [
        ...src.parameters.map((p) => ({ ...p, name: p.in === 'path' ? (rename[p.name] ?? p.name) : p.name })),
        ...(isWrite ? [IDEMPOTENCY_KEY_PARAM] : []),
        REQUEST_ID_PARAM,
      ],
      ...(body ? { requestBody: body } : {}),
      responses: { ...responses, ...problemResponses(response?.errors ?? {}, { isWrite, authenticated: rule.auth !== 'none', hasPathParams: docPath.includes('{'), hasBody: body !== undefined, proxied: true }) },
    };
    doc.paths[docPath] = { ...(doc.paths[docPath] ?? {}), [rule.method.toLowerCase()]: operation };
  }
  doc.paths = Object.fromEntries(Object.entries(doc.paths).sort(([a], [b]) => a.localeCompare(b)));
  doc.tags = [...new Set(Object.values(doc.paths).flatMap((item) => Object.values(item as Record<string, { tags?: string[] }>).flatMap((o) => o.tags ?? [])))].sort().map((name) => ({ name, description: `Operations on ${name}.` }));
  return { doc, unmatched };
}
