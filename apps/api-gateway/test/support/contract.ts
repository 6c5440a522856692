import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

type Media = Record<string, { schema?: unknown }>;
type Operation = { requestBody?: { content: Media }; responses: Record<string, { content?: Media }> };
export type OpenApiDoc = { paths: Record<string, Record<string, Operation>>; components: Record<string, unknown> };

/**
 * Validates real answers against an OpenAPI 3.1 document with ajv (JSON Schema 2020-12): the status
 * must be documented for the operation, the media type too, and the body must match its schema.
 */
export class ContractValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(private readonly doc: OpenApiDoc) {
    addFormats(this.ajv);
  }

  operation(method: string, path: string): Operation | undefined {
    return this.doc.paths[path]?.[method.toLowerCase()];
  }

  private validator(key: string, schema: unknown): ValidateFunction {
    let v = this.cache.get(key);
    if (!v) {
      v = this.ajv.compile({ ...(schema as object), components: this.doc.components });
      this.cache.set(key, v);
    }
    return v;
  }

  /** Problems with one answer of `method path` (documented template), [] when it matches. */
  checkResponse(method: string, path: string, status: number, contentType: string | null, body: unknown): string[] {
    const op = this.operation(method, path);
    if (!op) return [`${method} ${path} is not documented`];
    const response = op.responses[String(status)];
    if (!response) return [`${method} ${path}: status ${status} is not documented (documented: ${Object.keys(op.responses).join(', ')})`];
    if (!response.content) return body === null || body === undefined || body === '' ? [] : [`${method} ${path} ${status}: a body where none is documented`];
    const media = (contentType ?? '').split(';')[0].trim();
    const entry = response.content[media];
    if (!entry) return [`${method} ${path} ${status}: media type ${media} is not documented (${Object.keys(response.content).join(', ')})`];
    if (!entry.schema) return [];
    const v = this.validator(`${method} ${path} ${status} ${media}`, entry.schema);
    return v(body) ? [] : (v.errors ?? []).map((e) => `${method} ${path} ${status}: ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  }

  /** Problems with a request body against the operation's documented request schema. */
  checkRequest(method: string, path: string, body: unknown): string[] {
    const schema = this.operation(method, path)?.requestBody?.content['application/json']?.schema;
    if (!schema) return [`${method} ${path}: no request body documented`];
    const v = this.validator(`${method} ${path} request`, schema);
    return v(body) ? [] : (v.errors ?? []).map((e) => `${method} ${path} request: ${e.instancePath || '/'} ${e.message ?? ''}`);
  }
}
