import { Body, type PipeTransform } from '@nestjs/common';
import { DomainException } from '@wozamali/platform';

/**
 * Nest's ValidationPipe lets a primitive body (`12`, `"x"`, `null`) through unvalidated: every body
 * here is a JSON object, so anything else is a 400 before a handler sees it.
 */
class ObjectBodyPipe implements PipeTransform {
  transform(value: unknown): unknown {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DomainException('validation_failed', 400, 'the body must be a JSON object', {}, [{ field: '(body)', messages: ['must be a JSON object'] }]);
    }
    return value;
  }
}

/** `@Body()` that also refuses anything but a JSON object. */
export const JsonBody = (): ParameterDecorator => Body(new ObjectBodyPipe());
