import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { DomainException, type FieldError } from './problem';

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** DTO validation: unknown fields are rejected, nothing is coerced silently; failures are 400 `validation_failed`. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const fieldErrors = flatten(errors);
      return new DomainException('validation_failed', 400, fieldErrors.map((f) => `${f.field}: ${f.messages.join(', ')}`).join('; '), {}, fieldErrors);
    },
  });
}
