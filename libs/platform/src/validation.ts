import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { DomainException, type FieldError } from './problem';

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

// NUL, and a high surrogate not followed by a low one or a low one not preceded by a high one.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The message of a field holding text PostgreSQL cannot store. */
export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL characters (U+0000) or unpaired UTF-16 surrogates';

/** False for text PostgreSQL cannot store (in `text` or `jsonb`): a NUL character or a lone UTF-16 surrogate. */
export function isStorableText(s: string): boolean {
  return !UNSTORABLE.test(s);
}

/** A field name safe to echo in a problem (the name itself may be the bad text). */
function nameOf(key: string): string {
  return isStorableText(key) ? key : JSON.stringify(key).slice(1, -1);
}

/**
 * Paths (`a.b.0.c`) of every string, object key included, that PostgreSQL cannot store; at most
 * `max` of them. Depth is bounded by the body size limit and JSON parsing.
 */
export function unstorableTextFields(value: unknown, prefix = '', max = 20, out: string[] = []): string[] {
  if (out.length >= max) return out;
  if (typeof value === 'string') {
    if (!isStorableText(value)) out.push(prefix || '(value)');
    return out;
  }
  if (value === null || typeof value !== 'object') return out;
  for (const key of Object.keys(value)) {
    const path = prefix ? `${prefix}.${nameOf(key)}` : nameOf(key);
    if (!isStorableText(key)) out.push(path);
    else unstorableTextFields((value as Record<string, unknown>)[key], path, max, out);
    if (out.length >= max) break;
  }
  return out;
}

function failure(fieldErrors: FieldError[]): DomainException {
  return new DomainException('validation_failed', 400, fieldErrors.map((f) => `${f.field}: ${f.messages.join(', ')}`).join('; '), {}, fieldErrors);
}

/**
 * The platform's validation pipe: first, for every body, query string and path parameter, any text
 * PostgreSQL cannot store (NUL, lone surrogates) is refused, whatever the DTO says, so no handler
 * can forget it; then the DTO's own rules.
 */
class PlatformValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const prefix = metadata.type === 'body' ? '' : metadata.data ?? '';
      const bad = unstorableTextFields(value, prefix);
      if (bad.length > 0) throw failure(bad.map((field) => ({ field, messages: [UNSTORABLE_TEXT_MESSAGE] })));
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

/**
 * DTO validation: unknown fields are rejected, nothing is coerced silently, text PostgreSQL cannot
 * store is refused; failures are 400 `validation_failed` naming each field.
 */
export function createValidationPipe(): ValidationPipe {
  return new PlatformValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => failure(flatten(errors)),
  });
}
