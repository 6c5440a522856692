// Small builders for the JSON Schemas of the services' success answers (apps/<svc>/src/openapi/responses.ts).
// The gateway merges those schemas into the public OpenAPI; the contract test validates real answers against them.

export type Schema = Record<string, unknown>;

/** A response a service declares for one controller method (`Controller.method`). */
export interface DeclaredResponse {
  schema?: Schema;
  /** Media type of the body when not JSON (e.g. a CSV export). */
  contentType?: string;
  /** The same answer in other media types a client can ask for (`Accept: text/csv`, `?format=html`), each with its schema. */
  alsoContent?: Record<string, Schema>;
  description?: string;
  summary?: string;
  /** The operation's stable id (the SDK's function name) when `<resource><HandlerName>` does not read well. */
  operationId?: string;
  /** Other success statuses the handler answers with the same body (e.g. 202 accepted while the wallet is away). */
  alsoStatuses?: number[];
  /** A request body that works (the contract test sends it), and an example answer. */
  requestExample?: unknown;
  example?: unknown;
  /**
   * The service's own problem codes this operation can answer with, per status (build it with
   * `problems(statusOf, …codes)`); the gateway's merge adds the platform-wide ones (validation,
   * authentication, rate limits, idempotency on writes, availability).
   */
  errors?: Record<string, string[]>;
}

export const nullable = (type: string, extra: Schema = {}): Schema => ({ type: [type, 'null'], ...extra });
export const uuid: Schema = { type: 'string', format: 'uuid' };
export const time: Schema = { type: 'string', format: 'date-time' };
export const day: Schema = { type: 'string', format: 'date' };
export const int: Schema = { type: 'integer' };
export const str: Schema = { type: 'string' };
export const bool: Schema = { type: 'boolean' };
export const zar: Schema = { type: 'string', enum: ['ZAR'] };
export const anyObject: Schema = { type: 'object' };
export const arrayOf = (items: Schema): Schema => ({ type: 'array', items });
export const oneOfStrings = (...values: string[]): Schema => ({ type: 'string', enum: values });

/** An object whose every property is required, except those named in `optional`. */
export function object(properties: Record<string, Schema>, optional: readonly string[] = []): Schema {
  return { type: 'object', required: Object.keys(properties).filter((k) => !optional.includes(k)), properties };
}

/** The platform's list shape: `{ data, next_cursor }`. */
export const page = (item: Schema): Schema => object({ data: arrayOf(item), next_cursor: nullable('string', { description: 'pass as ?cursor= for the next page' }) });

/** A list answered whole, without a cursor: `{ data }`. */
export const list = (item: Schema): Schema => object({ data: arrayOf(item) });

/** An operation's problem codes grouped by status through its service's code→status table (`statusOf`), sorted. */
export function problems<C extends string>(statusOf: (code: C) => number, ...codes: C[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const code of [...new Set(codes)].sort()) (out[String(statusOf(code))] ??= []).push(code);
  return out;
}
