import 'reflect-metadata';
import { getMetadataStorage, IS_DATE, IS_ISO8601, ValidationTypes } from 'class-validator';
import { targetConstructorToSchema } from 'class-validator-jsonschema';
import type { ISchemaConverters } from 'class-validator-jsonschema/build/defaultConverters';
import type { MetadataStorage as TransformerStorage } from 'class-transformer/types/MetadataStorage';
import type { DeclaredResponse } from '@wozamali/contracts';

// class-transformer keeps @Type() in this storage (not exported by its index); without it nested DTOs are not followed.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as { defaultMetadataStorage: TransformerStorage };

/**
 * Emits one service's operations from its own controllers and DTOs: Nest's route metadata (path,
 * method, @HttpCode, @Param/@Query/@Body with their design types) and class-validator's metadata
 * (through class-validator-jsonschema) for the bodies and query strings. Success responses come
 * from the service's `openapi/responses` module when it has one (controllers return untyped views).
 * The gateway merges these per-service documents, filtered by its route table (./merge.ts).
 */

export type JsonSchema = Record<string, unknown>;

export interface EmittedParameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: JsonSchema;
  description?: string;
}

export interface EmittedOperation {
  /** `Controller.method`: the key a service's responses module uses. */
  handler: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI-style path with the service's own parameter names. */
  path: string;
  status: number;
  parameters: EmittedParameter[];
  /** A `#/components/schemas/…` name, or an inline schema for untyped bodies. */
  requestBody?: { ref?: string; schema?: JsonSchema };
  response?: ResponseSpec;
}

/** A success response as a service declares it (its `openapi/responses` module; the type lives with the schema builders in libs/contracts). */
export type ResponseSpec = DeclaredResponse;

export interface ServiceSpec {
  service: string;
  /** The problem codes the service answers with, per status (from its errors' `statusOf` switch). */
  errors: Record<string, string[]>;
  operations: EmittedOperation[];
  schemas: Record<string, JsonSchema>;
}

const METHODS: Record<number, EmittedOperation['method'] | undefined> = { 0: 'GET', 1: 'POST', 2: 'PUT', 3: 'DELETE', 4: 'PATCH' };
const BODY = 3;
const QUERY = 4;
const PARAM = 5;

interface RouteArg { index: number; data?: unknown; pipes?: unknown[] }

const UUID_PIPES = new Set(['ParseUUIDPipe', 'UuidPipe']);

/** Custom validators the DTOs register (registerDecorator): their JSON Schema. */
function customConverter(meta: { constraintCls: unknown; message?: unknown; propertyName: string }): JsonSchema {
  const constraints = getMetadataStorage().getTargetValidatorConstraints(meta.constraintCls as () => void);
  const name = constraints[0]?.name ?? '';
  const message = typeof meta.message === 'string' ? meta.message : '';
  const min = /between (-?\d+) and/.exec(message);
  switch (name) {
    case 'isSafeAmount': return { type: 'integer', minimum: min ? Number(min[1]) : 0, maximum: Number.MAX_SAFE_INTEGER };
    case 'isSignedAmount': return { type: 'integer', not: { const: 0 }, minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };
    default: return {};
  }
}

/** A date or a date-time: one string type with either format (the library's `oneOf` of two string types is flagged by linters as overlapping). */
const DATE_OR_DATE_TIME: JsonSchema = { type: 'string', anyOf: [{ format: 'date' }, { format: 'date-time' }] };

const converters: ISchemaConverters = {
  [ValidationTypes.CUSTOM_VALIDATION]: (meta) => customConverter(meta as unknown as Parameters<typeof customConverter>[0]),
  [IS_ISO8601]: DATE_OR_DATE_TIME,
  [IS_DATE]: DATE_OR_DATE_TIME,
};

const OPTIONS = {
  refPointerPrefix: '#/components/schemas/',
  classTransformerMetadataStorage: defaultMetadataStorage,
  additionalConverters: converters,
};

/** The JSON Schema of a DTO class and of every DTO it nests (by class name). */
function schemasOf(root: abstract new () => unknown, into: Record<string, JsonSchema>): string {
  const pending: (abstract new () => unknown)[] = [root];
  while (pending.length) {
    const cls = pending.pop()!;
    if (into[cls.name]) continue;
    const schema = targetConstructorToSchema(cls, OPTIONS) as JsonSchema;
    into[cls.name] = schema;
    for (let proto = cls; proto && proto !== Object && proto.prototype; proto = Object.getPrototypeOf(proto) as typeof proto) {
      const props = new Set(getMetadataStorage().getTargetValidationMetadatas(proto, '', true, false).map((m) => m.propertyName));
      for (const prop of props) {
        const t = defaultMetadataStorage.findTypeMetadata(proto, prop);
        const nested = t?.typeFunction?.() as (abstract new () => unknown) | undefined;
        if (typeof nested === 'function' && ![String, Number, Boolean, Date, Object, Array].includes(nested as never)) pending.push(nested);
      }
    }
  }
  return root.name;
}

function joinPath(...parts: string[]): string {
  const joined = `/${parts.flatMap((p) => p.split('/')).filter(Boolean).join('/')}`;
  return joined.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

const isDto = (t: unknown): t is abstract new () => unknown => typeof t === 'function' && ![String, Number, Boolean, Object, Array, Date].includes(t as never)
  && getMetadataStorage().getTargetValidationMetadatas(t, '', true, false).length > 0;

/** The operations of `controllers`, skipping internal ones (`internal/…`, health, metrics). */
/** `code → status` of a service's `statusOf(code)` switch (TypeScript source), grouped by status. */
export function problemCodesOf(source: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let pending: string[] = [];
  for (const m of source.matchAll(/case '([a-z0-9_]+)':|return (\d{3});/g)) {
    if (m[1]) pending.push(m[1]);
    else if (pending.length) { (out[m[2]] ??= []).push(...pending); pending = []; }
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}

export function emitServiceSpec(service: string, controllers: readonly unknown[], responses: Record<string, ResponseSpec> = {}, errors: Record<string, string[]> = {}): ServiceSpec {
  const operations: EmittedOperation[] = [];
  const schemas: Record<string, JsonSchema> = {};
  for (const ctrl of controllers) {
    if (typeof ctrl !== 'function') continue;
    const base = Reflect.getMetadata('path', ctrl) as string | string[] | undefined;
    if (base === undefined) continue;
    const proto = (ctrl as { prototype: Record<string, unknown> }).prototype;
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor') continue;
      const fn = proto[name];
      if (typeof fn !== 'function') continue;
      const sub = Reflect.getMetadata('path', fn) as string | string[] | undefined;
      const verb = METHODS[Reflect.getMetadata('method', fn) as number];
      if (sub === undefined || !verb) continue;
      const path = joinPath(Array.isArray(base) ? base[0] : base, Array.isArray(sub) ? sub[0] : sub);
      if (!path.startsWith('/v1/')) continue;
      const types = (Reflect.getMetadata('design:paramtypes', proto, name) ?? []) as unknown[];
      const args = (Reflect.getMetadata('__routeArguments__', ctrl, name) ?? {}) as Record<string, RouteArg>;
      const parameters: EmittedParameter[] = [];
      let requestBody: EmittedOperation['requestBody'];
      for (const [key, arg] of Object.entries(args)) {
        const kind = Number(key.split(':')[0]);
        const type = types[arg.index];
        if (kind === PARAM && typeof arg.data === 'string') {
          const uuid = (arg.pipes ?? []).some((p) => UUID_PIPES.has((typeof p === 'function' ? p : (p as object).constructor).name));
          parameters.push({ name: arg.data, in: 'path', required: true, schema: { type: 'string', ...(uuid ? { format: 'uuid' } : {}) } });
        } else if (kind === QUERY && arg.data === undefined && isDto(type)) {
          const schema = targetConstructorToSchema(type, OPTIONS) as { properties?: Record<string, JsonSchema>; required?: string[] };
          for (const [prop, s] of Object.entries(schema.properties ?? {})) {
            parameters.push({ name: prop, in: 'query', required: (schema.required ?? []).includes(prop), schema: s });
          }
        } else if (kind === QUERY && typeof arg.data === 'string') {
          parameters.push({ name: arg.data, in: 'query', required: false, schema: { type: 'string' } });
        } else if (kind === BODY && arg.data === undefined) {
          requestBody = isDto(type) ? { ref: schemasOf(type, schemas) } : { schema: { type: 'object' } };
        }
      }
      // Path parameters a custom decorator reads (e.g. @Id()): declared by the path itself.
      for (const m of path.matchAll(/\{([A-Za-z0-9_]+)\}/g)) {
        if (!parameters.some((p) => p.in === 'path' && p.name === m[1])) parameters.push({ name: m[1], in: 'path', required: true, schema: { type: 'string' } });
      }
      const handler = `${(ctrl as { name: string }).name}.${name}`;
      const status = (Reflect.getMetadata('__httpCode__', fn) as number | undefined) ?? (verb === 'POST' ? 201 : 200);
      operations.push({ handler, method: verb, path, status, parameters, ...(requestBody ? { requestBody } : {}), ...(responses[handler] ? { response: responses[handler] } : {}) });
    }
  }
  operations.sort((a, b) => (a.path === b.path ? a.method.localeCompare(b.method) : a.path.localeCompare(b.path)));
  return { service, errors, operations, schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))) };
}
