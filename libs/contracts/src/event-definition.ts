import type { Topic } from './topics';
import { isUuid } from './uuid';

/** What a field of an event's `data` holds, as checked at runtime. */
export type FieldKind = 'uuid' | 'int' | 'string' | 'iso-date' | 'object' | 'array' | 'boolean';

/** A field's kind; `?` when it may be absent, `|null` when it may be null. */
export type FieldSpec = FieldKind | `${FieldKind}?` | `${FieldKind}|null`;

/** The kinds a TypeScript field type may be declared with (an integer is declared `number`). */
type KindOf<V> = [V] extends [number]
  ? 'int'
  : [V] extends [string]
    ? 'uuid' | 'string' | 'iso-date'
    : [V] extends [boolean]
      ? 'boolean'
      : [V] extends [readonly unknown[]]
        ? 'array'
        : [V] extends [object]
          ? 'object'
          : never;

/** The spec a field must have: `?` exactly when it is optional, `|null` exactly when it is nullable. */
export type SpecOf<V, Optional extends boolean> = Optional extends true
  ? `${KindOf<Exclude<V, undefined>>}?`
  : null extends V
    ? `${KindOf<Exclude<V, null>>}|null`
    : KindOf<V>;

/**
 * One spec per field of `T`, none missing and none extra: a data interface and its definition can
 * not drift apart without a compile error.
 */
export type FieldSpecs<T> = { [K in keyof T]-?: SpecOf<T[K], Partial<Pick<T, K>> extends Pick<T, K> ? true : false> };

/** A versioned event type: where it is published and the fields its `data` must carry. */
export interface EventDefinition<TType extends string = string, TData = unknown> {
  type: TType;
  version: number;
  topic: Topic;
  fields: Record<string, FieldSpec>;
  /** Type-level only: the data interface (never set at runtime). */
  readonly __data?: TData;
}

/**
 * Defines an event type from its data interface:
 * `defineEvent<WalletUpdateData>()('wallet_update', Topics.wallet, { user_id: 'uuid', ... })`.
 * A field of the interface missing from the spec (or a spec not matching its type) fails to compile.
 */
export function defineEvent<TData>() {
  return <const TType extends string>(type: TType, topic: Topic, fields: FieldSpecs<TData>, version = 1): EventDefinition<TType, TData> => ({
    type,
    version,
    topic,
    fields: fields as Record<string, FieldSpec>,
  });
}

function kindProblem(kind: FieldKind, value: unknown): boolean {
  switch (kind) {
    case 'uuid':
      return !isUuid(value);
    case 'int':
      return !Number.isSafeInteger(value);
    case 'string':
      return typeof value !== 'string';
    case 'iso-date':
      return typeof value !== 'string' || Number.isNaN(Date.parse(value));
    case 'object':
      return typeof value !== 'object' || value === null || Array.isArray(value);
    case 'array':
      return !Array.isArray(value);
    case 'boolean':
      return typeof value !== 'boolean';
  }
}

/** Checks `data` against field specs (all of them, or the named ones); returns the problems. */
export function fieldProblems(fields: Record<string, FieldSpec>, data: unknown, only?: readonly string[]): string[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return ['data must be an object'];
  const record = data as Record<string, unknown>;
  const problems: string[] = [];
  const names = only ?? Object.keys(fields);
  for (const field of names) {
    if (!Object.prototype.hasOwnProperty.call(fields, field)) continue;
    const spec = fields[field]!;
    const value = record[field];
    if (value === undefined && spec.endsWith('?')) continue;
    if (value === null && spec.endsWith('|null')) continue;
    if (kindProblem(spec.replace(/\?$|\|null$/, '') as FieldKind, value)) problems.push(`${field} must be ${spec}`);
  }
  return problems;
}

/** A JSON Schema (draft 2020-12 subset) of an event type's `data`, for partners' validators and SDKs. */
export interface DataJsonSchema {
  type: 'object';
  properties: Record<string, { type: string | string[]; format?: string }>;
  required: string[];
  /** Producers may add fields (consumers read only what they use). */
  additionalProperties: true;
}

const JSON_TYPE: Record<FieldKind, { type: string; format?: string }> = {
  uuid: { type: 'string', format: 'uuid' },
  int: { type: 'integer' },
  string: { type: 'string' },
  'iso-date': { type: 'string', format: 'date-time' },
  object: { type: 'object' },
  array: { type: 'array' },
  boolean: { type: 'boolean' },
};

/** The JSON Schema of `data` as the field specs define it: optional fields not required, nullable ones `[type, "null"]`. */
export function dataJsonSchema(fields: Record<string, FieldSpec>): DataJsonSchema {
  const properties: DataJsonSchema['properties'] = {};
  const required: string[] = [];
  for (const [name, spec] of Object.entries(fields)) {
    const kind = spec.replace(/\?$|\|null$/, '') as FieldKind;
    const base = JSON_TYPE[kind];
    properties[name] = spec.endsWith('|null') ? { ...base, type: [base.type, 'null'] } : { ...base };
    if (!spec.endsWith('?')) required.push(name);
  }
  return { type: 'object', properties, required, additionalProperties: true };
}

const EXAMPLE: Record<FieldKind, () => unknown> = {
  uuid: () => '01937a4e-8f2a-7c3b-9d4e-5f6a7b8c9d0e',
  int: () => 100,
  string: () => 'example',
  'iso-date': () => new Date().toISOString(),
  object: () => ({}),
  array: () => [],
  boolean: () => false,
};

/** Example `data` with every field of the specs (a test send): valid against them, and recognisably an example. */
export function exampleData(fields: Record<string, FieldSpec>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).map(([name, spec]) => [name, EXAMPLE[spec.replace(/\?$|\|null$/, '') as FieldKind]()]));
}
